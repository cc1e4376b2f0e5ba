package integration

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// The Zipf read workload of TestUpstreamBudget: a few thousand requests from a cold start, in the
// proportions and with the skew of a catalog's traffic (popularity follows Zipf's law, s > 1: the
// head gets most requests and the long tail a request or two each).
const (
	budgetTorrents   = 1000 // the catalog, ingested in one request
	workloadRequests = 5000
	workloadSkew     = 1.1 // Zipf's s, for torrents, queries and lists alike
	workloadQueries  = 100 // distinct search texts (words of the catalog's names)
	targetRatio      = 0.2 // at most one upstream call per 5 requests
)

// workloadMix is the share of each kind of request: torrent details, searches, latest (all or one
// category), the category list.
var workloadMix = [...]struct {
	kind  string
	share float64
}{{"details", 0.40}, {"search", 0.30}, {"latest", 0.20}, {"categories", 0.10}}

// TestUpstreamBudget measures what the service costs in Cloudflare API requests, counted by the
// service's own upstream counters and checked against the gateway's count of the requests it
// served: an ingest of 1000 torrents; a Zipf read workload from a cold start (empty process cache,
// empty KV), whose calls per request must stay at or below 1/5; and what one uncached details,
// search, latest, sign-up and sign-in cost. It prints the numbers (go test -v, or make budget).
func TestUpstreamBudget(t *testing.T) {
	tg := newTarget(t)
	corpus := newBudgetCorpus()
	var report []string
	note := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		report = append(report, line)
		t.Log(line)
	}
	gatewayBefore := tg.gatewayRequests(t)
	var ours uint64

	// 1. Ingest 1000 torrents in one request.
	writer := startService(t, tg.config())
	before := writer.Health.Counters().Upstream
	if a := writer.call(t, http.MethodPost, "/api/ingest", corpus.ingestBody(), "X-API-Key", testIngestKey); a.status != 200 ||
		a.json(t)["created"] != float64(budgetTorrents) {
		t.Fatalf("ingest: %d %.300s", a.status, a.body)
	}
	writer.stop() // flushes the queued cache writes, so they are counted here
	ingest := delta(before, writer.Health.Counters().Upstream)
	ours += total(writer.Health.Counters().Upstream)
	note("ingest of %d torrents (one POST /api/ingest): %d upstream calls (r1 %d, kv %d)",
		budgetTorrents, total(ingest), ingest.R1.Calls, ingest.KV.Calls)

	// 2. The Zipf workload on a freshly started instance: nothing cached in the process, nothing
	// in KV but the catalog's generation.
	reader := startService(t, tg.config())
	next := corpus.workload(rand.New(rand.NewPCG(20261126, 1)))
	requested := make(map[string]bool)
	began := time.Now()
	for range workloadRequests {
		path := next()
		requested[path] = true
		if a := reader.get(t, path); a.status != 200 {
			t.Fatalf("GET %s: %d %s", path, a.status, a.body)
		}
	}
	elapsed := time.Since(began)
	reader.stop()
	zipf := reader.Health.Counters().Upstream
	ours += total(zipf)
	ratio := float64(total(zipf)) / workloadRequests
	note("Zipf workload from a cold start: %d requests (%d distinct), %d upstream calls (r1 %d, kv %d) = %.3f calls per request (target <= %.2f), %v",
		workloadRequests, len(requested), total(zipf), zipf.R1.Calls, zipf.KV.Calls, ratio, targetRatio, elapsed.Round(time.Millisecond))
	if ratio > targetRatio {
		t.Errorf("%.3f upstream calls per request over the Zipf workload, above the target of %.2f", ratio, targetRatio)
	}

	// 3. One uncached request of each kind, on a fresh instance, averaged over several requests
	// that no one made before (so neither cache tier holds them).
	fresh := startService(t, tg.config())
	fresh.get(t, "/api/categories") // reads the catalog's generation, once per 10 s per instance
	perOp := func(what string, paths []string) {
		t.Helper()
		before := fresh.Health.Counters().Upstream
		for _, p := range paths {
			if requested[p] {
				t.Fatalf("%s was requested before: not uncached", p)
			}
			if a := fresh.get(t, p); a.status != 200 {
				t.Fatalf("GET %s: %d %s", p, a.status, a.body)
			}
		}
		d := delta(before, fresh.Health.Counters().Upstream)
		note("uncached %s: %.2f upstream calls each (r1 %.2f, kv %.2f; %d requests)", what,
			float64(total(d))/float64(len(paths)), float64(d.R1.Calls)/float64(len(paths)), float64(d.KV.Calls)/float64(len(paths)), len(paths))
	}
	var details, searches, latest []string
	for id := budgetTorrents; len(details) < 10; id-- {
		if p := fmt.Sprintf("/api/torrents/%d", id); !requested[p] {
			details = append(details, p)
		}
	}
	for i := range 10 {
		searches = append(searches, "/api/torrents/search?q="+url.QueryEscape(corpus.queries[workloadQueries+i]))
		latest = append(latest, fmt.Sprintf("/api/torrents/latest?limit=%d", 30+i))
	}
	perOp("details", details)
	perOp("search", searches)
	perOp("latest", latest)

	before = fresh.Health.Counters().Upstream
	account := map[string]string{"email": "budget@example.com", "password": "correct horse battery", "name": "Budget"}
	if a := fresh.call(t, http.MethodPost, "/api/auth/sign-up", account); a.status != 201 {
		t.Fatalf("sign-up: %d %s", a.status, a.body)
	}
	signUp := delta(before, fresh.Health.Counters().Upstream)
	before = fresh.Health.Counters().Upstream
	a := fresh.call(t, http.MethodPost, "/api/auth/sign-in", map[string]string{"email": account["email"], "password": account["password"]})
	if a.status != 200 {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	signIn := delta(before, fresh.Health.Counters().Upstream)
	token := a.json(t)["session"].(map[string]any)["token"].(string)
	before = fresh.Health.Counters().Upstream
	if a := fresh.get(t, "/api/auth/me", "Authorization", "Bearer "+token); a.status != 200 {
		t.Fatalf("me: %d %s", a.status, a.body)
	}
	firstAuthed := delta(before, fresh.Health.Counters().Upstream)
	before = fresh.Health.Counters().Upstream
	fresh.get(t, "/api/auth/me", "Authorization", "Bearer "+token)
	againAuthed := delta(before, fresh.Health.Counters().Upstream)
	note("sign-up: %d upstream calls (r1 %d, kv %d)", total(signUp), signUp.R1.Calls, signUp.KV.Calls)
	note("sign-in: %d upstream calls (r1 %d, kv %d)", total(signIn), signIn.R1.Calls, signIn.KV.Calls)
	note("first request with a new session: %d upstream calls (r1 %d, kv %d); the next: %d",
		total(firstAuthed), firstAuthed.R1.Calls, firstAuthed.KV.Calls, total(againAuthed))
	fresh.stop()
	ours += total(fresh.Health.Counters().Upstream)

	// The counters are exact: every request the gateway served came from one of these services.
	if tg.emu != nil {
		if served := tg.gatewayRequests(t) - gatewayBefore; served != ours {
			t.Errorf("the gateway served %d requests, the services counted %d", served, ours)
		} else {
			note("the gateway served exactly the %d requests the services counted", served)
		}
	}
	t.Logf("upstream budget against the %s:\n  %s", tg.name, strings.Join(report, "\n  "))
}

// gatewayRequests is how many requests the emulator's gateway served (0 on real Cloudflare).
func (tg *target) gatewayRequests(t *testing.T) uint64 {
	if tg.emu == nil {
		return 0
	}
	return tg.emu.Stats(t).Requests
}

func delta(before, after ports.UpstreamStats) ports.UpstreamStats {
	sub := func(a, b ports.UpstreamCalls) ports.UpstreamCalls {
		return ports.UpstreamCalls{Calls: a.Calls - b.Calls, Errors: a.Errors - b.Errors, Retries: a.Retries - b.Retries}
	}
	return ports.UpstreamStats{R1: sub(after.R1, before.R1), KV: sub(after.KV, before.KV)}
}

func total(s ports.UpstreamStats) uint64 { return s.R1.Calls + s.KV.Calls }

// budgetCorpus is a deterministic catalog of budgetTorrents torrents named from a vocabulary, and
// the search texts of the workload (more than it uses: the rest are searches nobody made).
type budgetCorpus struct {
	torrents   []map[string]any
	queries    []string
	categories []string
}

var budgetWords = strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima
mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber azure
bronze cedar cobalt coral crimson denim ebony emerald garnet indigo ivory jade lemon lilac magenta maroon
mint navy ochre olive onyx orchid pearl plum quartz ruby saffron sage scarlet sepia silver slate teal
topaz umber violet walnut wheat apple banana cherry grape mango melon orange peach pear plumb quince
raisin berry fig kiwi lime nectar papaya guava date apricot river mountain valley forest desert ocean
island canyon meadow glacier harbor lagoon prairie summit tundra volcano delta2 marsh reef savanna
comet galaxy meteor nebula orbit planet quasar rocket satellite star nova pulsar eclipse aurora zenith
falcon eagle hawk raven sparrow heron crane swan owl robin finch wren lark dove kite condor osprey
pelican puffin stork tiger lion leopard jaguar panther cougar lynx bobcat cheetah wolf fox bear otter`)

func newBudgetCorpus() *budgetCorpus {
	rng := rand.New(rand.NewPCG(42, 7))
	c := &budgetCorpus{categories: []string{"movies", "tv", "music", "games", "software", "anime", "books", "other"}}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range budgetTorrents {
		n := 2 + rng.IntN(3)
		words := make([]string, n)
		for j := range words {
			words[j] = budgetWords[rng.IntN(len(budgetWords))]
		}
		name := strings.Join(words, " ") + fmt.Sprintf(" %d", i)
		files := []any{}
		var size int64
		for f := range 1 + rng.IntN(3) {
			s := int64(1+rng.IntN(4000)) << 20
			size += s
			files = append(files, map[string]any{"path": fmt.Sprintf("%s/part-%d.mkv", words[0], f), "size": s})
		}
		var hash [20]byte
		for k := range hash {
			hash[k] = byte(rng.IntN(256))
		}
		c.torrents = append(c.torrents, map[string]any{
			"infoHash": fmt.Sprintf("%x", hash), "name": name, "category": c.categories[rng.IntN(len(c.categories))],
			"size": size, "seeders": rng.IntN(5000), "leechers": rng.IntN(500),
			"uploadedAt":  base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
			"description": "Generated for the upstream budget test.", "files": files,
			"trackers": []any{"udp://tracker.example.org:6969/announce", "https://tracker.example.net/announce"},
		})
	}
	perm := rng.Perm(len(budgetWords))
	for _, i := range perm[:workloadQueries+10] {
		c.queries = append(c.queries, budgetWords[i])
	}
	return c
}

// workload returns the requests of the Zipf read workload, one path per call.
func (c *budgetCorpus) workload(rng *rand.Rand) func() string {
	popular := rng.Perm(budgetTorrents) // popularity rank -> torrent id - 1
	pick := map[string]*rand.Zipf{
		"details": rand.NewZipf(rng, workloadSkew, 1, budgetTorrents-1),
		"search":  rand.NewZipf(rng, workloadSkew, 1, workloadQueries-1),
		"latest":  rand.NewZipf(rng, workloadSkew, 1, uint64(len(c.categories))),
	}
	return func() string {
		x := rng.Float64()
		kind := workloadMix[len(workloadMix)-1].kind
		for _, m := range workloadMix {
			if x < m.share {
				kind = m.kind
				break
			}
			x -= m.share
		}
		switch kind {
		case "details":
			return fmt.Sprintf("/api/torrents/%d", popular[pick["details"].Uint64()]+1)
		case "search":
			return "/api/torrents/search?q=" + url.QueryEscape(c.queries[pick["search"].Uint64()])
		case "latest":
			if n := pick["latest"].Uint64(); n > 0 {
				return "/api/torrents/latest?category=" + c.categories[n-1]
			}
			return "/api/torrents/latest"
		}
		return "/api/categories"
	}
}

func (c *budgetCorpus) ingestBody() map[string]any {
	items := make([]any, len(c.torrents))
	for i, t := range c.torrents {
		items[i] = t
	}
	return map[string]any{"torrents": items}
}
