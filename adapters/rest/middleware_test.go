package rest_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/nope", "/api/torrents", "/api/torrents/1/files", "/API/categories"} {
		expectProblem(t, h.get(path), 404, "not_found")
	}
	for _, c := range []struct{ method, path, allow string }{
		{http.MethodPost, "/api/categories", "GET, HEAD"},
		{http.MethodPatch, "/api/torrents/5", "GET, HEAD, DELETE"},
		{http.MethodGet, "/api/ingest", "POST"},
		{http.MethodPut, "/api/health", "GET"},
		{"FOO", "/api/categories", "GET, HEAD"}, // a method Fiber does not know at all
		{"PROPFIND", "/api/torrents/5", "GET"},
	} {
		r := h.do(httptest.NewRequest(c.method, c.path, nil))
		expectProblem(t, r, 405, "method_not_allowed")
		if r.header.Get("X-Request-ID") == "" {
			t.Fatalf("%s %s: no X-Request-ID", c.method, c.path)
		}
		if allow := r.header.Get("Allow"); !strings.Contains(allow, c.allow) {
			t.Fatalf("%s %s: Allow %q, want %s", c.method, c.path, allow, c.allow)
		}
	}
}

func TestHeadAnswersLikeGet(t *testing.T) {
	h := newHarness(t)
	r := h.do(httptest.NewRequest(http.MethodHead, "/api/categories", nil))
	if r.status != 200 || len(r.body) != 0 || r.header.Get("X-Request-ID") == "" {
		t.Fatalf("HEAD: %d %q", r.status, r.body)
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHarness(t)
	overOneMiB := bytes.Repeat([]byte("a"), 1<<20+1)
	req := httptest.NewRequest(http.MethodGet, "/api/categories", bytes.NewReader(overOneMiB))
	req.Header.Set("Content-Type", "application/json")
	expectProblem(t, h.do(req), 413, "payload_too_large")

	// Ingest takes up to 10 MiB: 2 MiB passes the limit (and fails as JSON).
	expectProblem(t, h.ingest(`{"torrents":[`+strings.Repeat(" ", 2<<20)+`]`), 400, "invalid_json")

	// Above 10 MiB the server refuses the body before any route runs.
	r := postOverServerLimit(t, h, "big-one")
	expectProblem(t, r, 413, "payload_too_large")
	if got := r.header.Get("X-Request-ID"); got != "big-one" {
		t.Fatalf("the server's own 413 carries X-Request-ID %q", got)
	}
}

// postOverServerLimit announces a body above 10 MiB over a real connection and reads the answer
// without sending the body: the server refuses on the Content-Length alone, and then drops the
// connection, which would fail a client still writing.
func postOverServerLimit(t *testing.T, h *harness, requestID string) response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.serve(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /api/ingest HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"+
		"X-API-Key: %s\r\nX-Request-ID: %s\r\nContent-Length: %d\r\n\r\n", testKey, requestID, 10<<20+1)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func TestRequestID(t *testing.T) {
	h := newHarness(t)
	for _, id := range []string{"abc", "0f8a-12:34.x_y", strings.Repeat("a", 128)} {
		req := httptest.NewRequest(http.MethodGet, "/livez", nil)
		req.Header.Set("X-Request-ID", id)
		if got := h.do(req).header.Get("X-Request-ID"); got != id {
			t.Fatalf("sane id %q echoed as %q", id, got)
		}
	}
	seen := map[string]bool{}
	for _, id := range []string{"", strings.Repeat("a", 129), "has space", "new\u00e9line", "<script>", "a/b"} {
		req := httptest.NewRequest(http.MethodGet, "/livez", nil)
		if id != "" {
			req.Header.Set("X-Request-ID", id)
		}
		got := h.do(req).header.Get("X-Request-ID")
		if got == "" || got == id || seen[got] || len(got) > 128 {
			t.Fatalf("id %q answered with %q", id, got)
		}
		seen[got] = true
	}
	expectProblem(t, h.get("/nope"), 404, "not_found")
}

func TestPanicIsA500ProblemWithoutItsStack(t *testing.T) {
	h := newHarness(t)
	h.database.panic.Store(true)
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	req.Header.Set("X-Request-ID", "panic-1")
	r := h.do(req)
	expectProblem(t, r, 500, "internal")
	if bytes.Contains(r.body, []byte("exploded")) {
		t.Fatalf("the panic value reached the client: %s", r.body)
	}
	logged := false
	for _, line := range h.logs.lines(t) {
		if line["msg"] == "request failed" && line["requestId"] == "panic-1" {
			stack, _ := line["stack"].(string)
			logged = strings.Contains(stack, "goroutine") && strings.Contains(line["err"].(string), "exploded")
		}
	}
	if !logged {
		t.Fatalf("the panic and its stack must be logged with the request id:\n%s", h.logs.String())
	}
	if r := h.get("/livez"); r.status != 200 {
		t.Fatalf("the server must keep serving after a panic: %d", r.status)
	}
}

// failingTorrents answers every read with the error a test gives it.
type failingTorrents struct {
	ports.TorrentRepository
	err error
}

func (f failingTorrents) Get(context.Context, domain.TorrentRef) (domain.Torrent, error) {
	return domain.Torrent{}, f.err
}

func (f failingTorrents) Latest(context.Context, string, int) ([]domain.TorrentSummary, error) {
	return nil, f.err
}

func TestStoreErrorsNeverLeak(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("d1: SELECT * FROM torrents at db.internal: %w", domain.ErrUnavailable), 503, "unavailable"},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "unavailable"},
		{errors.New("sqlite: INSERT failed: disk I/O error at /var/db.internal"), 500, "internal"},
		// No store returns forbidden, rate-limited or conflict on a catalog read, and the document
		// says so: problemOf's mapping of those is TestProblemOfDomainErrors's (errors_internal_test.go).
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			h := newHarness(t, withTorrents(func(r ports.TorrentRepository) ports.TorrentRepository {
				return failingTorrents{TorrentRepository: r, err: c.err}
			}))
			req := httptest.NewRequest(http.MethodGet, "/api/torrents/latest", nil)
			req.Header.Set("X-Request-ID", "store-err")
			r := h.do(req)
			expectProblem(t, r, c.status, c.code)
			if (c.status == 503 || c.status == 429) && r.header.Get("Retry-After") == "" {
				t.Fatalf("%d without Retry-After", c.status)
			}
			if c.status == 500 && !strings.Contains(h.logs.String(), "disk I/O error") {
				t.Fatalf("a 500 must log its cause:\n%s", h.logs.String())
			}
		})
	}
}

// The access log has one line per request, without query strings or headers.
func TestAccessLog(t *testing.T) {
	h := newHarness(t)
	req := httptest.NewRequest(http.MethodGet, "/api/torrents/search?q=secret-words", nil)
	req.Header.Set("X-Request-ID", "log-1")
	req.Header.Set("Authorization", "Bearer top-secret")
	h.do(req)
	found := false
	for _, line := range h.logs.lines(t) {
		if line["msg"] != "http request" || line["requestId"] != "log-1" {
			continue
		}
		found = true
		if line["method"] != "GET" || line["path"] != "/api/torrents/search" || line["status"] != 200.0 || line["duration"] == nil {
			t.Fatalf("access line %v", line)
		}
	}
	if !found {
		t.Fatalf("no access line:\n%s", h.logs.String())
	}
	if s := h.logs.String(); strings.Contains(s, "secret-words") || strings.Contains(s, "top-secret") {
		t.Fatalf("the log holds a query string or a header:\n%s", s)
	}
}

// Many clients at once, reading and writing: the race detector watches the adapter's shared state.
func TestConcurrentRequests(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				var req *http.Request
				switch (g + i) % 4 {
				case 0:
					req = httptest.NewRequest(http.MethodGet, "/api/torrents/latest?limit=3", nil)
				case 1:
					req = httptest.NewRequest(http.MethodGet, "/api/torrents/search?q=sintel&category=movies", nil)
				case 2:
					req = httptest.NewRequest(http.MethodGet, "/api/torrents/2", nil)
				default:
					req = ingestRequest(fmt.Sprintf(`{"torrents":[{"infoHash":"%040x","name":"Concurrent %d","size":1}]}`, 100+g, g), "X-API-Key", testKey)
				}
				res, err := h.app.Test(req, -1)
				if err != nil {
					errs <- err.Error()
					return
				}
				_ = res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Sprintf("%s %s: %d", req.Method, req.URL, res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
