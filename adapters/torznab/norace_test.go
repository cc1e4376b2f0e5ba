//go:build !race

package torznab

const raceEnabled = false
