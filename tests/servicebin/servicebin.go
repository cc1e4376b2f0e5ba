// Package servicebin builds the service's binary once per test process, for the tests that run it
// as a user does (tests/e2e, tests/integration): every test of the package shares the one build.
//
//	func TestMain(m *testing.M) { os.Exit(servicebin.Run(m)) }
//	...
//	bin := servicebin.Path(t)
package servicebin

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once  sync.Once
	dir   string // the temporary directory holding the binary
	built string // the binary's path
	err   error
)

// Path returns the binary of ./cmd/streamer, built at the first call (CGO_ENABLED=0, as make build
// builds it); a failed build fails the test.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(build)
	if err != nil {
		t.Fatal(err)
	}
	return built
}

func build() {
	root, e := moduleRoot()
	if e != nil {
		err = e
		return
	}
	if dir, err = os.MkdirTemp("", "streamer-bin-"); err != nil {
		return
	}
	built = filepath.Join(dir, "streamer")
	cmd := exec.Command("go", "build", "-o", built, "./cmd/streamer")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, e := cmd.CombinedOutput(); e != nil {
		err = fmt.Errorf("go build ./cmd/streamer: %v\n%s", e, out)
	}
}

// Run runs the package's tests, then removes the binary. Call it from TestMain.
func Run(m *testing.M) int {
	code := m.Run()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return code
}

// moduleRoot is the nearest directory above the working directory holding go.mod.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("servicebin: no go.mod above the working directory")
		}
		d = parent
	}
}
