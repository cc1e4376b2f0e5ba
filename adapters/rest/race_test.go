//go:build race

package rest_test

// raceEnabled lets the allocation counts step aside under the race detector, which allocates on
// its own account and drops a quarter of what goes back into a sync.Pool; make test runs them
// after, without the detector (ASIDE_RUN).
const raceEnabled = true
