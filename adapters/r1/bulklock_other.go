//go:build !unix

package r1

import "os"

// lockFile has no lock to take here: an unfinished bulk load is always taken for an interrupted
// one, and finished by the next open.
func lockFile(string) (*os.File, bool, error) { return nil, true, nil }

// unlockFile closes what lockFile returned: nothing here.
func unlockFile(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}
