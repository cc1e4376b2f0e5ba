// Package faultproxy is an HTTP proxy for tests that stands between the service and an upstream
// (the Cloudflare emulator) and injects faults on demand: added latency, 429 with Retry-After,
// 5xx, connection resets, and silence (the request is read and never answered). It counts the
// requests that reached it, so a test can tell how many upstream calls a fault cost.
package faultproxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is what the proxy does to each request.
type Fault struct {
	// Kind is one of the kinds below; "" passes requests through.
	Kind Kind
	// Latency is added before a request is passed on (Kind Latency).
	Latency time.Duration
	// Status is the answer of ServerErrors (default 503).
	Status int
	// RetryAfter is the Retry-After of TooManyRequests, in seconds (default 5).
	RetryAfter int
}

// Kind names a fault.
type Kind string

// The faults.
const (
	None            Kind = ""
	Latency         Kind = "latency"
	TooManyRequests Kind = "429"
	ServerErrors    Kind = "5xx"
	Reset           Kind = "reset"
	Silence         Kind = "silence"
)

// Proxy forwards to one upstream unless a fault is set.
type Proxy struct {
	URL      string // http://127.0.0.1:port, the proxy's address
	upstream *url.URL
	srv      *http.Server
	rp       *httputil.ReverseProxy
	mu       sync.Mutex
	fault    Fault
	release  chan struct{} // closed when a silence ends
	requests atomic.Uint64
	faulted  atomic.Uint64
	logMu    sync.Mutex
	log      io.Writer
}

// LogTo writes one line per request passed through from now on: when it began (Unix
// microseconds), how long the upstream took (microseconds), the path, the body's size and its
// first 90 bytes (for D1, the statement), tab-separated. The soak uses it (SOAK_UPSTREAM_LOG) to
// tell where the time of a Cloudflare-mode run goes.
func (p *Proxy) LogTo(w io.Writer) {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	p.log = w
}

// Start runs a proxy to upstream (scheme://host:port) on 127.0.0.1, stopped when the test ends.
func Start(tb testing.TB, upstream string) *Proxy {
	tb.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), upstream: u, release: make(chan struct{})}
	p.rp = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	p.rp.ErrorLog = nil
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	tb.Cleanup(func() {
		p.Set(Fault{})
		_ = p.srv.Close()
	})
	return p
}

// Set changes the fault for the requests that arrive from now on; ending a silence lets the
// requests it held go (each then fails: their connection is closed).
func (p *Proxy) Set(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fault.Kind == Silence && f.Kind != Silence {
		close(p.release)
		p.release = make(chan struct{})
	}
	p.fault = f
}

// Requests is how many requests reached the proxy, faulted or not.
func (p *Proxy) Requests() uint64 { return p.requests.Load() }

// Faulted is how many of them got a fault instead of the upstream's answer.
func (p *Proxy) Faulted() uint64 { return p.faulted.Load() }

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	p.mu.Lock()
	f, release := p.fault, p.release
	p.mu.Unlock()
	switch f.Kind {
	case Latency:
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	case TooManyRequests:
		p.faulted.Add(1)
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 5
		}
		w.Header().Set("Retry-After", strconv.Itoa(ra))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":10000,"message":"Rate limited"}],"messages":[],"result":null}`))
		return
	case ServerErrors:
		p.faulted.Add(1)
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":7500,"message":"Internal error"}],"messages":[],"result":null}`))
		return
	case Reset:
		p.faulted.Add(1)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // close sends RST, not FIN
			}
			_ = conn.Close()
		}
		return
	case Silence:
		p.faulted.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			_ = conn.Close()
		}
		return
	}
	p.logMu.Lock()
	log := p.log
	p.logMu.Unlock()
	if log == nil {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	began := time.Now()
	p.rp.ServeHTTP(w, r)
	head := body[:min(len(body), 90)]
	p.logMu.Lock()
	defer p.logMu.Unlock()
	fmt.Fprintf(log, "%d\t%d\t%s\t%d\t%q\n", began.UnixMicro(), time.Since(began).Microseconds(), r.URL.Path, len(body), head)
}
