//go:build race

package r1

// raceEnabled lets the heaviest test step aside under the race detector, which slows the
// transpiled SQLite many times over; the same logic is covered at a smaller size.
const raceEnabled = true
