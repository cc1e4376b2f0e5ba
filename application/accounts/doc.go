// Package accounts holds the account use cases: sign-up, sign-in, authenticating a session token,
// reading and updating the profile, logout, and the sweep of expired sessions. Tokens are shown to
// the client once and stored only as a keyed hash; sessions are looked up through the cache.
package accounts
