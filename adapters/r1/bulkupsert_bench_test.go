package r1

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/torrent-streamer/streamer/domain"
)

// bulkBenchTorrents are n normalized torrents shaped like make bench's (a release name, a handful
// of files in a folder, trackers), their hashes from seed.
func bulkBenchTorrents(tb testing.TB, seed string, n int) []domain.Torrent {
	tb.Helper()
	out := make([]domain.Torrent, n)
	now := time.Now()
	for i := range out {
		name := fmt.Sprintf("Some Show Title %d S%02dE%02d 1080p WEB-DL DDP5.1 H.264-GRP%d", i, i%12+1, i%24+1, i%97)
		files := make([]domain.File, 1+i%7)
		for k := range files {
			files[k] = domain.File{Path: fmt.Sprintf("%s/Some.Show.Title.%d.part%02d.mkv", name, i, k), Size: int64(1<<20 + i*k)}
		}
		t := domain.Torrent{
			InfoHash:    sha1.Sum(fmt.Appendf(nil, "%s-%d", seed, i)),
			Name:        name,
			Category:    domain.CategoryRef{Slug: "tv", Name: "TV"},
			Files:       files,
			Seeders:     int64(i % 1000),
			Leechers:    int64(i % 300),
			Trackers:    []string{"udp://tracker.example.org:1337/announce", "udp://open.example.com:6969/announce"},
			UploadedAt:  time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
			Description: "",
		}
		if i%5 == 0 {
			t.External.IMDb = "tt" + strconv.Itoa(1000000+i)
		}
		if err := t.Normalize(now); err != nil {
			tb.Fatal(err)
		}
		out[i] = t
	}
	return out
}

func writerThreadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// BenchmarkBulkUpsertRows is the writer's thread's CPU a torrent for the rows of a bulk load into
// an empty catalog (batches of 2500, the scratch full-text index stopped): BULK_BENCH_N torrents
// (default 50,000).
func BenchmarkBulkUpsertRows(b *testing.B) {
	n := 50000
	if s := os.Getenv("BULK_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	torrents := bulkBenchTorrents(b, "bulk", n)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, err := OpenFile(ctx, filepath.Join(b.TempDir(), "bulk.db"), LocalOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		loader := NewBulkLoader(db)
		if began, err := loader.BeginBulkLoad(ctx); err != nil || !began {
			b.Fatal(began, err)
		}
		e := db.engine.(*localEngine)
		if side := e.takeBulkFTS(); side != nil {
			_ = side.halt(true)
			side.close()
		}
		repo := NewTorrentRepository(db)
		runtime.LockOSThread()
		b.StartTimer()
		c0 := writerThreadCPU()
		for start := 0; start < n; start += 2500 {
			if _, err := repo.Upsert(ctx, torrents[start:min(n, start+2500)]); err != nil {
				b.Fatal(err)
			}
		}
		cpu := writerThreadCPU() - c0
		b.StopTimer()
		runtime.UnlockOSThread()
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n)/1000, "writer-µs/torrent")
		_ = db.Close()
	}
}

// BenchmarkNewUpsertRowBound is the encoding of one bulk load's row (newUpsertRow, the bound form):
// the work each torrent costs before SQLite sees it, and its allocations. Torrents shaped like make
// bench's, and torrents of thousands of files with non-ASCII paths, which grow every buffer the
// encoding keeps past what it keeps between rows (wordSetKept, packBufferKept).
func BenchmarkNewUpsertRowBound(b *testing.B) {
	many := bulkBenchTorrents(b, "encode-many", 8)
	for i := range many {
		files := make([]domain.File, 3000)
		for k := range files {
			files[k] = domain.File{Path: fmt.Sprintf("Сезон %d/Épisode %d — partie %d.mkv", i, k, k%7), Size: int64(1<<20 + k)}
		}
		many[i].Files = files
	}
	for _, c := range []struct {
		name     string
		torrents []domain.Torrent
	}{
		{"bench-shaped", bulkBenchTorrents(b, "encode", 2000)},
		{"thousands of files", many},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if _, p := newUpsertRow(c.torrents[i%len(c.torrents)], rowsBound); p != nil {
					b.Fatal(p)
				}
			}
		})
	}
}
