//go:build !unix

package bootstrap

import "errors"

func raiseFileLimit() (uint64, error) { return 0, errors.New("no file limit on this system") }
