package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
)

// hitRatePhase is how long each phase of TestZipfHitRateUnderIngest reads.
const hitRatePhase = 12 * time.Second

// maxPhase bounds a phase that waits for the crawler's ingests on a loaded machine.
const maxPhase = 5 * hitRatePhase

// The Zipf read workload of TestUpstreamBudget keeps at least half its cache hit rate while a
// crawler ingests 1,000 new torrents every second into the same instance (the worst place for it:
// every ingest invalidates this instance's lists). Each phase reads for hitRatePhase on a fresh
// instance, with the same requests; the hit rate is the caching policy's (hits / reads).
func TestZipfHitRateUnderIngest(t *testing.T) {
	tg := newTarget(t)
	corpus := newBudgetCorpus()
	cfg := tg.config()
	cfg.RateLimitIngestPerKey = "off"
	seed := startService(t, cfg)
	if a := seed.call(t, http.MethodPost, "/api/ingest", corpus.ingestBody(), "X-API-Key", testIngestKey); a.status != 200 {
		t.Fatalf("ingest: %d %.300s", a.status, a.body)
	}
	seed.stop()

	phase := func(crawl bool) (rate float64, reads uint64, crawls int, elapsed time.Duration) {
		svc := startService(t, cfg)
		defer svc.stop()
		account := map[string]string{"email": fmt.Sprintf("reader-%v@example.com", crawl), "password": "correct horse battery", "name": "Reader"}
		signed := svc.call(t, http.MethodPost, "/api/auth/sign-up", account)
		if signed.status != 201 {
			t.Fatalf("sign-up: %d %s", signed.status, signed.body)
		}
		bearer := "Bearer " + signed.json(t)["session"].(map[string]any)["token"].(string)
		// The phase reads for hitRatePhase; under ingest, until the crawler has also been answered
		// minCrawls times (a loaded machine answers a 1,000-torrent ingest in more than a second, and
		// the phase must see its invalidations), at most maxPhase.
		minCrawls := int64(hitRatePhase/time.Second) / 2
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), maxPhase)
		defer cancel()
		var wg sync.WaitGroup
		var ingests atomic.Int64
		if crawl {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				for batch := 0; ; batch++ {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
					}
					if a := svc.call(t, http.MethodPost, "/api/ingest", crawlBatch(batch), "X-API-Key", testIngestKey); a.status != 200 {
						t.Errorf("crawler ingest: %d %.300s", a.status, a.body)
						return
					}
					ingests.Add(1)
				}
			}()
		}
		reading := func() bool {
			if ctx.Err() != nil {
				return false
			}
			return time.Since(start) < hitRatePhase || (crawl && ingests.Load() < minCrawls)
		}
		before := svc.Cache.Stats()
		next := corpus.workload(rand.New(rand.NewPCG(20261128, 1)))
		for reading() {
			path := next()
			// Signed in, so the REST answer cache (anonymous reads only) steps aside and every read
			// reaches the caching policy.
			if a := svc.get(t, path, "Authorization", bearer); a.status != 200 {
				t.Fatalf("GET %s: %d %s", path, a.status, a.body)
			}
		}
		elapsed = time.Since(start)
		cancel()
		wg.Wait()
		after := svc.Cache.Stats()
		hits, misses := after.Hits-before.Hits, after.Misses-before.Misses
		return float64(hits) / float64(hits+misses), hits + misses, int(ingests.Load()), elapsed
	}
	quiet, quietReads, _, quietTime := phase(false)
	busy, busyReads, ingests, busyTime := phase(true)
	t.Logf("Zipf hit rate without ingests: %.3f (%d reads in %v); with 1,000 torrents ingested every second (%d ingests in %v, lists invalidated at most %d at once then one per %v): %.3f (%d reads) = %.0f%% of it (target >= 50%%)",
		quiet, quietReads, quietTime.Round(time.Millisecond), ingests, busyTime.Round(time.Millisecond), caching.ListsGeneration.Burst, caching.ListsGeneration.Coalesce, busy, busyReads, 100*busy/quiet)
	if minCrawls := int(hitRatePhase/time.Second) / 2; ingests < minCrawls {
		t.Errorf("only %d ingests answered in %v: the phase saw too few invalidations to measure", ingests, busyTime)
	}
	if busy < quiet/2 {
		t.Errorf("hit rate under ingest %.3f, below half of %.3f", busy, quiet)
	}
}

// crawlBatch is 1,000 torrents no one ingested before: a crawler's discoveries.
func crawlBatch(batch int) map[string]any {
	items := make([]any, 1000)
	for i := range items {
		items[i] = map[string]any{
			"infoHash": fmt.Sprintf("%08x%032x", 0xc0ffee00+batch, i), "name": fmt.Sprintf("crawled %d %d", batch, i),
			"category": "other", "size": 1 << 20, "seeders": i, "leechers": 1,
		}
	}
	return map[string]any{"torrents": items}
}
