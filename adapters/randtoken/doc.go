// Package randtoken makes session tokens: 32 bytes from the operating system's CSPRNG, base64url
// without padding (43 characters).
package randtoken
