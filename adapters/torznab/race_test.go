//go:build race

package torznab

// raceEnabled lets the allocation count step aside under the race detector, which allocates on its
// own account (a page of 100 items counted 103 allocations under it, 3 without); make test runs it
// after, without the detector.
const raceEnabled = true
