// Package argon2id hashes passwords with Argon2id (golang.org/x/crypto/argon2) into standard PHC
// strings, and verifies them in constant time. It bounds how many hashes run at once, because each
// one holds its memory cost (19 MiB by default) for tens of milliseconds.
package argon2id
