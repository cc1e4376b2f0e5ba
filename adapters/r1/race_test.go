//go:build race

package r1

// raceEnabled lets the long tests that run one goroutine of queries step aside under the race
// detector, which watches none of SQLite's memory (the transpiled C's) and slows them many times
// over: make test runs them beside, without it (the Makefile's ASIDE_RUN; tests/maketest checks
// that each is named there).
const raceEnabled = true
