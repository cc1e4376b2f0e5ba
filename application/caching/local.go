package caching

import (
	"math"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultLocalBytes bounds the process tier when Options.LocalBytes is not set.
const DefaultLocalBytes = 64 << 20

// entryOverhead is what an entry costs beyond its weighed value: the key, the map and list
// nodes, the entry's header.
const entryOverhead = 160

// localTier is the process tier: decoded values, least recently used first out, bounded by the
// weight of what it holds. Not safe for concurrent use: Store.mu guards it.
type localTier struct {
	lru      *simplelru.LRU[string, localEntry]
	bytes    int64
	maxBytes int64
}

type localEntry struct {
	value      any
	weight     int64
	freshUntil time.Time
	staleUntil time.Time
}

func newLocalTier(maxBytes int64) *localTier {
	l := &localTier{maxBytes: maxBytes}
	lru, err := simplelru.NewLRU(math.MaxInt32, func(_ string, e localEntry) { l.bytes -= e.weight })
	if err != nil {
		panic(err) // only a non-positive size fails
	}
	l.lru = lru
	return l
}

func (l *localTier) get(key string) (localEntry, bool) { return l.lru.Get(key) }

// add keeps e unless it alone is over the bound, evicting the least recently used to fit it.
func (l *localTier) add(key string, e localEntry) {
	l.lru.Remove(key)
	if e.weight > l.maxBytes/4 {
		return // a value this large would flush a quarter of the tier for one key
	}
	for l.bytes+e.weight > l.maxBytes {
		if _, _, ok := l.lru.RemoveOldest(); !ok {
			break
		}
	}
	l.lru.Add(key, e)
	l.bytes += e.weight
}

func (l *localTier) remove(key string) { l.lru.Remove(key) }

// weigh is what a value costs in the process tier, from its encoded size: twice its JSON, which
// overcounts what the heap holds of a decoded search page (string and slice headers, eight-byte
// numbers) by about half (TestLocalTierWeighsWhatTheHeapHolds: 63.8 MiB weighed, 40.8 MiB held),
// so the bound holds with room to spare.
func weigh(key string, encoded int) int64 {
	return int64(len(key)) + 2*int64(encoded) + entryOverhead
}
