package migration_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/betterauth"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// source serves torrents numbered 1..n (every tenth without a name), keyed by their number.
type source struct{ n int }

func (s source) Name() string                                              { return "test" }
func (s source) Kinds() []ports.ImportKind                                 { return []ports.ImportKind{ports.ImportTorrents} }
func (s source) Close() error                                              { return nil }
func key(i int) string                                                     { return fmt.Sprintf("%06d", i) }
func (s source) Estimate(context.Context, ports.ImportKind) (int64, error) { return int64(s.n), nil }
func (s source) Read(ctx context.Context, _ ports.ImportKind, after string, each func(ports.SourceRecord) error) error {
	for i := 1; i <= s.n; i++ {
		if key(i) <= after {
			continue
		}
		name := fmt.Sprintf("Torrent %d", i)
		if i%10 == 0 {
			name = ""
		}
		t := &ports.SourceTorrent{InfoHash: fmt.Sprintf("%040x", i), Name: name, Size: 10, Category: "movies"}
		if err := each(ports.SourceRecord{Key: key(i), Torrent: t}); err != nil {
			return err
		}
	}
	return nil
}

// checkpoints keep checkpoints in memory, and count the saves.
type checkpoints struct {
	mu    sync.Mutex
	saved map[ports.ImportKind]string
	saves int
}

func (c *checkpoints) Load(context.Context, string) (map[ports.ImportKind]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[ports.ImportKind]string{}
	for k, v := range c.saved {
		out[k] = v
	}
	return out, nil
}

func (c *checkpoints) Save(_ context.Context, _ string, k ports.ImportKind, last string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saved[k] = last
	c.saves++
	return nil
}

func (c *checkpoints) Clear(context.Context, string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saved = map[ports.ImportKind]string{}
	return nil
}

// failingTorrents fails every upsert after the first few, as a store that goes away.
type failingTorrents struct {
	ports.TorrentRepository
	left int
}

var errGone = errors.New("the store went away (test)")

func (f *failingTorrents) Upsert(ctx context.Context, ts []domain.Torrent) ([]domain.UpsertOutcome, error) {
	if f.left == 0 {
		return nil, errGone
	}
	f.left--
	return f.TorrentRepository.Upsert(ctx, ts)
}

func newImporter(torrents ports.TorrentRepository, cp *checkpoints) *migration.Importer {
	clock := ports.SystemClock{}
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), clock, caching.Options{Logger: quiet})
	return migration.NewImporter(migration.Deps{
		Checkpoints: cp, Ingest: ingest.NewService(torrents, metainfo.NewDecoder(), cache, clock, quiet),
		Legacy: betterauth.NewScrypt(1), SessionID: func(string) string { return "" }, Cache: cache, Clock: clock, Logger: quiet,
	})
}

func TestADryRunWritesNothingAndReportsWhatItWouldSkip(t *testing.T) {
	cat := memory.NewCatalog(ports.SystemClock{})
	cp := &checkpoints{saved: map[ports.ImportKind]string{}}
	r, err := newImporter(cat.Torrents(), cp).Run(context.Background(), source{n: 2500}, migration.Options{DryRun: true, CheckpointEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	k := r.Kinds[0]
	if k.Read != 2500 || k.Created != 2250 || k.Skipped != 250 || len(k.Reasons) != migration.MaxReasons {
		t.Fatalf("dry run: %+v", k)
	}
	page, _ := cat.Torrents().Latest(context.Background(), "", 10)
	if len(page) != 0 || cp.saves != 0 {
		t.Fatalf("a dry run stored %d torrents and %d checkpoints", len(page), cp.saves)
	}
}

func TestAStoreFailureStopsTheRunAtACheckpointTheNextRunGoesOnFrom(t *testing.T) {
	cat := memory.NewCatalog(ports.SystemClock{})
	cp := &checkpoints{saved: map[ports.ImportKind]string{}}
	opts := migration.Options{CheckpointEvery: time.Nanosecond}
	b := migration.TorrentBatch // the source's records are as many; a tenth fail ingest's checks
	n := b * 11 / 2
	_, err := newImporter(&failingTorrents{TorrentRepository: cat.Torrents(), left: 2}, cp).Run(context.Background(), source{n: n}, opts)
	if !errors.Is(err, errGone) {
		t.Fatalf("the store's failure must stop the run: %v", err)
	}
	if cp.saved[ports.ImportTorrents] != key(2*b) {
		t.Fatalf("checkpoint %q, want the last key of the two stored batches (%s)", cp.saved[ports.ImportTorrents], key(2*b))
	}
	r, err := newImporter(cat.Torrents(), cp).Run(context.Background(), source{n: n}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if k := r.Kinds[0]; k.ResumedAfter != key(2*b) || k.Read != int64(n-2*b) || k.Created != int64((n-2*b)*9/10) {
		t.Fatalf("the resumed run: %+v", k)
	}
	if len(cp.saved) != 0 {
		t.Fatal("a finished run must clear its checkpoints")
	}
}
