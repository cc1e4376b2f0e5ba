//go:build race

package caching_test

// raceEnabled lets the heaviest test step aside under the race detector (make test runs it after,
// without it): it fills a thousand search pages of 100 torrents.
const raceEnabled = true
