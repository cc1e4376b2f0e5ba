// Package betterauth reads what Better Auth, the previous app's account library, left behind: its
// scrypt password hashes, kept as legacy hashes until their owner next signs in.
package betterauth
