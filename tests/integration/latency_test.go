package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/emulator"
)

// injectedLatency is what the proxy in front of the emulator adds to every request: a round trip to
// Cloudflare from outside it is tens of milliseconds, against well under one to the emulator.
const injectedLatency = 30 * time.Millisecond

// latencyProxy forwards to the emulator after its latency (injectedLatency, or none for the
// baseline), counts the requests it forwards per service (D1, KV), and keeps when each read ran.
type latencyProxy struct {
	srv     *httptest.Server
	d1, kv  atomic.Int64
	latency atomic.Int64 // nanoseconds

	mu    sync.Mutex
	reads []span // D1 queries and KV reads, not KV writes (they go out behind the answer)
}

// span is when one forwarded request was under way.
type span struct{ start, end time.Time }

func newLatencyProxy(t *testing.T, target string) *latencyProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &latencyProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/d1/"):
			p.d1.Add(1)
		case strings.Contains(r.URL.Path, "/storage/kv/"):
			p.kv.Add(1)
		}
		start := time.Now()
		time.Sleep(time.Duration(p.latency.Load()))
		rp.ServeHTTP(w, r)
		if r.Method == http.MethodPost || r.Method == http.MethodGet {
			p.mu.Lock()
			p.reads = append(p.reads, span{start, time.Now()})
			p.mu.Unlock()
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// sequentialReads is how many of the reads that began within [from, to] ran one after another: the
// most of them no two of which were under way at once. Reads sent together count once.
func (p *latencyProxy) sequentialReads(from, to time.Time) int {
	p.mu.Lock()
	var in []span
	for _, s := range p.reads {
		if !s.start.Before(from) && !s.start.After(to) {
			in = append(in, s)
		}
	}
	p.mu.Unlock()
	slices.SortFunc(in, func(a, b span) int { return a.end.Compare(b.end) })
	n, last := 0, time.Time{}
	for _, s := range in { // earliest end first: the longest chain of disjoint spans
		if s.start.After(last) {
			n, last = n+1, s.end
		}
	}
	return n
}

// baseURL is the proxy's address in the shape of the target's (".../client/v4").
func (p *latencyProxy) baseURL(target string) string {
	u, _ := url.Parse(target)
	return p.srv.URL + u.Path
}

// TestLatencyWithInjectedRoundTrips measures what a user waits for when every Cloudflare API request
// is a real round trip: 30 ms injected in front of the emulator, uncached searches, details, latest
// and sign-ins through the service (p50, p99), then the same requests with the process cache warm;
// with Workers KV behind the process cache, and without it; then the uncached requests and fewer
// sign-ins again with nothing injected, the baseline of what the emulator's own work costs. With 30 ms injected it checks the
// D1 requests per uncached request and the reads each waits for in sequence (the median): one
// each for details and latest, and one for these searches (words of a few dozen names, a filter):
// their page goes out with the probe (adapters/r1/search_ahead.go), and KV's read of a search
// races D1's. It prints the rest (go test -v).
func TestLatencyWithInjectedRoundTrips(t *testing.T) {
	if onRealCloudflare() {
		t.Skip("the latency is injected in front of the emulator")
	}
	emulator.Turn(t) // not beside the soak's load on its emulator
	tg := newTarget(t)
	tg.reset(t)
	corpus := newBudgetCorpus()
	proxy := newLatencyProxy(t, tg.baseURL)
	var report []string
	type variant struct {
		name    string
		kv      bool
		latency time.Duration
	}
	for r, variant := range []variant{
		{"D1 and KV", true, injectedLatency}, {"D1 alone (process cache)", false, injectedLatency},
		{"D1 and KV", true, 0}, {"D1 alone (process cache)", false, 0},
	} {
		proxy.latency.Store(int64(variant.latency))
		cfg := tg.config()
		cfg.CFAPIBaseURL = proxy.baseURL(tg.baseURL)
		if !variant.kv {
			cfg.KVNamespaceID = ""
		}
		svc := startService(t, cfg)
		if r == 0 {
			if a := svc.call(t, http.MethodPost, "/api/ingest", corpus.ingestBody(), "X-API-Key", testIngestKey); a.status != 200 {
				t.Fatalf("ingest: %d %.300s", a.status, a.body)
			}
		}
		svc.get(t, "/api/categories") // the catalog's generation, read once per 10 s per instance
		// Requests no one made before: each round its own searches, torrents and page sizes.
		var searches, details, latest []string
		for i := range 20 {
			word := corpus.queries[(r*20+i)%len(corpus.queries)]
			searches = append(searches, "/api/torrents/search?q="+url.QueryEscape(word)+"&minSeeders="+itoa(100+r))
			details = append(details, fmt.Sprintf("/api/torrents/%d", 1+r*20+i))
			latest = append(latest, fmt.Sprintf("/api/torrents/latest?limit=%d", 20+r*20+i))
		}
		label := fmt.Sprintf("%-26s %-5s", variant.name, variant.latency)
		run := func(kind string, paths []string, warm bool) {
			t.Helper()
			var took []time.Duration
			var sequential []int
			d1Before := proxy.d1.Load()
			for _, p := range paths {
				start := time.Now()
				if a := svc.get(t, p); a.status != 200 {
					t.Fatalf("GET %s: %d %s", p, a.status, a.body)
				}
				took = append(took, time.Since(start))
				sequential = append(sequential, proxy.sequentialReads(start, time.Now()))
			}
			perRequest := float64(proxy.d1.Load()-d1Before) / float64(len(paths))
			slices.Sort(sequential)
			median := sequential[len(sequential)/2]
			state := "uncached"
			if warm {
				state = "warm"
			}
			report = append(report, fmt.Sprintf("%s %-8s %-8s %s, %.2f D1 requests each, %d reads in sequence (median; most %d)",
				label, state, kind, percentiles(took), perRequest, median, sequential[len(sequential)-1]))
			if variant.latency == 0 {
				return // too short to tell reads sent together from reads sent in turn
			}
			limit := map[string]int{"search": 1, "details": 1, "latest": 1}[kind]
			if warm {
				limit = 0
			}
			if perRequest > float64(limit) {
				t.Errorf("%s, %s %s: %.2f D1 requests each, want at most %d", variant.name, state, kind, perRequest, limit)
			}
			if median > limit {
				t.Errorf("%s, %s %s: %d reads in sequence (median), want at most %d", variant.name, state, kind, median, limit)
			}
		}
		for _, warm := range []bool{false, true} {
			if warm && variant.latency == 0 {
				break // a warm read makes no request: the baseline has nothing to add
			}
			run("search", searches, warm)
			run("details", details, warm)
			run("latest", latest, warm)
		}
		var took []time.Duration
		accounts := 4
		if variant.latency == 0 {
			accounts = 2
		}
		for a := range accounts {
			account := map[string]string{"email": fmt.Sprintf("latency-%d-%d@example.com", r, a), "password": "correct horse battery", "name": "Latency"}
			if r := svc.call(t, http.MethodPost, "/api/auth/sign-up", account); r.status != 201 {
				t.Fatalf("sign-up: %d %s", r.status, r.body)
			}
			for range 4 {
				start := time.Now()
				if r := svc.call(t, http.MethodPost, "/api/auth/sign-in", map[string]string{"email": account["email"], "password": account["password"]}); r.status != 200 {
					t.Fatalf("sign-in: %d %s", r.status, r.body)
				}
				took = append(took, time.Since(start))
			}
		}
		report = append(report, fmt.Sprintf("%s %-8s %-8s %s", label, "", "sign-in", percentiles(took)))
		svc.stop()
	}
	t.Logf("latency through the service, with %v injected before every Cloudflare API request and with none:\n  %s",
		injectedLatency, strings.Join(report, "\n  "))
}

// percentiles is "p50 x · p99 y" of the durations.
func percentiles(d []time.Duration) string {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return fmt.Sprintf("p50 %5.1f ms · p99 %5.1f ms", float64(at(0.5))/1e6, float64(at(0.99))/1e6)
}
