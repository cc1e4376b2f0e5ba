//go:build !race

package torznab_test

const raceEnabled = false
