// Package binary builds the streamer binary and runs it as a child process on 127.0.0.1 for the
// tests that need the real thing (the soak, the crash loop, a full disk, slow clients): start, wait
// until ready, kill -9 or SIGTERM, and read the process's RSS and open file descriptors from /proc.
package binary
