package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/output"
	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// The binary under an open-file limit of 64, flooded with idle connections: before, accept failed
// with "too many open files" once the descriptors ran out, and the service logged "serve failed"
// and exited 1. Now the flood is shed (per client, then overall), other clients are served, and the
// process lives and stops cleanly.
func TestAConnectionFloodDoesNotEndTheProcess(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the open-file limit with")
	}
	bin := servicebin.Path(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	s := &floodedServer{base: "http://" + addr, logs: &output.Buffer{}}
	// ulimit -n sets the soft and the hard limit: the service cannot raise it past 64.
	s.cmd = exec.Command("sh", "-c", `ulimit -n 64 && exec "$0" serve`, bin)
	s.cmd.Dir = dir
	s.cmd.Env = cleanEnv("ADDR="+addr, "LOG_FORMAT=json", "MAX_CONNECTIONS_PER_CLIENT=8")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	waitReady(t, s, exited)

	alive := func(when string) {
		t.Helper()
		select {
		case err := <-exited:
			t.Fatalf("the service exited %s: %v; logs:\n%s", when, err, s.logs)
		default:
		}
	}
	// One client opens 100 idle connections, more than the process has descriptors.
	var flood []net.Conn
	for i := range 100 {
		c, err := dialFrom("127.0.0.2", addr)
		if err != nil {
			t.Fatalf("flood connection %d: %v", i, err)
		}
		flood = append(flood, c)
	}
	time.Sleep(200 * time.Millisecond) // let the server accept (and shed) them all
	alive("during a flood from one client")
	if code := livez(t, "127.0.0.1", addr); code != 200 {
		t.Fatalf("another client during the flood: %d; logs:\n%s", code, s.logs)
	}

	// Many clients: past the overall cap new connections get 503, and the process lives.
	for i := range 20 {
		for range 8 {
			c, err := dialFrom(fmt.Sprintf("127.0.1.%d", i+1), addr)
			if err != nil {
				t.Fatalf("flood from many clients: %v", err)
			}
			flood = append(flood, c)
		}
	}
	time.Sleep(200 * time.Millisecond)
	alive("during a flood from many clients")
	if code := livez(t, "127.0.0.1", addr); code != 503 && code != 200 {
		t.Fatalf("over the overall cap: %d, want 503 (or 200 if a place freed up)", code)
	}
	for _, c := range flood {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for livez(t, "127.0.0.1", addr) != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("not served again after the flood ended; logs:\n%s", s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	alive("after the flood")
	// The sheds are counted where an operator sees them.
	res, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !regexp.MustCompile(`(?m)^streamer_connections_shed_total [1-9]`).Match(metrics) {
		t.Fatalf("/metrics does not count the shed connections:\n%s", metrics)
	}
	if strings.Contains(s.logs.String(), "serve failed") {
		t.Fatalf("the service logged a serve failure:\n%s", s.logs)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; logs:\n%s", err, s.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30 s of SIGTERM")
	}
}

func waitReady(t *testing.T, s *floodedServer, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("the service exited at start: %v; logs:\n%s", err, s.logs)
		default:
		}
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("not ready within 30 s; logs:\n%s", s.logs)
}

type floodedServer struct {
	cmd  *exec.Cmd
	base string
	logs *output.Buffer
}

func dialFrom(source, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// livez asks for /livez on a connection of its own from source: the status, or 0 when the
// connection was closed without an answer.
func livez(t *testing.T, source, addr string) int {
	t.Helper()
	c, err := dialFrom(source, addr)
	if err != nil {
		return 0
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /livez HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"); err != nil {
		return 0
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}
