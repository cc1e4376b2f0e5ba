//go:build race

package soak

// raceDetector is true when the tests run under -race, where SQLite in this process (the database
// checks) is about fifty times slower.
const raceDetector = true
