package caching_test

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// page is a search page of 100 torrents with long tracker lists, every string its own, as decoded
// from the store or the shared tier.
func page(n int) domain.SearchPage {
	items := make([]domain.TorrentSummary, 100)
	for i := range items {
		trackers := make([]string, 20)
		for j := range trackers {
			trackers[j] = fmt.Sprintf("udp://tracker-%02d.example-%d.org:1337/announce?page=%d", j, i, n)
		}
		items[i] = domain.TorrentSummary{
			ID: int64(n*100 + i), InfoHash: sha1.Sum([]byte(strconv.Itoa(n*100 + i))),
			Name: fmt.Sprintf("Some.Release.Name.%d.%d.1080p.WEB-DL.x264-GROUP", n, i), Size: 1 << 32,
			Category: domain.CategoryRef{Slug: "movies", Name: "Movies"}, Seeders: 10, Leechers: 2,
			UploadedAt: at, Trackers: trackers,
		}
	}
	return domain.SearchPage{Items: items, Total: 10000}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// The process tier stays within its byte bound however many distinct searches fill it: pages of
// 100 torrents (about 60 KiB of JSON each) leave at most the bound on the heap, and the weight the
// tier counts is at least what its values hold there. 1,000 searches (five times what the bound
// holds) by default; CACHE_MEMORY_SEARCHES=20000 for the figure the README gives.
func TestLocalTierWeighsWhatTheHeapHolds(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("fills a thousand search pages: make test runs it without the race detector")
	}
	searches := 1000
	if n, err := strconv.Atoi(os.Getenv("CACHE_MEMORY_SEARCHES")); err == nil && n > 0 {
		searches = n
	}
	bound := int64(caching.DefaultLocalBytes)
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	ctx := context.Background()
	base := heap()
	for n := range searches {
		if _, err := caching.Read(ctx, store, caching.SearchPages, "q"+strconv.Itoa(n), func(context.Context) (domain.SearchPage, error) {
			return page(n), nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	held := int64(heap() - base)
	st := store.Stats()
	t.Logf("after %d distinct searches of 100 items: %d pages held, weighed %.1f MiB (bound %.0f MiB), heap growth %.1f MiB",
		searches, st.LocalSize, float64(st.LocalBytes)/(1<<20), float64(bound)/(1<<20), float64(held)/(1<<20))
	if st.LocalBytes > bound || held > bound {
		t.Fatalf("weighed %d, heap growth %d: past the bound %d", st.LocalBytes, held, bound)
	}
	if held > st.LocalBytes {
		t.Fatalf("the heap holds %d bytes for values weighed %d: the weight undercounts", held, st.LocalBytes)
	}
	runtime.KeepAlive(store)
}
