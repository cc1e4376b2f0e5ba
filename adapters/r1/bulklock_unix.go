//go:build unix

package r1

import (
	"errors"
	"os"
	"syscall"
)

// lockFile opens (creating) the file at path and takes an exclusive lock on it without waiting:
// ok is false when another process holds it.
func lockFile(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}

// unlockFile lets go of a lock lockFile took, and closes its file. The lock belongs to the open
// file, which a child process forked meanwhile shares until it runs its program (the descriptor is
// close-on-exec, but a fork copies it first): closing this process's descriptor alone left the
// lock held for that while, and an open in the same moment found the load locked by another
// process. Unlocking first lets it go for every copy.
func unlockFile(f *os.File) error {
	unlockErr := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := f.Close(); err != nil {
		return err
	}
	return unlockErr
}
