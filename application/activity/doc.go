// Package activity records what signed-in users do (details views, searches) without slowing the
// requests that do it, and lists a user's activity newest first.
package activity
