package rest_test

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/randtoken"
	"github.com/torrent-streamer/streamer/adapters/rest"
	"github.com/torrent-streamer/streamer/adapters/torznab"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/apispec"
	"github.com/torrent-streamer/streamer/tests/output"
)

const testKey = "test-ingest-key"

// harness is the real Fiber app over the real use cases and the in-memory adapters.
type harness struct {
	t        *testing.T
	app      *fiber.App
	catalog  *memory.Catalog
	torrents ports.TorrentRepository // what the use cases see; tests may wrap it
	database *switchPinger
	logs     *syncBuffer
	// With withAccounts: the account store and the activity recorder behind the catalog.
	accounts *memory.Accounts
	recorder *activity.Recorder
}

type harnessOption func(*harnessConfig)

type harnessConfig struct {
	opts     rest.Options
	logLevel slog.Level
	torrents func(ports.TorrentRepository) ports.TorrentRepository
	accounts bool
	activity bool
	upstream health.UpstreamCounter
	cacheOff bool
}

// withCacheOff is CACHE_ENABLED=false: the caching store off, and the response cache with it.
func withCacheOff() harnessOption {
	return func(c *harnessConfig) { c.cacheOff, c.opts.NoResponseCache = true, true }
}

// withStoreCacheOff turns the caching store off and leaves the response caches on: a read that
// reaches the use case reaches the repository, so a repository's count tells a kept answer apart.
func withStoreCacheOff() harnessOption {
	return func(c *harnessConfig) { c.cacheOff = true }
}

// withAccounts wires the real accounts and activity use cases (argon2id, random tokens, the
// in-memory store); activity false leaves Deps.Activity nil.
func withAccounts(activity bool) harnessOption {
	return func(c *harnessConfig) { c.accounts, c.activity = true, activity }
}

// authSecret keys the session-token hashes of every test server: a test can compute them.
var authSecret = []byte("0123456789abcdef0123456789abcdef")

// testHasher is shared: argon2id costs about 25 ms a hash (more under -race), and the accounts
// service hashes once when it is built.
var testHasher = sync.OnceValue(func() *argon2id.Hasher {
	h, err := argon2id.New(argon2id.OWASP, 0)
	if err != nil {
		panic(err)
	}
	return h
})

// withUpstream makes health report the counters of u, as a Cloudflare mode does.
func withUpstream(u health.UpstreamCounter) harnessOption {
	return func(c *harnessConfig) { c.upstream = u }
}

func withOptions(o rest.Options) harnessOption {
	return func(c *harnessConfig) { c.opts = o }
}

func withLogLevel(l slog.Level) harnessOption {
	return func(c *harnessConfig) { c.logLevel = l }
}

func withTorrents(wrap func(ports.TorrentRepository) ports.TorrentRepository) harnessOption {
	return func(c *harnessConfig) { c.torrents = wrap }
}

func newHarness(t *testing.T, options ...harnessOption) *harness {
	t.Helper()
	cfg := harnessConfig{opts: rest.Options{IngestAPIKey: testKey, Version: "test-version"}}
	for _, o := range options {
		o(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.logLevel}))
	clock := ports.SystemClock{}
	mem := memory.NewCatalog(clock)
	var torrents ports.TorrentRepository = mem.Torrents()
	if cfg.torrents != nil {
		torrents = cfg.torrents(torrents)
	}
	store := caching.NewStore(memory.NewCache(memory.CacheOptions{}), clock, caching.Options{Logger: log, Off: cfg.cacheOff})
	db := &switchPinger{}
	h := &harness{t: t, catalog: mem, torrents: torrents, database: db, logs: logs}
	deps := rest.Deps{
		Ingest: ingest.NewService(torrents, fakeDecoder{}, store, clock, log),
		Health: health.NewService(db, store, clock, "", log),
		Logger: log,
	}
	if cfg.upstream != nil {
		deps.Health.WithUpstream(cfg.upstream)
	}
	var recorder catalog.ActivityRecorder
	if cfg.accounts {
		h.accounts = memory.NewAccounts(clock)
		svc, err := accounts.NewService(accounts.Deps{
			Users: h.accounts.Users(), Sessions: h.accounts.Sessions(), APIKeys: h.accounts.APIKeys(), Hasher: testHasher(),
			Tokens: randtoken.Source{}, Cache: store, Clock: clock, Logger: log,
		}, authSecret)
		if err != nil {
			t.Fatalf("accounts: %v", err)
		}
		deps.Accounts = svc
		// A tiny flush interval, so a test sees an activity within milliseconds.
		h.recorder = activity.NewRecorder(h.accounts.Activities(), clock, log, activity.Options{FlushEvery: 2 * time.Millisecond})
		ctx, stop := context.WithCancel(context.Background())
		go h.recorder.Run(ctx)
		t.Cleanup(func() { stop(); <-h.recorder.Done() })
		recorder = h.recorder
		if cfg.activity {
			deps.Activity = activity.NewLister(h.accounts.Activities())
		}
	}
	deps.Catalog = catalog.NewService(torrents, mem.Categories(), store, nil, recorder)
	deps.Torznab = torznab.New(deps.Catalog, deps.Accounts, torznab.Options{Logger: log})
	h.app = rest.New(deps, cfg.opts)
	apispec.Hook(t, h.app) // every answer of every test is held to the OpenAPI document
	t.Cleanup(func() { _ = h.app.Shutdown() })
	return h
}

// serve starts the app on a loopback listener, for what app.Test cannot show: fasthttp answers a
// body above the server's limit and then fails the connection, which app.Test reports as an error.
func (h *harness) serve() string {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatalf("listen: %v", err)
	}
	go func() { _ = h.app.Listener(ln) }()
	return "http://" + ln.Addr().String()
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	res, err := h.app.Test(req, -1)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func (h *harness) get(target string) response {
	h.t.Helper()
	return h.do(httptest.NewRequest(http.MethodGet, target, nil))
}

// ingest posts a body to /api/ingest with the test key.
func (h *harness) ingest(body string) response {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/ingest", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", testKey)
	return h.do(req)
}

// seed stores torrents straight through the repository, as a database would hold them.
func (h *harness) seed(torrents ...domain.Torrent) []domain.UpsertOutcome {
	h.t.Helper()
	for i := range torrents {
		if err := torrents[i].Normalize(time.Now()); err != nil {
			h.t.Fatalf("seed %d: %v", i, err)
		}
	}
	out, err := h.catalog.Torrents().Upsert(context.Background(), torrents)
	if err != nil {
		h.t.Fatalf("seed: %v", err)
	}
	return out
}

// torrent builds a valid torrent whose info hash is derived from n.
func torrent(n int, name, category string, uploaded time.Time) domain.Torrent {
	return domain.Torrent{
		InfoHash:   hashOf(n),
		Name:       name,
		Category:   domain.CategoryRef{Slug: category, Name: category},
		Seeders:    int64(10 * n),
		Leechers:   int64(n),
		UploadedAt: uploaded,
		Files:      []domain.File{{Path: name + "/a.bin", Size: 100 * int64(n)}, {Path: name + "/b.txt", Size: 5}},
		Trackers:   []string{"udp://tracker.example:1337/announce", "https://t.example/announce?x=1&y=2"},
	}
}

func hashOf(n int) domain.InfoHash {
	h, err := domain.ParseInfoHash(fmt.Sprintf("%040x", n))
	if err != nil {
		panic(err)
	}
	return h
}

// expectProblem checks the problem document of an error answer and returns its field errors.
func expectProblem(t *testing.T, r response, status int, code string) []map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	if r.header.Get("X-Request-ID") == "" {
		t.Fatalf("problem answer without X-Request-ID")
	}
	doc := r.json(t)
	for _, key := range []string{"type", "title", "status", "code", "detail", "errors"} {
		if _, ok := doc[key]; !ok {
			t.Fatalf("problem without %q: %s", key, r.body)
		}
	}
	if doc["type"] != "about:blank" || doc["code"] != code || doc["status"] != float64(status) {
		t.Fatalf("problem %s, want status %d code %s", r.body, status, code)
	}
	if title, _ := doc["title"].(string); title != http.StatusText(status) {
		t.Fatalf("title %q, want %q", title, http.StatusText(status))
	}
	if detail, _ := doc["detail"].(string); detail == "" {
		t.Fatalf("problem without a detail: %s", r.body)
	}
	list, ok := doc["errors"].([]any)
	if !ok {
		t.Fatalf("errors is not a list: %s", r.body)
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	assertNoLeak(t, r.body)
	return out
}

func fieldsOf(errs []map[string]any) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i], _ = e["field"].(string)
	}
	return out
}

// assertNoLeak fails when a body shows internals: stacks, SQL, Go runtime or file paths.
func assertNoLeak(t *testing.T, body []byte) {
	t.Helper()
	lower := strings.ToLower(string(body))
	for _, bad := range []string{"goroutine", ".go:", "panic", "select ", "insert ", "sqlite", "db.internal", "runtime/"} {
		if strings.Contains(lower, bad) {
			t.Fatalf("body leaks %q: %s", bad, body)
		}
	}
}

// assertNoNull fails when any value of a JSON document is null.
func assertNoNull(t *testing.T, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case nil:
			t.Fatalf("%s is null in %s", path, body)
		case map[string]any:
			for k, x := range v {
				walk(path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		}
	}
	walk("$", v)
}

var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

func assertTimestamp(t *testing.T, name string, v any) {
	t.Helper()
	s, ok := v.(string)
	if !ok || !rfc3339UTC.MatchString(s) {
		t.Fatalf("%s = %v, want an RFC 3339 UTC timestamp with seconds", name, v)
	}
}

// assertKeys fails unless m has exactly the keys.
func assertKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		t.Fatalf("%s has keys %v, want %v", what, keysOf(m), keys)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("%s has keys %v, want %v", what, keysOf(m), keys)
		}
	}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// switchPinger is a database whose answer a test chooses.
type switchPinger struct {
	down  atomic.Bool
	panic atomic.Bool
}

func (p *switchPinger) Ping(context.Context) error {
	if p.panic.Load() {
		panic("pinger exploded at /srv/app/db.go:42")
	}
	if p.down.Load() {
		return errors.New("dial tcp db.internal:5432: connection refused")
	}
	return nil
}

// fakeDecoder reads a "torrent file" that is just the text "file:<n>:<name>".
type fakeDecoder struct{}

func (fakeDecoder) Decode(raw []byte) (ports.Metainfo, error) {
	var n int
	var name string
	if _, err := fmt.Sscanf(string(raw), "file:%d:%s", &n, &name); err != nil {
		return ports.Metainfo{}, domain.Invalid("torrentFile", "is not a .torrent file")
	}
	return ports.Metainfo{
		InfoHash: hashOf(n), Name: name,
		Files: []domain.File{{Path: name + "/x", Size: 7}, {Path: name + "/y", Size: 3}},
		Size:  10, Trackers: []string{"udp://from-file.example:80"},
	}, nil
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct{ output.Buffer }

// lines returns the log records as JSON objects.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func base32Of(h domain.InfoHash) string { return base32.StdEncoding.EncodeToString(h[:]) }
