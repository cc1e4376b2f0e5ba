package torznab

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/torrent-streamer/streamer/domain"
)

// Each item's encoded bytes, kept by torrent, base URL and attribute selection, and checked against
// a fingerprint of every field the item is written from: a feed page whose items were written
// before (the apps' RSS syncs ask the newest torrents again and again, in several categories) is
// concatenation. Text searches do not use it (search.go): at 1,000,000 torrents their items seldom
// came again, and the fingerprint and the copy of each (0.13 s of the bench's server CPU) cost more
// than writing them (0.12 s). A torrent whose seeders, name or anything else
// written changed has another fingerprint and is written again, so nothing kept is ever stale, and
// nothing here depends on who asked (the API key is checked before every answer).
//
// Bounded by bytes: fragmentBytes, about 4,000 items of 2 KB (a name, a magnet with a few trackers
// three times, the attributes): the newest torrents of every category the apps sync, many times over.
const fragmentBytes = 8 << 20

// fragmentOverhead is what an entry costs beyond its bytes: the key, the list and map nodes.
const fragmentOverhead = 160

type fragmentKey struct {
	id    int64
	base  string // the links' scheme and host
	attrs string // the attrs parameter as selected (attrsKey), "" for all
}

type fragment struct {
	sum uint64 // fingerprint of what the bytes were written from
	xml []byte
}

type fragmentCache struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[fragmentKey, fragment]
	bytes int64
	max   int64
	seed  maphash.Seed
}

func newFragmentCache(maxBytes int64) *fragmentCache {
	f := &fragmentCache{max: maxBytes, seed: maphash.MakeSeed()}
	lru, err := simplelru.NewLRU(math.MaxInt32, func(k fragmentKey, v fragment) { f.bytes -= weight(k, v) })
	if err != nil {
		panic(err) // only a non-positive size fails
	}
	f.lru = lru
	return f
}

func weight(k fragmentKey, v fragment) int64 {
	return int64(len(v.xml) + len(k.base) + len(k.attrs) + fragmentOverhead)
}

// appendItem appends t's item, kept or written now (and then kept).
func (f *fragmentCache) appendItem(b []byte, t *domain.TorrentSummary, base, attrs string, ids []int, only map[string]bool) []byte {
	if f == nil || f.max <= 0 {
		return appendItem(b, t, base, ids, only)
	}
	key := fragmentKey{id: t.ID, base: base, attrs: attrs}
	sum := f.fingerprint(t, ids)
	f.mu.Lock()
	kept, ok := f.lru.Get(key)
	f.mu.Unlock()
	if ok && kept.sum == sum {
		return append(b, kept.xml...)
	}
	start := len(b)
	b = appendItem(b, t, base, ids, only)
	v := fragment{sum: sum, xml: append([]byte(nil), b[start:]...)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.lru.Peek(key); ok {
		f.bytes -= weight(key, old) // Add replaces it without the eviction callback
	}
	f.lru.Add(key, v)
	f.bytes += weight(key, v)
	for f.bytes > f.max {
		if _, _, ok := f.lru.RemoveOldest(); !ok {
			break
		}
	}
	return b
}

// fingerprint hashes every field of t that appendItem writes, and the category ids.
func (f *fragmentCache) fingerprint(t *domain.TorrentSummary, ids []int) uint64 {
	var h maphash.Hash
	h.SetSeed(f.seed)
	var n [8]byte
	num := func(v int64) {
		binary.LittleEndian.PutUint64(n[:], uint64(v))
		_, _ = h.Write(n[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		_, _ = h.WriteString(s)
	}
	num(t.ID)
	_, _ = h.Write(t.InfoHash[:])
	_, _ = h.Write(t.InfoHashV2[:])
	str(t.Name)
	num(t.Size)
	num(t.Seeders)
	num(t.Leechers)
	num(t.UploadedAt.Unix())
	num(int64(t.FileCount))
	num(int64(len(t.Trackers)))
	for _, s := range t.Trackers {
		str(s)
	}
	num(int64(len(t.WebSeeds)))
	for _, s := range t.WebSeeds {
		str(s)
	}
	str(t.External.IMDb)
	num(t.External.TMDb)
	num(t.External.TVDb)
	r := &t.Release
	num(int64(r.Year))
	num(int64(len(r.Seasons)))
	if len(r.Seasons) > 0 {
		num(int64(r.Seasons[0]))
	}
	num(int64(len(r.Episodes)))
	if len(r.Episodes) > 0 {
		num(int64(r.Episodes[0]))
	}
	str(r.Resolution)
	num(int64(len(ids)))
	for _, id := range ids {
		num(int64(id))
	}
	return h.Sum64()
}
