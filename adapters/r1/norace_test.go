//go:build !race

package r1

const raceEnabled = false
