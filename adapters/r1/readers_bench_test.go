package r1

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// BenchmarkDetailsBesideSlowSearches measures a details read (one row by its key: tens of
// microseconds alone) while four clients keep running slow searches (a LIKE scan of 20,000 names),
// as a hostile mix does, for each size of the reader pool. With as many readers as slow clients,
// the short read waits for a connection behind them; compare the two results of one run.
func BenchmarkDetailsBesideSlowSearches(b *testing.B) {
	for _, readers := range []int{2, 8} {
		b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
			db := openMigrated(b, LocalOptions{Readers: readers})
			repo := NewTorrentRepository(db)
			const n = 20_000
			for i := 0; i < n; i += 1000 {
				batch := make([]domain.Torrent, 0, 1000)
				for j := i; j < i+1000; j++ {
					batch = append(batch, newTorrent(b, j))
				}
				upsert(b, repo, batch...)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						_, _ = db.query(ctx, Statement{SQL: "SELECT count(*) AS n FROM torrents WHERE name LIKE '%9%9%' AND description LIKE '%1%'"})
					}
				}()
			}
			time.Sleep(50 * time.Millisecond)
			b.ResetTimer()
			for i := range b.N {
				if _, err := repo.Get(context.Background(), domain.TorrentRef{InfoHash: hashOf(i % n)}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
			wg.Wait()
		})
	}
}
