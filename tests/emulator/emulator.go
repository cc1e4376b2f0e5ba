package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
)

// What the image serves (gateway/wrangler.toml) and how the tests reach it.
const (
	image          = "streamer-gateway:dev"
	containerLabel = "org.streamer.test"
	Token          = "emulator-test-token"
	Account        = "emulator"
	Database       = "streamer"
	Namespace      = "cache"
	readyTimeout   = 30 * time.Second
)

// Emulator is one container of the gateway on the host network, bound to 127.0.0.1.
type Emulator struct {
	pool *dockertest.Pool
	res  *dockertest.Resource
	port int
	// State is the host directory holding D1's and KV's files (mounted at /data).
	State string
}

// BaseURL is what CF_API_BASE_URL takes.
func (e *Emulator) BaseURL() string { return fmt.Sprintf("http://127.0.0.1:%d/client/v4", e.port) }

// Env is the service's environment for its Cloudflare mode against this emulator (and its KV);
// baseURL overrides the address (a fault proxy in front), "" for the emulator itself.
func (e *Emulator) Env(baseURL string) []string {
	if baseURL == "" {
		baseURL = e.BaseURL()
	}
	return []string{"CF_API_BASE_URL=" + baseURL, "CF_ACCOUNT_ID=" + Account, "R1_API_TOKEN=" + Token,
		"R1_DATABASE=" + Database, "KV_NAMESPACE_ID=" + Namespace}
}

// Start runs a fresh emulator whose state lives in a temporary directory of the test; it is removed
// when the test ends.
func Start(tb testing.TB) *Emulator {
	tb.Helper()
	p := dockerPool(tb)
	ensureImage(tb, p)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	e := &Emulator{pool: p, port: port, State: tb.TempDir()}
	if err := e.run(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.remove)
	return e
}

func (e *Emulator) run() error {
	opts := &dockertest.RunOptions{
		Repository: "streamer-gateway", Tag: "dev",
		Env:    []string{"EMULATOR_PORT=" + strconv.Itoa(e.port), "EMULATOR_TOKEN=" + Token},
		Labels: map[string]string{containerLabel: "emulator"},
		Mounts: []string{e.State + ":/data"},
		User:   fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()),
	}
	res, err := e.pool.RunWithOptions(opts, func(hc *docker.HostConfig) {
		hc.NetworkMode = "host" // no bridge network on these machines; the emulator binds 127.0.0.1
		hc.AutoRemove = false
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return fmt.Errorf("start the emulator container: %w", err)
	}
	e.res = res
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, e.BaseURL()+"/_gateway/stats", nil)
		req.Header.Set("Authorization", "Bearer "+Token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if c, ierr := e.pool.Client.InspectContainer(res.Container.ID); ierr == nil && !c.State.Running {
			e.remove()
			return fmt.Errorf("the emulator container exited (%d)", c.State.ExitCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.remove()
	return fmt.Errorf("the emulator did not answer within %v", readyTimeout)
}

// Requests is the number of requests the gateway served (its own counter, not Cloudflare's API).
func (e *Emulator) Requests() (uint64, error) {
	req, _ := http.NewRequest(http.MethodGet, e.BaseURL()+"/_gateway/stats", nil)
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var s struct {
		Requests uint64 `json:"requests"`
	}
	if err := jsonDecode(resp, &s); err != nil {
		return 0, err
	}
	return s.Requests, nil
}

func (e *Emulator) remove() {
	if e.res != nil {
		_ = e.pool.Purge(e.res)
		e.res = nil
	}
}

var (
	poolOnce  sync.Once
	pool      *dockertest.Pool
	poolErr   error
	imageOnce sync.Once
	imageErr  error
)

// Unavailable skips the test loudly, or fails it under CI=true where every such test must run.
func Unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true, so this test must run, but %s", why)
	}
	banner := strings.Repeat("!", 100)
	tb.Skipf("\n%s\n!!! SKIPPED: %s\n!!! It runs the service against the gateway emulator in a container. Install Docker and Node\n"+
		"!!! (apt-get install -y docker.io nodejs npm; dockerd --bridge=none --iptables=false &), or run: bash .ci/run\n%s",
		banner, why, banner)
}

func dockerPool(tb testing.TB) *dockertest.Pool {
	tb.Helper()
	poolOnce.Do(func() {
		p, err := dockertest.NewPool("")
		if err != nil {
			poolErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Client.PingWithContext(ctx); err != nil {
			poolErr = err
			return
		}
		pool = p
	})
	if poolErr != nil {
		Unavailable(tb, fmt.Sprintf("no Docker engine answers (%v)", poolErr))
	}
	return pool
}

// ensureImage runs gateway/image/build.sh, which builds the image only when its inputs changed.
func ensureImage(tb testing.TB, p *dockertest.Pool) {
	tb.Helper()
	imageOnce.Do(func() {
		_, inspectErr := p.Client.InspectImage(image)
		if _, err := exec.LookPath("node"); err != nil {
			if inspectErr != nil {
				imageErr = errors.New("the image " + image + " is missing and Node, which gateway/image/build.sh needs, is not installed")
			}
			return
		}
		root, err := RepoRoot()
		if err != nil {
			imageErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "gateway", "image", "build.sh"))
		cmd.Env = append(os.Environ(), "IMAGE="+image)
		if out, err := cmd.CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("gateway/image/build.sh: %v\n%s", err, out)
		}
	})
	if imageErr != nil {
		if os.Getenv("CI") == "true" || !strings.Contains(imageErr.Error(), "Node") {
			tb.Fatal(imageErr)
		}
		Unavailable(tb, imageErr.Error())
	}
}

// RepoRoot is the module's root: the nearest directory above the working one with a go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func jsonDecode(resp *http.Response, into any) error {
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// CPUSeconds is the CPU time the emulator's container has used (node, workerd and its D1 and KV),
// from its cgroup; 0 when the cgroup cannot be read.
func (e *Emulator) CPUSeconds() float64 {
	if e.res == nil {
		return 0
	}
	id := e.res.Container.ID
	for _, p := range []string{
		"/sys/fs/cgroup/cpuacct/docker/" + id + "/cpuacct.usage",       // cgroup v1: nanoseconds
		"/sys/fs/cgroup/system.slice/docker-" + id + ".scope/cpu.stat", // cgroup v2: usage_usec
	} {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		text := strings.TrimSpace(string(raw))
		if strings.HasSuffix(p, "cpuacct.usage") {
			if n, err := strconv.ParseFloat(text, 64); err == nil {
				return n / 1e9
			}
			continue
		}
		for _, line := range strings.Split(text, "\n") {
			if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					return n / 1e6
				}
			}
		}
	}
	return 0
}
