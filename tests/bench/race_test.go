//go:build race

package main

// raceEnabled lets the whole-pipeline test step aside under the race detector, which slows the
// transpiled SQLite many times over; make test runs it again without the detector.
const raceEnabled = true
