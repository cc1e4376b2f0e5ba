package rest_test

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// failingListener fails its first accepts as a process out of descriptors does, then accepts.
type failingListener struct {
	net.Listener
	mu       sync.Mutex
	failures int
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.failures > 0 {
		l.failures--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// A failed accept does not end the server: before, fasthttp's Serve returned the EMFILE error, and
// the service logged "serve failed" and exited 1.
func TestAFailedAcceptDoesNotEndTheServer(t *testing.T) {
	h := newHarness(t)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := rest.LimitListener(&failingListener{Listener: inner, failures: 5}, rest.ConnLimits{Logger: slog.New(slog.DiscardHandler)})
	served := make(chan error, 1)
	go func() { served <- h.app.Listener(ln) }()
	res, err := http.Get("http://" + inner.Addr().String() + "/livez")
	if err != nil {
		t.Fatalf("GET /livez after failed accepts: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /livez: %d", res.StatusCode)
	}
	select {
	case err := <-served:
		t.Fatalf("the server stopped: %v", err)
	default:
	}
	if s := rest.Stats(ln); s.AcceptErrors != 5 {
		t.Fatalf("accept errors counted: %d, want 5", s.AcceptErrors)
	}
}

// dialFrom opens a connection to addr from a loopback source address of its own, so one test can
// be several clients.
func dialFrom(t *testing.T, source, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", source, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends one request on c and reads the status line and the body.
func get(t *testing.T, c net.Conn, path string) (int, string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		return 0, err.Error()
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// getOnce asks for /livez on a connection of its own from source, and closes it.
func getOnce(t *testing.T, source, addr string) (int, string) {
	t.Helper()
	c := dialFrom(t, source, addr)
	defer c.Close()
	return get(t, c, "/livez")
}

// One client holding idle connections up to its limit, then more, costs the others nothing: its
// excess gets a quick 503, the others are served, and the server lives. Past the overall limit every
// new connection gets the 503, and the held ones are served as before.
func TestConnectionFloodsAreShedNotFatal(t *testing.T) {
	h := newHarness(t)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := rest.LimitListener(inner, rest.ConnLimits{Max: 8, MaxPerClient: 3, Logger: slog.New(slog.DiscardHandler)})
	served := make(chan error, 1)
	go func() { served <- h.app.Listener(ln) }()
	addr := inner.Addr().String()

	var flood []net.Conn
	for range 3 {
		flood = append(flood, dialFrom(t, "127.0.0.2", addr))
	}
	waitOpen(t, ln, 3)
	for i := range 20 {
		status, body := get(t, dialFrom(t, "127.0.0.2", addr), "/livez")
		if status != 503 || !strings.Contains(body, `"code":"unavailable"`) {
			t.Fatalf("connection %d over the client's limit: %d %s; want a 503 problem document", i+4, status, body)
		}
	}
	if status, body := getOnce(t, "127.0.0.1", addr); status != 200 {
		t.Fatalf("another client during the flood: %d %s", status, body)
	}
	// The flooding client's held connections are still served.
	if status, _ := get(t, flood[0], "/livez"); status != 200 {
		t.Fatalf("a held connection: %d", status)
	}

	// The other client's connection may still be open on the server's side: wait until it is gone,
	// or one of the five below would be over the overall limit on a slow machine.
	waitOpen(t, ln, 3)
	// Overall: five more clients fill the server to 8; the next connection, from anyone, is shed.
	waitOpen(t, ln, 3) // the server has seen the other client's connection close
	var others []net.Conn
	for i := range 5 {
		others = append(others, dialFrom(t, "127.0.0."+string(rune('3'+i)), addr))
	}
	waitOpen(t, ln, 8)
	if status, _ := getOnce(t, "127.0.0.1", addr); status != 503 {
		t.Fatalf("a connection over the overall limit: %d, want 503", status)
	}
	for _, c := range others {
		c.Close()
	}
	waitOpen(t, ln, 3)
	if status, _ := getOnce(t, "127.0.0.1", addr); status != 200 {
		t.Fatalf("after the others left: %d", status)
	}
	select {
	case err := <-served:
		t.Fatalf("the server stopped: %v", err)
	default:
	}
	if s := rest.Stats(ln); s.Shed != 21 {
		t.Fatalf("shed %d connections, want 21", s.Shed)
	}
	for _, c := range flood {
		c.Close()
	}
	_ = h.app.Shutdown()
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after shutdown: %v", err)
	}
}

// waitOpen waits until the listener holds n connections (the server accepts in its own goroutine).
func waitOpen(t *testing.T, ln net.Listener, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for rest.Stats(ln).Open != n {
		if time.Now().After(deadline) {
			t.Fatalf("the listener holds %d connections, want %d", rest.Stats(ln).Open, n)
		}
		time.Sleep(time.Millisecond)
	}
}
