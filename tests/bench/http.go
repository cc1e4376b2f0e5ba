package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/bootstrap"
)

// The server runs in a child process (this program again, with childEnv set), so its peak RSS is
// the serving process's own: not the corpus generator's, the ingest's or the load generator's.
const (
	childEnv   = "STREAMER_BENCH_CHILD"
	childDBEnv = "STREAMER_BENCH_DB"
)

// serveChild is the child: the real service as bootstrap wires it for the local mode (R1 on the
// file, in-process cache), and beside it a bare Fiber app whose only route answers a fixed JSON body
// of the asked size. It prints both addresses, serves until SIGTERM, and exits.
func serveChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The load generator is many clients from one address: the per-address miss limit is off.
	cfg := bootstrap.Config{R1Database: os.Getenv(childDBEnv), LogLevel: "warn", LogFormat: "text", RateLimitCatalogMisses: "off", RateLimitTorznab: "off"}
	svc, err := bootstrap.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	defer svc.Close()
	// BENCH_PROFILE (inherited from the bench) profiles the server's CPU from here to its end.
	defer startProfile(os.Getenv("BENCH_PROFILE"), "server")()
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	bare := bareApp()
	go func() { _ = bare.Listener(bareLn) }()
	defer bare.Shutdown() //nolint:errcheck // the process is ending
	fmt.Printf("app=%s bare=%s\n", appLn.Addr(), bareLn.Addr())
	if err := svc.Run(ctx, appLn, log); err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	return 0
}

// bareApp is the ceiling: Fiber with its defaults and one handler that sends a fixed body. GET
// /bytes/N answers a JSON document of exactly N bytes, made once per size.
func bareApp() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	var bodies sync.Map
	app.Get("/bytes/:n", func(c *fiber.Ctx) error {
		n, err := strconv.Atoi(c.Params("n"))
		if err != nil || n < 16 || n > 1<<20 {
			return fiber.ErrBadRequest
		}
		body, ok := bodies.Load(n)
		if !ok {
			body, _ = bodies.LoadOrStore(n, []byte(`{"pad":"`+strings.Repeat("x", n-10)+`"}`))
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body.([]byte))
	})
	return app
}

type child struct {
	cmd        *exec.Cmd
	app, bare  string
	stderr     bytes.Buffer
	stderrLock sync.Mutex
}

func startChild(path string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: exec.Command(exe)}
	c.cmd.Env = append(os.Environ(), childEnv+"=1", childDBEnv+"="+path)
	c.cmd.Stderr = &lockedWriter{w: &c.stderr, mu: &c.stderrLock}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		for s.Scan() {
		}
	}()
	select {
	case l, ok := <-line:
		if !ok {
			c.stop()
			return nil, fmt.Errorf("the server did not start: %s", c.stderrText())
		}
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, "app="); ok {
				c.app = v
			}
			if v, ok := strings.CutPrefix(f, "bare="); ok {
				c.bare = v
			}
		}
	case <-time.After(2 * time.Minute):
		c.stop()
		return nil, errors.New("the server did not start within 2 minutes")
	}
	return c, nil
}

func (c *child) stderrText() string {
	c.stderrLock.Lock()
	defer c.stderrLock.Unlock()
	return strings.TrimSpace(c.stderr.String())
}

// stop ends the child by its pid (SIGTERM: a graceful shutdown) and waits for it.
func (c *child) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		return <-done
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// measureHTTP starts the child, measures requests/s of cached details and latest against the bare
// handler sending bodies of the same sizes, then sends a sweep of distinct searches and details (the
// traffic a serving process sees) and reads the child's peak RSS.
func measureHTTP(ctx context.Context, path string, qs *queries, cfg Config, res *Results) error {
	c, err := startChild(path)
	if err != nil {
		return err
	}
	defer c.stop()
	client := &fasthttp.Client{MaxConnsPerHost: cfg.Connections * 2, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}

	if err := measureThroughput(ctx, client, c, qs, cfg, res); err != nil {
		return err
	}

	// The sweep: every search of the benchmark (first pages), and details of distinct torrents,
	// four at a time, so the caches and SQLite's page caches fill as they do in service.
	var urls []string
	for _, kind := range searchKinds {
		for _, q := range qs.search[kind] {
			if q.pagesBefore == 0 {
				urls = append(urls, urlOf(q.request))
			}
		}
	}
	for i := 0; len(urls) < cfg.SweepQueries && i < qs.n; i++ {
		urls = append(urls, "/api/torrents/"+strconv.Itoa(1+(i*7919)%qs.n))
	}
	for _, slug := range append([]string{""}, "movies", "tv", "music", "games", "software", "anime", "books", "other") {
		urls = append(urls, "/api/torrents/latest?limit=100&category="+slug)
	}
	// The same searches through REST and Torznab (before the sweep fills the caches with them).
	if res.SearchHTTP, err = measureSearchOverHTTP(ctx, client, "http://"+c.app, "http://"+c.bare, qs.compare); err != nil {
		return fmt.Errorf("search over HTTP: %w", err)
	}
	start := time.Now()
	if err := sweep(ctx, client, "http://"+c.app, urls, 4); err != nil {
		return err
	}
	res.SweepRequests, res.SweepDuration = len(urls), time.Since(start)
	res.ServerPeakRSS = peakRSS(c.cmd.Process.Pid)
	res.ServerRSS = currentRSS(c.cmd.Process.Pid)
	if res.ServerPeakRSS == 0 {
		return errors.New("could not read the server's VmHWM from /proc")
	}
	return nil
}

// measureThroughput measures requests/s of cached details and latest against the bare handler
// sending bodies of the same sizes (res.HTTPDetails, res.HTTPLatest).
func measureThroughput(ctx context.Context, client *fasthttp.Client, c *child, qs *queries, cfg Config, res *Results) error {
	detailsPath := "/api/torrents/" + strconv.Itoa(1+qs.n/2)
	targets := []struct {
		name string
		path string
		into *Throughput
	}{
		{"details", detailsPath, &res.HTTPDetails},
		{"latest", "/api/torrents/latest", &res.HTTPLatest},
	}
	for _, t := range targets {
		body, err := get(client, "http://"+c.app+t.path)
		if err != nil {
			return fmt.Errorf("%s: %w", t.path, err)
		}
		bare := fmt.Sprintf("http://%s/bytes/%d", c.bare, len(body))
		if b, err := get(client, bare); err != nil || len(b) != len(body) {
			return fmt.Errorf("bare handler: %d bytes, %v", len(b), err)
		}
		appHeader, err := headerBytes(client, "http://"+c.app+t.path)
		if err != nil {
			return err
		}
		bareHeader, err := headerBytes(client, bare)
		if err != nil {
			return err
		}
		// The same bytes on the wire: the bare body longer by what the app's headers add.
		wire := fmt.Sprintf("http://%s/bytes/%d", c.bare, len(body)+appHeader-bareHeader)
		if *t.into, err = interleavedLoad(ctx, client, "http://"+c.app+t.path, bare, wire, cfg.Connections, cfg.LoadDuration); err != nil {
			return err
		}
		t.into.Bytes, t.into.AppHeader, t.into.BareHeader = len(body), appHeader, bareHeader
	}
	return nil
}

// headerBytes is the size of the header block an answer to GET url comes with: the same body
// size is not the same bytes on the wire, and a response past the server's 4 KiB write buffer
// takes two writes.
func headerBytes(client *fasthttp.Client, url string) (int, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	if err := client.DoTimeout(req, resp, 30*time.Second); err != nil {
		return 0, err
	}
	return len(resp.Header.Header()), nil
}

// loadRounds is how many turns the app and the bare handler take at the load, alternately.
const loadRounds = 6

// interleavedLoad measures the app's url against the bare handler's sending a body of the same
// size (bare) and a body as much longer as the app's headers are (wire: the same bytes on the
// wire), for d each: all warmed up first (a tenth of d each), then loadRounds turns of
// d/loadRounds each, the three one after the other, the order rotating from turn to turn, so drift
// on the shared machine touches them alike. Each one's rate is its answers over its time, pooled;
// Rounds are each turn's app over bare.
func interleavedLoad(ctx context.Context, client *fasthttp.Client, app, bare, wire string, conns int, d time.Duration) (Throughput, error) {
	var t Throughput
	urls := [3]string{app, bare, wire}
	for _, u := range urls {
		if _, _, err := load(ctx, client, u, conns, d/10); err != nil {
			return t, err
		}
	}
	var n [3]int64
	var took [3]time.Duration
	turn := d / loadRounds
	for r := range loadRounds {
		var rate [3]float64
		for i := range 3 {
			k := (r + i) % 3
			if r%2 == 1 {
				k = (r + 2 - i) % 3 // and reversed every other turn
			}
			got, elapsed, err := load(ctx, client, urls[k], conns, turn)
			if err != nil {
				return t, err
			}
			n[k], took[k] = n[k]+got, took[k]+elapsed
			rate[k] = float64(got) / elapsed.Seconds()
		}
		t.Rounds = append(t.Rounds, rate[0]/rate[1])
	}
	t.App, t.Bare, t.BareWire = float64(n[0])/took[0].Seconds(), float64(n[1])/took[1].Seconds(), float64(n[2])/took[2].Seconds()
	return t, nil
}

// measureHTTPOnly starts the child and measures only cached details and latest against the bare
// handler (Config.HTTPOnly).
func measureHTTPOnly(ctx context.Context, path string, qs *queries, cfg Config, res *Results) error {
	c, err := startChild(path)
	if err != nil {
		return err
	}
	defer c.stop()
	client := &fasthttp.Client{MaxConnsPerHost: cfg.Connections * 2, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	return measureThroughput(ctx, client, c, qs, cfg, res)
}

// measureTorznabOnly starts the child and compares REST and Torznab only (Config.TorznabOnly).
func measureTorznabOnly(ctx context.Context, path string, qs *queries, cfg Config, res *Results) error {
	c, err := startChild(path)
	if err != nil {
		return err
	}
	defer c.stop()
	client := &fasthttp.Client{MaxConnsPerHost: 4, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	if res.SearchHTTP, err = measureSearchOverHTTP(ctx, client, "http://"+c.app, "http://"+c.bare, qs.compare); err != nil {
		return fmt.Errorf("search over HTTP: %w", err)
	}
	return nil
}

func get(client *fasthttp.Client, url string) ([]byte, error) {
	status, body, err := client.GetTimeout(nil, url, 30*time.Second)
	if err != nil {
		return nil, err
	}
	if status != fasthttp.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s", url, status, body)
	}
	return body, nil
}

// load keeps conns keep-alive connections busy with GET url for d and returns how many were
// answered 200 and in what time.
func load(ctx context.Context, client *fasthttp.Client, url string, conns int, d time.Duration) (int64, time.Duration, error) {
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(url)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := client.Do(req, resp); err != nil || resp.StatusCode() != fasthttp.StatusOK {
					failed.Add(1)
					if err == nil {
						err = fmt.Errorf("status %d", resp.StatusCode())
					}
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return 0, 0, fmt.Errorf("%s: %d requests failed: %v", url, f, firstErr.Load())
	}
	return ok.Load(), time.Since(start), ctx.Err()
}

func sweep(ctx context.Context, client *fasthttp.Client, base string, paths []string, workers int) error {
	next := make(chan string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				status, body, err := client.GetTimeout(nil, base+p, time.Minute)
				if err == nil && status != fasthttp.StatusOK {
					err = fmt.Errorf("GET %s: status %d: %.200s", p, status, body)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for _, p := range paths {
		select {
		case next <- p:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// peakRSS is a process's VmHWM (its peak resident set) in bytes, 0 when /proc cannot tell.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM:") }

func currentRSS(pid int) int64 { return procStatus(pid, "VmRSS:") }

func procStatus(pid int, field string) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
