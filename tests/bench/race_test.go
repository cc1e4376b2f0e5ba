//go:build race

package main

// raceEnabled lets the whole-pipeline test step aside under the race detector, which slows the
// transpiled SQLite many times over, and the corpus's shape, which runs on one goroutine; make test
// runs them again without the detector.
const raceEnabled = true
