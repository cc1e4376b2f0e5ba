package r1

import (
	"context"
	"crypto/sha1"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// benchTorrents are n normalized torrents with three files each, their hashes derived from seed.
func benchTorrents(b *testing.B, seed string, n int) []domain.Torrent {
	b.Helper()
	out := make([]domain.Torrent, n)
	for i := range out {
		t := domain.Torrent{
			InfoHash: sha1.Sum(fmt.Appendf(nil, "%s-%d", seed, i)),
			Name:     fmt.Sprintf("Bench Release %d 1080p WEB x264", i),
			Category: domain.CategoryRef{Slug: "movies", Name: "Movies"},
			Files: []domain.File{{Path: fmt.Sprintf("r%d/movie.mkv", i), Size: 1 << 30},
				{Path: fmt.Sprintf("r%d/movie.srt", i), Size: 1 << 12}, {Path: fmt.Sprintf("r%d/info.nfo", i), Size: 100}},
			UploadedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		}
		if err := t.Normalize(time.Now()); err != nil {
			b.Fatal(err)
		}
		out[i] = t
	}
	return out
}

func benchRepo(b *testing.B) *TorrentRepository {
	b.Helper()
	ctx := context.Background()
	db, err := OpenFile(ctx, filepath.Join(b.TempDir(), "bench.db"), LocalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return NewTorrentRepository(db)
}

// BenchmarkUpsertNewWithBlocklist is an ingest call of 1000 new torrents into a catalog whose
// blocklist holds 10,000 hashes: the price of the blocklist check every upsert row pays.
func BenchmarkUpsertNewWithBlocklist(b *testing.B) {
	repo := benchRepo(b)
	ctx := context.Background()
	var blocked []domain.InfoHash
	for _, t := range benchTorrents(b, "blocked", 10000) {
		blocked = append(blocked, t.InfoHash)
	}
	for chunk := 0; chunk < len(blocked); chunk += 1000 {
		if _, err := repo.TakeDown(ctx, blocked[chunk:chunk+1000]); err != nil {
			b.Fatal(err)
		}
	}
	batches := make([][]domain.Torrent, b.N)
	for i := range batches {
		batches[i] = benchTorrents(b, fmt.Sprintf("new-%d", i), 1000)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := repo.Upsert(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/torrent")
}

// BenchmarkTakeDown1000 takes down 1000 torrents at once from a catalog of 20,000: the delete, its
// triggers (full-text entry, category count) and the blocklist insert, in one batch.
func BenchmarkTakeDown1000(b *testing.B) {
	repo := benchRepo(b)
	ctx := context.Background()
	b.StopTimer()
	for i := range b.N {
		all := benchTorrents(b, fmt.Sprintf("cat-%d", i), 20000)
		for chunk := 0; chunk < len(all); chunk += 1000 {
			if _, err := repo.Upsert(ctx, all[chunk:chunk+1000]); err != nil {
				b.Fatal(err)
			}
		}
		hashes := make([]domain.InfoHash, 0, 1000)
		for k := 0; k < len(all); k += 20 {
			hashes = append(hashes, all[k].InfoHash)
		}
		b.StartTimer()
		out, err := repo.TakeDown(ctx, hashes)
		b.StopTimer()
		if err != nil || !out[0].Removed {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/hash")
}
