package main

import (
	"os"
	"path/filepath"
	"testing"
)

// BENCH_PROFILE names a directory that need not exist yet: the profile is written there, not
// dropped without a word (regression test: a missing directory wrote nothing, silently).
func TestAProfileGoesIntoADirectoryMadeForIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "there", "yet")
	startProfile(dir, "x-ingest")()
	if fi, err := os.Stat(filepath.Join(dir, "x-ingest.cpu.pprof")); err != nil || fi.Size() == 0 {
		t.Fatalf("no profile written: %v", err)
	}
}
