// Package servicebin builds the service's binary once per test run, for the tests that run it as a
// user does (tests/e2e, tests/integration, tests/migration, tests/soak): every test of every
// package of one `go test ./...` shares the one build.
//
//	func TestMain(m *testing.M) { os.Exit(servicebin.Run(m)) }
//	...
//	bin := servicebin.Path(t)
//
// `go test` runs each package in its own process, several at once, so a build per process compiled
// the module up to four times over, in parallel, on a cold cache. Now the processes take turns (a
// file lock) building into one directory under os.TempDir, one per module root: the first builds,
// and `go build` leaves an up-to-date output as it is, so the others wait for it and find nothing
// to do. Each process runs a copy named by the build's content, which a later build never writes
// over, however the sources change meanwhile. The binary is built as `make build` and the image
// build (deploy/image) build theirs (CGO_ENABLED=0, -trimpath), so all of them share the compiled
// packages in the Go build cache.
package servicebin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	once  sync.Once
	built string // the binary's path
	err   error
)

// Path returns the binary of ./cmd/streamer, built at the first call of the test run; a failed
// build fails the test.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() { built, err = build() })
	if err != nil {
		t.Fatal(err)
	}
	return built
}

// keepFor is how long a copy no build named stays: a run older than that has ended.
const keepFor = 24 * time.Hour

func build() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "streamer-servicebin-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("servicebin: lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing unlocks too

	out := filepath.Join(dir, "build", "streamer") // go build's output: never run, so never busy
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/streamer")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/streamer: %v\n%s", err, b)
	}
	digest, err := fileDigest(out)
	if err != nil {
		return "", err
	}
	run := filepath.Join(dir, digest, "streamer")
	if _, err := os.Stat(run); errors.Is(err, os.ErrNotExist) {
		if err := copyFile(out, run); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	now := time.Now()
	_ = os.Chtimes(filepath.Dir(run), now, now)
	prune(dir, filepath.Base(filepath.Dir(run)))
	return run, nil
}

// Run runs the package's tests. Call it from TestMain. The binary stays for the next run, which
// does not build it again unless something changed.
func Run(m *testing.M) int { return m.Run() }

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// copyFile writes src to dst through a temporary file renamed into place, so no reader ever sees
// half of it.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".streamer-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// prune removes the copies no build has named for keepFor, keeping the current one.
func prune(dir, current string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == current || e.Name() == "build" {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > keepFor {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
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
