package binary

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/output"
	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// Build is the binary of ./cmd/streamer, built once per test process (tests/servicebin); the
// package's TestMain must call servicebin.Run.
func Build(tb testing.TB) string { return servicebin.Path(tb) }

// Process is one run of the binary.
type Process struct {
	bin, dir string
	env      []string
	Addr     string // host:port on 127.0.0.1
	Base     string // http://Addr
	cmd      *exec.Cmd
	logs     *output.Buffer
	exited   chan struct{}
}

// Start runs `streamer serve` in dir with env (added to a clean environment: nothing of the
// caller's that would choose a mode or a port) on a free port of 127.0.0.1 and waits until /readyz
// answers 200. The process is killed when the test ends.
func Start(tb testing.TB, bin, dir string, env ...string) *Process {
	tb.Helper()
	p := &Process{bin: bin, dir: dir, env: env}
	if err := p.start(tb, 60*time.Second); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Kill() })
	return p
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (p *Process) start(tb testing.TB, ready time.Duration) error {
	if p.Addr == "" {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		p.Addr, p.Base = addr, "http://"+addr
	}
	p.logs = &output.Buffer{Limit: 4 << 20} // the tail of a long run
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Dir = p.dir
	p.cmd.Env = CleanEnv(append([]string{"ADDR=" + p.Addr, "LOG_FORMAT=json", "LOG_LEVEL=warn"}, p.env...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(p.cmd, p.exited)
	deadline := time.Now().Add(ready)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("the service exited before it was ready (%v); logs:\n%s", p.cmd.ProcessState, p.logs)
		default:
		}
		resp, err := http.Get(p.Base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Kill()
	return fmt.Errorf("the service was not ready within %v; logs:\n%s", ready, p.logs)
}

// Restart starts the binary again on the same address, directory and environment.
func (p *Process) Restart(tb testing.TB) error {
	tb.Helper()
	return p.start(tb, 60*time.Second)
}

// Kill ends the process with SIGKILL (kill -9) and waits for it.
func (p *Process) Kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// Stop sends SIGTERM and waits up to 30 s for a clean exit.
func (p *Process) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.exited:
		if !p.cmd.ProcessState.Success() {
			return fmt.Errorf("exit after SIGTERM: %v", p.cmd.ProcessState)
		}
		return nil
	case <-time.After(30 * time.Second):
		p.Kill()
		return fmt.Errorf("no exit within 30 s of SIGTERM")
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Logs is what the process wrote so far.
func (p *Process) Logs() string { return p.logs.String() }

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// RSS is the resident set size in bytes (/proc/pid/status VmRSS).
func (p *Process) RSS() (int64, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", p.Pid())
}

// FDs is the number of open file descriptors.
func (p *Process) FDs() (int, error) {
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(p.Pid()) + "/fd")
	return len(entries), err
}

// CleanEnv is the test's environment without anything that would choose another mode, port, key
// or limit, plus extra.
func CleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(serviceVars, name) || strings.HasPrefix(name, "RATE_LIMIT_") || strings.HasPrefix(name, "CACHE_") ||
			strings.HasPrefix(name, "SEARCH_") || strings.HasPrefix(name, "METRICS_") || strings.HasPrefix(name, "ACTIVITY_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// serviceVars are the service's settings (bootstrap/config.go) that have no common prefix.
var serviceVars = []string{"CF_ACCOUNT_ID", "R1_API_TOKEN", "R1_DATABASE", "KV_NAMESPACE_ID", "CF_API_BASE_URL",
	"ADDR", "PORT", "INGEST_API_KEY", "AUTH_SECRET", "BETTER_AUTH_SECRET", "SAMPLE_DATA", "TRUSTED_PROXIES",
	"CORS_ORIGINS", "LOG_LEVEL", "LOG_FORMAT", "MAX_CONNECTIONS", "MAX_CONNECTIONS_PER_CLIENT", "CLIENT_IP_HEADER",
	"SHUTDOWN_TIMEOUT", "COOKIE_SECURE"}
