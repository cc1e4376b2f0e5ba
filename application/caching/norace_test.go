//go:build !race

package caching_test

const raceEnabled = false
