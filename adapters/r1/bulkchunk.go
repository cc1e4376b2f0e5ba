package r1

import (
	"database/sql"
	"sync"

	"modernc.org/sqlite"
)

// The transactions of a bulk upsert on the local file are sized to the writer's page cache.
//
// Each new torrent dirties a page of each random-key index (the info hash, the name, the size, the
// dates...), and once those indexes outgrow the cache nearly every torrent dirties pages of its
// own: at 1,000,000 torrents about 7 a torrent, so a transaction of 2500 torrents dirtied some
// 17,000 pages where the writer's cache holds 8,192. SQLite then spills dirty pages to the WAL in
// the middle of the transaction, reads them back when the transaction changes them again, and
// writes them once more at the commit. A transaction whose pages fit writes each once: at 1,000,000
// torrents, transactions of about 600 torrents read 6.8 pages a torrent through the OS where 2500
// read 14.3, and 16.7 writes a torrent instead of 22 (tests/bench, BENCH_INGEST_MORE). While the
// indexes still fit the cache a larger transaction costs less a torrent (the same pages take
// several torrents each, and each transaction's fixed work is shared), so the size is not fixed:
// after each chunk the writer's page writes tell how many pages a torrent dirtied, and the next
// chunk takes as many torrents as fill half the cache.
const (
	// bulkChunkMax is the largest transaction of a bulk upsert (ingest.MaxBulkBatch's torrents).
	bulkChunkMax = localChunkTorrents
	// bulkChunkMin bounds how small the transactions get, however large the catalog.
	bulkChunkMin = 200
	// bulkChunkLearnFrom is the smallest write the size is learned from: a few torrents tell little.
	bulkChunkLearnFrom = 100
)

// bulkChunks is the local engine's transaction size for bulk upserts.
type bulkChunks struct {
	mu   sync.Mutex
	size int // torrents in the next chunk
	// written is the pages the writer wrote to the WAL in the engine's last batch, spilled ones
	// included (SQLite's cache-write counter).
	written int64
	// pages is how many pages a chunk may dirty: half the writer's cache, the rest for the pages
	// it reads (the indexes' inner pages, the table's last ones).
	pages int
}

// newBulkChunks sizes the chunks for a writer whose cache holds writerCache bytes.
func newBulkChunks(writerCache int64) *bulkChunks {
	return &bulkChunks{size: bulkChunkMax, pages: int(writerCache / sqlitePageSize / 2)}
}

// next is the torrents the next chunk may take.
func (b *bulkChunks) next() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size
}

// batchWrote records the pages the engine's last batch wrote to the WAL (pageWrites).
func (b *bulkChunks) batchWrote(pages int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.written = pages
}

// wrote records that the engine's last batch stored n torrents, and sizes the next chunk from the
// pages it wrote.
func (b *bulkChunks) wrote(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < bulkChunkLearnFrom || b.written <= 0 {
		return
	}
	perTorrent := float64(b.written) / float64(n)
	size := int(float64(b.pages) / perTorrent)
	// Halfway from the last size: one unusual chunk (a merge's pages, a torrent of many files)
	// does not swing it.
	b.size = min(bulkChunkMax, max(bulkChunkMin, (b.size+size)/2))
}

// pageWrites reads and resets the connection's count of pages written (SQLite's cache-write
// counter: WAL frames of commits and of spills); 0 where the driver cannot tell.
func pageWrites(conn *sql.Conn) int64 {
	var n int64
	_ = conn.Raw(func(dc any) error {
		s, ok := dc.(sqlite.DBStatus)
		if !ok {
			return nil
		}
		cur, _, err := s.Status(sqlite.DBStatusCacheWrite, true)
		n = int64(cur)
		return err
	})
	return n
}
