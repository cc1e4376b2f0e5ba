package r1

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite's page caches, and the memory they take outside the Go heap.
//
// This build of SQLite (modernc, compiled with SQLITE_ENABLE_MEMORY_MANAGEMENT) keeps every
// connection's pages in one cache for the process: its bound is the sum of the connections'
// cache_size, and a connection over its own takes the least recently used page of any other (a
// reader's scan takes the writer's pages). Without a pool each page is its own malloc, which
// modernc's allocator serves from an 8 KiB slot (a 4 KiB page and its header are just over 4 KiB),
// so a full cache costs twice its size, and RSS rose as the cache filled, slowly, over minutes of
// load: the 10-minute soak's memory outside Go grew from 59 to 94 MiB between its middle and its
// end (RSS +13.7 %). Measured with the writer's 32 MiB cache read full: 58.7 MiB of RSS.
//
// With a pool (LocalOptions.PageCache, SQLITE_CONFIG_PAGECACHE) every page comes from one block
// allocated and touched when the first database opens: the caches cost their size, once, from the
// start, and a cache that would grow past the pool reuses the least recently used page instead
// (SQLite's memory pressure), so the pool is the bound.
const (
	// WriterCacheBytes is the writer connection's cache_size unless LocalOptions.WriterCache
	// gives another: the b-tree pages a bulk ingest rewrites stay in memory (tests/bench).
	WriterCacheBytes = 32 << 20
	// ReaderCacheBytes is each reader's and the checkpointer's cache_size. A reader's cache is
	// emptied whenever a write committed since its last read (WAL), so it holds what one query
	// reads.
	ReaderCacheBytes = 2 << 20
	// pageCacheSlack is room in the pool for the temporary tables a query builds (sorting,
	// DISTINCT, IN lists), whose pages come from it too.
	pageCacheSlack = 4 << 20
	// sqlitePageSize is SQLite's default page size, the databases' own.
	sqlitePageSize = 4096
)

// PageCacheFor is the pool that holds every connection's cache at its bound: the writer's (its
// default, WriterCacheBytes), each of readers readers', the checkpointer's, and room for temporary
// tables.
func PageCacheFor(readers int) int64 { return PageCacheForWriter(WriterCacheBytes, readers) }

// PageCacheForWriter is PageCacheFor with a writer's cache of writerCache bytes
// (LocalOptions.WriterCache).
func PageCacheForWriter(writerCache int64, readers int) int64 {
	return writerCache + int64(readers+1)*ReaderCacheBytes + pageCacheSlack
}

// DefaultReaders is the number of reader connections when LocalOptions.Readers is 0.
func DefaultReaders(procs int) int { return max(8, 4*procs) }

var pagePool struct {
	once  sync.Once
	bytes int64 // the pool in effect (slots × their size); 0: none
	err   error
}

// errSQLiteStarted is why a pool cannot be given: SQLite takes it only before it starts, which
// the first connection of the process does.
var errSQLiteStarted = errors.New("r1: SQLite had started before the page cache pool was given (a connection was opened first)")

// usePageCache gives SQLite a pool of about size bytes for every connection's pages, once per
// process, before its first connection; later calls return what the first did. It returns the
// pool's size in effect.
func usePageCache(size int64) (int64, error) {
	pagePool.once.Do(func() { pagePool.bytes, pagePool.err = configurePageCache(size) })
	return pagePool.bytes, pagePool.err
}

// PageCacheInEffect is the bytes of SQLite's page cache pool in this process (0: none, each page
// is allocated as it is needed), and why none when one was asked for.
func PageCacheInEffect() (int64, error) { return pagePool.bytes, pagePool.err }

func configurePageCache(size int64) (int64, error) {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.Xmalloc(tls, types.Size_t(3*8))
	out := libc.Xmalloc(tls, types.Size_t(8))
	if va == 0 || out == 0 {
		return 0, errors.New("r1: out of memory configuring SQLite's page cache")
	}
	defer libc.Xfree(tls, va)
	defer libc.Xfree(tls, out)
	// What SQLite keeps beside each page (its headers) decides a slot's size.
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE_HDRSZ, libc.VaList(va, out)); rc != sqlite3.SQLITE_OK {
		return 0, fmt.Errorf("r1: SQLite's page header size: code %d", rc)
	}
	header := int64(int32(binary.NativeEndian.Uint32(libc.GoBytes(out, 4))))
	slot := (sqlitePageSize + header + 7) &^ 7
	slots := size / slot
	if slots < 64 {
		return 0, fmt.Errorf("r1: a page cache pool of %d bytes holds fewer than 64 pages", size)
	}
	// Never freed: SQLite uses it until the process ends.
	pool := libc.Xmalloc(tls, types.Size_t(slots*slot))
	if pool == 0 {
		return 0, fmt.Errorf("r1: out of memory for a page cache pool of %d MiB", size>>20)
	}
	rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(va, pool, int32(slot), int32(slots)))
	if rc != sqlite3.SQLITE_OK {
		libc.Xfree(tls, pool)
		if rc == sqlite3.SQLITE_MISUSE {
			return 0, errSQLiteStarted
		}
		return 0, fmt.Errorf("r1: SQLite refused a page cache pool: code %d", rc)
	}
	// Touched now, so it is resident from the start rather than growing into RSS under load.
	libc.Xmemset(tls, pool, 0, types.Size_t(slots*slot))
	return slots * slot, nil
}

// PageCacheStats is how SQLite's pages are held now: the pool's slots in use, and the bytes of
// pages allocated outside it (every page, without a pool).
func PageCacheStats() (slotsUsed, outsideBytes int64) {
	return sqliteStatus(sqlite3.SQLITE_STATUS_PAGECACHE_USED), sqliteStatus(sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW)
}

func sqliteStatus(op int32) int64 {
	tls := libc.NewTLS()
	defer tls.Close()
	p := libc.Xmalloc(tls, types.Size_t(16))
	if p == 0 {
		return 0
	}
	defer libc.Xfree(tls, p)
	if sqlite3.Xsqlite3_status64(tls, op, p, p+8, 0) != sqlite3.SQLITE_OK {
		return 0
	}
	return int64(binary.NativeEndian.Uint64(libc.GoBytes(p, 8)))
}
