package rest

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ConnLimits bound the connections the server holds at once, so no client, and no flood, can take
// every file descriptor the process has. Past a limit a new connection is answered 503 at once and
// closed; the connections already held are served as before.
type ConnLimits struct {
	// Max bounds the connections held at once, overall. 0: DefaultMaxConnections.
	Max int
	// MaxPerClient bounds them per client address (IPv6: per /64), the TCP peer's: a trusted
	// proxy's own connections count only against Max. 0: DefaultMaxConnectionsPerClient.
	MaxPerClient int
	// TrustedProxies are exempt from MaxPerClient (Options.TrustedProxies).
	TrustedProxies []string
	// Logger reports shed connections and failed accepts, at most once a second. nil: slog.Default.
	Logger *slog.Logger
}

// The default connection limits: room for many browsers behind one NAT, none for one client holding
// the server's descriptors.
const (
	DefaultMaxConnections          = 10_000
	DefaultMaxConnectionsPerClient = 256
)

// LimitListener wraps ln for Fiber's Listener: it admits at most limits.Max connections at once and
// limits.MaxPerClient per client address, and it never fails for an error of one accept (too many
// open files, a connection reset before it was accepted): it waits, from 5 ms doubling to 1 s, and
// accepts again, so only closing the listener ends the server's accept loop.
func LimitListener(ln net.Listener, limits ConnLimits) net.Listener {
	if limits.Max <= 0 {
		limits.Max = DefaultMaxConnections
	}
	if limits.MaxPerClient <= 0 {
		limits.MaxPerClient = DefaultMaxConnectionsPerClient
	}
	if limits.Logger == nil {
		limits.Logger = slog.Default()
	}
	l := &limitedListener{Listener: ln, limits: limits, perClient: make(map[string]int)}
	for _, t := range limits.TrustedProxies {
		if p, err := parseIPOrPrefix(t); err == nil {
			l.trusted = append(l.trusted, p)
		}
	}
	return l
}

type limitedListener struct {
	net.Listener
	limits  ConnLimits
	trusted []netip.Prefix

	mu        sync.Mutex
	open      int
	perClient map[string]int

	shed, acceptErrors atomic.Uint64
	lastLog            atomic.Int64 // unix nanos of the last warning
}

// ConnStats are a LimitListener's counters since start.
type ConnStats struct {
	Open         int    // connections held now
	Shed         uint64 // connections refused for a limit
	AcceptErrors uint64 // accepts that failed and were retried
}

// Stats reports the counters of a listener made by LimitListener (zeros for any other).
func Stats(ln net.Listener) ConnStats {
	l, ok := ln.(*limitedListener)
	if !ok {
		return ConnStats{}
	}
	l.mu.Lock()
	open := l.open
	l.mu.Unlock()
	return ConnStats{Open: open, Shed: l.shed.Load(), AcceptErrors: l.acceptErrors.Load()}
}

func (l *limitedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			// EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: this accept failed, the listener did not.
			// fasthttp ends its Serve on any such error, and the process with it.
			l.acceptErrors.Add(1)
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.warn("accepting a connection failed; retrying", "err", err, "retry_in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		key, limited := l.clientOf(c.RemoteAddr())
		if !l.admit(key, limited) {
			l.shed.Add(1)
			l.warn("connection limit reached; shedding new connections",
				"open", Stats(l).Open, "max", l.limits.Max, "max_per_client", l.limits.MaxPerClient)
			refuse(c)
			continue
		}
		return &heldConn{Conn: c, release: func() { l.release(key, limited) }}, nil
	}
}

// clientOf is the key a connection counts under, and whether the per-client limit applies to it.
func (l *limitedListener) clientOf(addr net.Addr) (string, bool) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return "unknown", true
	}
	a := ap.Addr().Unmap()
	for _, p := range l.trusted {
		if p.Contains(a) {
			return addrKey(a), false
		}
	}
	return addrKey(a), true
}

func (l *limitedListener) admit(key string, limited bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.limits.Max || (limited && l.perClient[key] >= l.limits.MaxPerClient) {
		return false
	}
	l.open++
	if limited {
		l.perClient[key]++
	}
	return true
}

func (l *limitedListener) release(key string, limited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if !limited {
		return
	}
	if l.perClient[key]--; l.perClient[key] <= 0 {
		delete(l.perClient, key)
	}
}

// warn logs at most once a second: a flood must not become a flood of log lines.
func (l *limitedListener) warn(msg string, args ...any) {
	now := time.Now().UnixNano()
	last := l.lastLog.Load()
	if now-last < int64(time.Second) || !l.lastLog.CompareAndSwap(last, now) {
		return
	}
	l.limits.Logger.Warn(msg, append(args, "shed_total", l.shed.Load(), "accept_errors_total", l.acceptErrors.Load())...)
}

// refused is the whole answer to a connection over a limit: a 503 problem document the client can
// read, written into the new socket's empty send buffer, so it never waits on the client.
var refused = func() []byte {
	body := `{"type":"about:blank","title":"Service Unavailable","status":503,"code":"unavailable",` +
		`"detail":"Too many connections; retry later.","errors":[]}`
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n" +
		"Retry-After: 1\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

func refuse(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	_, _ = c.Write(refused)
	_ = c.Close()
}

// heldConn gives its place back once, when the server closes it.
type heldConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *heldConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
