package r1

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// The next chunk takes as many torrents as dirty the pages allowed, reached halfway at a time and
// within its bounds; small writes teach nothing.
func TestBulkChunksFollowThePagesATorrentWrites(t *testing.T) {
	b := newBulkChunks(4000 * 2 * sqlitePageSize)
	learn := func(n int, written int64) int {
		b.written = written
		b.wrote(n)
		return b.next()
	}
	if got := learn(50, 10_000); got != bulkChunkMax {
		t.Fatalf("50 torrents moved the size to %d", got)
	}
	// 2500 torrents wrote 17,500 pages (7 a torrent, a million-torrent catalog): 4000 pages take
	// 571 torrents; halfway from 5000 first.
	if got := learn(2500, 17_500); got != (bulkChunkMax+571)/2 {
		t.Fatalf("after 7 pages a torrent: %d", got)
	}
	size := 0
	for range 10 {
		size = learn(b.next(), int64(7*b.next()))
	}
	if size < 560 || size > 600 {
		t.Fatalf("the size settled at %d, want about 571", size)
	}
	// Pages no longer outgrow the cache (a small catalog): back up to the largest.
	for range 20 {
		size = learn(b.next(), int64(b.next()/4))
	}
	if size != bulkChunkMax {
		t.Fatalf("the size went back to %d, want %d", size, bulkChunkMax)
	}
	for range 20 {
		size = learn(b.next(), int64(100*b.next()))
	}
	if size != bulkChunkMin {
		t.Fatalf("the size went down to %d, want %d", size, bulkChunkMin)
	}
}

// A bulk upsert whose torrents dirty more pages than the writer's cache holds is stored in several
// transactions (each writes a segment of the full-text index), every torrent once.
func TestBulkUpsertsAreSplitToFitTheWritersCache(t *testing.T) {
	db := openMigrated(t, LocalOptions{MergeAfterIdle: -1})
	e := db.engine.(*localEngine)
	e.bulk.pages = 20 // a cache that a few hundred of these torrents overflow
	repo := NewTorrentRepository(db)
	n := 0
	call := func() []int {
		batch := make([]int, 1000)
		for i := range batch {
			batch[i] = n
			n++
		}
		return batch
	}
	upsertAll := func(ids []int) {
		torrents := make([]domain.Torrent, len(ids))
		for i, id := range ids {
			torrents[i] = newTorrent(t, id)
		}
		outcomes := upsert(t, repo, torrents...)
		for i, o := range outcomes {
			if !o.Created || o.InfoHash != torrents[i].InfoHash {
				t.Fatalf("torrent %d: %+v", ids[i], o)
			}
		}
	}
	for range 10 {
		if e.bulk.next() < 1000 {
			break
		}
		upsertAll(call())
	}
	if e.bulk.next() >= 1000 {
		t.Fatalf("the chunk is still %d torrents after %d", e.bulk.next(), n)
	}
	before := segments(t, db)
	upsertAll(call())
	if added := segments(t, db) - before; added < 2 {
		t.Fatalf("a call of 1000 torrents wrote %d segment(s), want one per transaction, at least 2", added)
	}
	if stored := scalar(t, db, "SELECT count(*) FROM torrents"); stored != int64(n) {
		t.Fatalf("%d torrents stored, want %d", stored, n)
	}
	if err := db.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// LocalOptions.WriterCache is the writer's cache_size, and the bulk transactions are sized to half
// of it; without it, both are the default's (WriterCacheBytes). Before, every engine's writer had
// the default's, so a bulk job could not give its writer more (streamer import).
func TestTheWritersCacheIsTheOneAskedFor(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		asked, want int64
	}{{0, WriterCacheBytes}, {48 << 20, 48 << 20}} {
		e, err := openLocal(ctx, filepath.Join(t.TempDir(), "writer.db"), LocalOptions{WriterCache: c.asked})
		if err != nil {
			t.Fatal(err)
		}
		var kib int64
		if err := e.writer.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil || -kib<<10 != c.want {
			t.Errorf("asked %d bytes: the writer's cache_size is %d KiB (%v), want %d bytes", c.asked, kib, err, c.want)
		}
		if want := int(c.want / sqlitePageSize / 2); e.bulk.pages != want {
			t.Errorf("asked %d bytes: bulk transactions may dirty %d pages, want %d (half the writer's cache)", c.asked, e.bulk.pages, want)
		}
		_ = e.Close()
	}
	if got, want := PageCacheForWriter(48<<20, 2), int64(48<<20+3*ReaderCacheBytes+pageCacheSlack); got != want {
		t.Errorf("PageCacheForWriter(48 MiB, 2 readers) = %d, want %d", got, want)
	}
	if PageCacheFor(8) != PageCacheForWriter(WriterCacheBytes, 8) {
		t.Errorf("PageCacheFor is not PageCacheForWriter with the default writer's cache")
	}
}
