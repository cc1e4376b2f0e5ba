//go:build race

package domain

// raceEnabled lets a long single-goroutine test step aside under the race detector (make test
// runs it beside, without it): see TestScreensPassEveryMatch.
const raceEnabled = true
