package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// injectedLatency is what the proxy in front of the emulator adds to every request: a round trip to
// Cloudflare from outside it is tens of milliseconds, against well under one to the emulator.
const injectedLatency = 30 * time.Millisecond

// latencyProxy forwards to the emulator after injectedLatency, and counts the requests it forwards
// per service (D1, KV).
type latencyProxy struct {
	srv    *httptest.Server
	d1, kv atomic.Int64
}

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
		time.Sleep(injectedLatency)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// baseURL is the proxy's address in the shape of the target's (".../client/v4").
func (p *latencyProxy) baseURL(target string) string {
	u, _ := url.Parse(target)
	return p.srv.URL + u.Path
}

// TestLatencyWithInjectedRoundTrips measures what a user waits for when every Cloudflare API request
// is a real round trip: 30 ms injected in front of the emulator, uncached searches, details, latest
// and sign-ins through the service (p50, p99), then the same requests with the process cache warm;
// with Workers KV behind the process cache, and without it. It checks the requests to D1 per uncached
// request (a search at most 2, details and latest 1) and prints the rest (go test -v).
func TestLatencyWithInjectedRoundTrips(t *testing.T) {
	if onRealCloudflare() {
		t.Skip("the latency is injected in front of the emulator")
	}
	tg := newTarget(t)
	tg.reset(t)
	corpus := newBudgetCorpus()
	proxy := newLatencyProxy(t, tg.baseURL)
	var report []string
	for v, variant := range []struct {
		name string
		kv   bool
	}{{"D1 and KV", true}, {"D1 alone (process cache)", false}} {
		cfg := tg.config()
		cfg.CFAPIBaseURL = proxy.baseURL(tg.baseURL)
		if !variant.kv {
			cfg.KVNamespaceID = ""
		}
		svc := startService(t, cfg)
		if v == 0 {
			if a := svc.call(t, http.MethodPost, "/api/ingest", corpus.ingestBody(), "X-API-Key", testIngestKey); a.status != 200 {
				t.Fatalf("ingest: %d %.300s", a.status, a.body)
			}
		}
		svc.get(t, "/api/categories") // the catalog's generation, read once per 10 s per instance
		// Requests no one made before: each variant its own searches, torrents and page sizes.
		var searches, details, latest []string
		for i := range 20 {
			word := corpus.queries[(v*20+i)%len(corpus.queries)]
			searches = append(searches, "/api/torrents/search?q="+url.QueryEscape(word)+"&minSeeders="+itoa(100+v))
			details = append(details, fmt.Sprintf("/api/torrents/%d", 1+v*20+i))
			latest = append(latest, fmt.Sprintf("/api/torrents/latest?limit=%d", 20+v*20+i))
		}
		run := func(kind string, paths []string, warm bool) {
			t.Helper()
			var took []time.Duration
			d1Before := proxy.d1.Load()
			for _, p := range paths {
				start := time.Now()
				if a := svc.get(t, p); a.status != 200 {
					t.Fatalf("GET %s: %d %s", p, a.status, a.body)
				}
				took = append(took, time.Since(start))
			}
			perRequest := float64(proxy.d1.Load()-d1Before) / float64(len(paths))
			state := "uncached"
			if warm {
				state = "warm"
			}
			report = append(report, fmt.Sprintf("%-26s %-8s %-8s %s, %.2f D1 requests each", variant.name, state, kind, percentiles(took), perRequest))
			limit := map[string]float64{"search": 2, "details": 1, "latest": 1}[kind]
			if warm {
				limit = 0
			}
			if perRequest > limit {
				t.Errorf("%s, %s %s: %.2f D1 requests each, want at most %.0f", variant.name, state, kind, perRequest, limit)
			}
		}
		for _, warm := range []bool{false, true} {
			run("search", searches, warm)
			run("details", details, warm)
			run("latest", latest, warm)
		}
		var took []time.Duration
		for a := range 4 {
			account := map[string]string{"email": fmt.Sprintf("latency-%d-%d@example.com", v, a), "password": "correct horse battery", "name": "Latency"}
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
		report = append(report, fmt.Sprintf("%-26s %-8s %-8s %s", variant.name, "", "sign-in", percentiles(took)))
		svc.stop()
	}
	t.Logf("latency through the service with %v injected before every Cloudflare API request:\n  %s",
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
