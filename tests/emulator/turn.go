package emulator

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// turnFile is the lock that Turn takes, one per machine (the test processes of a run share it).
var turnFile = filepath.Join(os.TempDir(), "streamer-emulator-turn.lock")

// Turn waits until no other test of this machine holds the emulator's turn, and holds it until the
// test ends. Two tests take it: each backend's run of the soak (16 clients for 30 s, which takes
// both cores of the CI machine and starves the emulator) and the latency measurement in
// tests/integration; make test runs their packages side by side. In three of six fresh CI runs the
// measurement met a burst of load from the other run (the soak, or the bench pipeline after it), a
// read answered 503 and the run failed; its figures measured that load too. Neither waits long:
// each backend of the soak takes a minute, the measurement half of one.
func Turn(tb testing.TB) {
	tb.Helper()
	release, err := takeTurn(turnFile)
	if err != nil {
		tb.Fatalf("the emulator's turn (%s): %v", turnFile, err)
	}
	tb.Cleanup(release)
}

// takeTurn blocks until it holds an exclusive lock on path, and returns what releases it.
func takeTurn(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = f.Close() }, nil // closing the file unlocks it
}
