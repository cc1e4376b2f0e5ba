package rest_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/rest"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/ports"
)

// assertExposition holds a /metrics body to the rules of Prometheus's text format that a scraper
// refuses a page for: every sample is `name[{labels}] value` with a number, every family has one
// # TYPE line before its samples, and a family's samples are not split by another family's.
func assertExposition(t *testing.T, body string) {
	t.Helper()
	typed := map[string]string{}
	done := map[string]bool{}
	current := ""
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if _, seen := typed[name]; seen {
				t.Fatalf("a second # TYPE for %s", name)
			}
			typed[name] = typ
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexByte(line, ' ') // no timestamps: the value is the last field
		series, value := line[:max(cut, 0)], line[cut+1:]
		if _, err := strconv.ParseFloat(value, 64); cut < 0 || err != nil {
			t.Fatalf("not a sample: %q", line)
		}
		name, _, _ := strings.Cut(series, "{")
		fam := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok {
				if typ := typed[base]; typ == "summary" || typ == "histogram" {
					fam = base
				}
			}
		}
		if _, ok := typed[fam]; !ok {
			t.Fatalf("%s has no # TYPE line before it", line)
		}
		if fam != current {
			if done[fam] {
				t.Fatalf("the samples of %s are split by another family's", fam)
			}
			done[current] = true
			current = fam
		}
	}
}

// A fifth scrape while four are being served is answered 503 at once, as promhttp's
// MaxRequestsInFlight did (a problem document now, as every other error), and the four are served whole.
func TestMetricsBoundScrapesInFlight(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	clock := ports.SystemClock{}
	store := caching.NewStore(memory.NewCache(memory.CacheOptions{}), clock, caching.Options{Logger: log})
	entered, release := make(chan struct{}), make(chan struct{})
	h := rest.MetricsHandler(health.NewService(nil, store, clock, "", log), func() rest.ConnStats {
		entered <- struct{}{}
		<-release
		return rest.ConnStats{Open: 3}
	})
	var wg sync.WaitGroup
	answers := make([]*httptest.ResponseRecorder, 4)
	for i := range answers {
		answers[i] = httptest.NewRecorder()
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(answers[i], httptest.NewRequest(http.MethodGet, "/metrics", nil))
		}()
		<-entered
	}
	extra, served := httptest.NewRecorder(), make(chan struct{})
	go func() {
		defer close(served)
		h.ServeHTTP(extra, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	}()
	select {
	case <-served:
	case <-entered:
		close(release)
		t.Fatal("a fifth scrape was served beside four")
	}
	if extra.Code != http.StatusServiceUnavailable || extra.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("a fifth scrape: %d %q", extra.Code, extra.Body)
	}
	// A problem document, as every other error (it was plain text), with when to come back.
	var doc struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	if ct := extra.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(extra.Body.Bytes(), &doc) != nil ||
		doc.Status != 503 || doc.Code != "unavailable" || !strings.Contains(doc.Detail, "scrapes") || extra.Header().Get("Retry-After") != "1" {
		t.Fatalf("a fifth scrape: %q, Retry-After %q, %q; want a problem document", ct, extra.Header().Get("Retry-After"), extra.Body)
	}
	close(release)
	wg.Wait()
	for _, a := range answers {
		if a.Code != 200 || !strings.HasPrefix(a.Header().Get("Content-Type"), "text/plain; version=0.0.4") ||
			!strings.Contains(a.Body.String(), "\nstreamer_connections_open 3\n") {
			t.Fatalf("a scrape: %d %q\n%s", a.Code, a.Header().Get("Content-Type"), a.Body)
		}
		assertExposition(t, a.Body.String())
	}
	// The slots are free again (release is closed: conns returns at once).
	go func() { <-entered }()
	again := httptest.NewRecorder()
	h.ServeHTTP(again, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if again.Code != 200 {
		t.Fatalf("a scrape after the four: %d", again.Code)
	}
}

// With GOGC=off (debug.SetGCPercent(-1)) go_gc_gogc_percent is -1, as Go itself says it, not the
// runtime's uint64 of it (18446744073709551615, which read as a growth target of 1.8e19 %).
// Regression test: fails before the setting is read as signed.
func TestMetricsGOGCOffIsMinusOne(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	clock := ports.SystemClock{}
	store := caching.NewStore(memory.NewCache(memory.CacheOptions{}), clock, caching.Options{Logger: log})
	h := rest.MetricsHandler(health.NewService(nil, store, clock, "", log), nil)
	scrape := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		assertExposition(t, rec.Body.String())
		return rec.Body.String()
	}
	before := debug.SetGCPercent(-1)
	off := scrape()
	debug.SetGCPercent(before)
	if !strings.Contains(off, "\ngo_gc_gogc_percent -1\n") {
		t.Errorf("GOGC=off: want go_gc_gogc_percent -1, got %q", sampleLine(off, "go_gc_gogc_percent"))
	}
	if on := scrape(); !strings.Contains(on, "\ngo_gc_gogc_percent "+strconv.Itoa(before)+"\n") {
		t.Errorf("GOGC=%d: got %q", before, sampleLine(on, "go_gc_gogc_percent"))
	}
}

// sampleLine is the line of body holding name's sample.
func sampleLine(body, name string) string {
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+" ") {
			return line
		}
	}
	return ""
}
