package emulator

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// While one test holds the turn, no other can take it (a second lock on the file is refused);
// once it ends, the next can.
func TestTheEmulatorsTurnIsOneTestsAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "turn.lock")
	release, err := takeTurn(path)
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("a second test took the turn while the first held it: %v", err)
	}
	release()
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("the turn was not free once the first test ended: %v", err)
	}
}
