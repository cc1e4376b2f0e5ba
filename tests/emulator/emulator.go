package emulator

import (
	"bytes"
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
	imageRepository = "streamer-gateway"
	imageTag        = "dev"
	// containerLabel marks the containers the tests start, so a run can clear what a killed run
	// left behind.
	containerLabel = "org.streamer.test"
	// Token is the bearer token every request to the emulator carries (R1_API_TOKEN).
	Token = "emulator-test-token"
	// Account is any account id: the gateway accepts every one.
	Account = "emulator"
	// Database and Namespace are wrangler.toml's D1 name and KV_NAMESPACE_ID.
	Database     = "streamer"
	Namespace    = "cache"
	readyTimeout = 30 * time.Second
)

// Emulator is one container of the gateway on the host network, bound to 127.0.0.1.
type Emulator struct {
	pool *dockertest.Pool
	res  *dockertest.Resource
	port int
	// State is the host directory holding D1's and KV's files (mounted at /data), "" when they
	// live in the container (and go with it).
	State string
}

// Option changes how Start runs the emulator.
type Option func(*Emulator)

// WithState keeps the emulator's D1 and KV in a temporary directory of the test (Emulator.State),
// so the container can be replaced (Stop, Restart) without losing them and their size can be read.
func WithState(tb testing.TB) Option { return func(e *Emulator) { e.State = tb.TempDir() } }

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

// Start runs a fresh emulator (building its image first when needed) and waits until it answers;
// it is removed when the test ends. Where Docker (or Node, to build the image) is missing the test
// is skipped loudly, and fails under CI=true.
func Start(tb testing.TB, opts ...Option) *Emulator {
	tb.Helper()
	p := dockerPool(tb)
	ensureImage(tb, p)
	e := &Emulator{pool: p, port: FreePort(tb)}
	for _, o := range opts {
		o(e)
	}
	e.run(tb)
	tb.Cleanup(e.remove)
	return e
}

// run starts a container on e's port and state, and waits for it to answer.
func (e *Emulator) run(tb testing.TB) {
	tb.Helper()
	opts := &dockertest.RunOptions{
		Repository: imageRepository, Tag: imageTag,
		Env:    []string{"EMULATOR_PORT=" + strconv.Itoa(e.port), "EMULATOR_TOKEN=" + Token},
		Labels: map[string]string{containerLabel: "emulator"},
	}
	if e.State != "" {
		opts.Mounts = []string{e.State + ":/data"}
		// The files it writes are the test's, so the temporary directory can be removed.
		opts.User = fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	}
	res, err := e.pool.RunWithOptions(opts, func(hc *docker.HostConfig) {
		// No bridge network on these machines: the container shares the host's, and the emulator
		// binds 127.0.0.1 only.
		hc.NetworkMode = "host"
		hc.AutoRemove = false
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		tb.Fatalf("start the emulator container: %v", err)
	}
	e.res = res
	if err := e.waitReady(readyTimeout); err != nil {
		logs := e.Logs()
		e.remove()
		tb.Fatalf("the emulator did not answer within %v: %v\ncontainer logs:\n%s", readyTimeout, err, logs)
	}
}

// waitReady polls the gateway's stats endpoint until it answers 200.
func (e *Emulator) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		_, err := e.stats()
		if err == nil {
			return nil
		}
		last = err
		if c, ierr := e.pool.Client.InspectContainer(e.res.Container.ID); ierr == nil && !c.State.Running {
			return fmt.Errorf("the container exited (%d)", c.State.ExitCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// Stop ends the emulator as an outage would: SIGTERM, then the container is removed. Its state
// stays in its directory (WithState).
func (e *Emulator) Stop(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.pool.Client.KillContainer(docker.KillContainerOptions{ID: e.res.Container.ID, Signal: docker.SIGTERM, Context: ctx}); err != nil {
		tb.Fatalf("stop the emulator: %v", err)
	}
	if _, err := e.pool.Client.WaitContainerWithContext(e.res.Container.ID, ctx); err != nil {
		tb.Fatalf("wait for the emulator to stop: %v", err)
	}
	e.remove()
}

// Restart starts a new container on the same port and state directory.
func (e *Emulator) Restart(tb testing.TB) {
	tb.Helper()
	e.run(tb)
}

func (e *Emulator) remove() {
	if e.res != nil {
		_ = e.pool.Purge(e.res)
		e.res = nil
	}
}

// Logs is the end of the container's output.
func (e *Emulator) Logs() string {
	var out bytes.Buffer
	_ = e.pool.Client.Logs(docker.LogsOptions{Container: e.res.Container.ID, OutputStream: &out, ErrorStream: &out,
		Stdout: true, Stderr: true, Tail: "100"})
	return out.String()
}

// Stats are the gateway's own request counters (GET /_gateway/stats, not Cloudflare's API).
type Stats struct {
	Requests uint64 `json:"requests"`
	D1       struct {
		Requests uint64 `json:"requests"`
	} `json:"d1"`
	KV struct {
		Requests uint64 `json:"requests"`
	} `json:"kv"`
}

// Stats reads the gateway's counters.
func (e *Emulator) Stats(tb testing.TB) Stats {
	tb.Helper()
	s, err := e.stats()
	if err != nil {
		tb.Fatalf("gateway stats: %v", err)
	}
	return s
}

func (e *Emulator) stats() (Stats, error) {
	var s Stats
	req, _ := http.NewRequest(http.MethodGet, e.BaseURL()+"/_gateway/stats", nil)
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, errors.New(resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
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

var (
	poolOnce sync.Once
	pool     *dockertest.Pool
	poolErr  error

	imageOnce sync.Once
	imageErr  error
	imageNote string
)

// Unavailable skips the test loudly, or fails it under CI=true where every such test must run.
func Unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true, so this test must run, but %s", why)
	}
	banner := strings.Repeat("!", 100)
	tb.Skipf("\n%s\n!!! SKIPPED: %s\n!!! It runs against the gateway emulator (Cloudflare's runtime) in a container. Install Docker and Node\n"+
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
		clearLeftovers(p)
	})
	if poolErr != nil {
		Unavailable(tb, fmt.Sprintf("no Docker engine answers (%v)", poolErr))
	}
	return pool
}

// clearLeftovers removes the containers of runs that ended without cleaning up (killed by a
// timeout) more than an hour ago.
func clearLeftovers(p *dockertest.Pool) {
	list, err := p.Client.ListContainers(docker.ListContainersOptions{All: true,
		Filters: map[string][]string{"label": {containerLabel}}})
	if err != nil {
		return
	}
	for _, c := range list {
		if time.Since(time.Unix(c.Created, 0)) > time.Hour {
			_ = p.Client.RemoveContainer(docker.RemoveContainerOptions{ID: c.ID, Force: true})
		}
	}
}

// ensureImage runs gateway/image/build.sh, which builds the image when it is missing or its inputs
// (the gateway's files, node_modules) changed, and is done in about two seconds otherwise. Without
// Node it cannot build: an image already there is used as it is.
func ensureImage(tb testing.TB, p *dockertest.Pool) {
	tb.Helper()
	imageOnce.Do(func() {
		image := imageRepository + ":" + imageTag
		_, inspectErr := p.Client.InspectImage(image)
		if _, err := exec.LookPath("node"); err != nil {
			if inspectErr == nil {
				imageNote = "node is not installed: using the image already built, which may be older than gateway/"
				return
			}
			imageErr = errors.New("the image " + image + " is missing and Node, which gateway/image/build.sh needs, is not installed")
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
	if imageNote != "" {
		tb.Log(imageNote)
	}
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

// FreePort is a port of 127.0.0.1 that nothing listened on a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
