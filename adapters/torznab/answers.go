package torznab

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
	"time"
	"weak"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
	"github.com/torrent-streamer/streamer/domain"
)

// The encoded answers of searches, kept for a second: the apps' RSS syncs and a burst of the same
// search from several apps are answered without encoding the feed again. The key is the function
// and its parameters without the API key, so the key is checked before every answer and a revoked
// key is refused at once; an answer does not depend on whose key asked. An ingest or a takedown on
// this server empties it (Purge), as it empties REST's. Past its second an answer is still sent
// while the catalog answers the search with the very page it was written from (see written).
//
// Each answer is kept gzip-compressed, once (adapters/gzipped), and sent so to the apps, which all
// accept gzip; a client that does not gets it inflated, once (gzipped.Kept, plain). Bounded by count and by the
// bytes kept, compressed and the plain copies (answerBytes; with the items' bytes of fragments.go,
// what Torznab keeps is at most 24 MiB; a page of 100 items is ~22 KB compressed, ~185 KB plain).
const (
	answerEntries = 512
	answerBytes   = 16 << 20
	answerTTL     = time.Second
)

type answerCache struct {
	mu      sync.Mutex
	entries *simplelru.LRU[string, *cachedAnswer]
	bytes   int64
	off     bool // Options.NoAnswerCache
}

type cachedAnswer struct {
	body gzipped.Kept // inflated once, for the first client that does not accept gzip
	// plainBytes is the plain copy's bytes counted in the cache's bytes (see plain): 0 until a plain
	// client asks, and for a body kept plain. Under the cache's lock.
	plainBytes int
	expires    time.Time
	// written is the catalog's page the body was written from: past its second, while the catalog
	// still answers the search with that same page (its process cache gives back the same items),
	// the body is still its answer, and is sent again without being written again.
	written pageIdentity
}

// pageIdentity is a catalog page as the catalog's cache hands it out: its items (the same backing
// array while the cache holds it) and total. The items are held weakly: a kept answer does not
// keep the catalog's page alive, and a weak pointer never equals one made from another object,
// even one at the same address after the page is collected.
type pageIdentity struct {
	first        weak.Pointer[domain.TorrentSummary]
	items, total int
}

// identityOf is found's identity, the zero value for an empty page (written again: cheap).
func identityOf(items []domain.TorrentSummary, total int) pageIdentity {
	if len(items) == 0 {
		return pageIdentity{}
	}
	return pageIdentity{first: weak.Make(&items[0]), items: len(items), total: total}
}

func newAnswerCache(off bool) *answerCache {
	a := &answerCache{off: off}
	entries, err := simplelru.NewLRU(answerEntries, func(key string, e *cachedAnswer) { a.bytes -= answerWeight(key, e) })
	if err != nil {
		panic(err) // only a non-positive size fails
	}
	a.entries = entries
	return a
}

func answerWeight(key string, e *cachedAnswer) int64 {
	return int64(len(key) + e.body.Size() + e.plainBytes + 160)
}

// answerKey is the request's parameters but apikey, in order of name (two apps asking the same
// search in another order share an answer), then the base URL the links are made of. Each name
// and value is written after its length, so no decoded value holding "&" or "=" can spell the key
// of another request.
func answerKey(args *fasthttp.Args, base string) string {
	var parts [16][]byte
	list := parts[:0]
	size := len(base)
	args.VisitAll(func(k, v []byte) {
		if string(k) != "apikey" {
			list = append(list, k)
			size += len(k) + len(v) + 12
		}
	})
	slices.SortFunc(list, bytes.Compare)
	key := make([]byte, 0, size)
	field := func(b []byte) {
		key = append(append(strconv.AppendInt(key, int64(len(b)), 10), ':'), b...)
	}
	for i, k := range list {
		if i > 0 && bytes.Equal(k, list[i-1]) {
			continue // a repeated parameter: Peek reads its first value, so the key holds that one
		}
		field(k)
		field(args.PeekBytes(k))
	}
	field([]byte(base))
	return string(key)
}

func (a *answerCache) get(key string, now time.Time) (*gzipped.Kept, bool) {
	if a.off {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.entries.Get(key)
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return &e.body, true
}

// written returns the body kept for key when it was written from the page id, however old.
func (a *answerCache) written(key string, id pageIdentity) (*gzipped.Kept, bool) {
	if a.off || id.items == 0 {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.entries.Get(key)
	if !ok || e.written != id || e.written.first.Value() == nil {
		return nil, false
	}
	return &e.body, true
}

// keeps reports whether an answer under key would be kept (so is worth compressing).
func (a *answerCache) keeps(key string) bool { return !a.off && len(key) <= maxAnswerKey }

// maxAnswerKey is the longest key kept: a longer request is answered, not kept.
const maxAnswerKey = 2048

func (a *answerCache) put(key string, body gzipped.Body, id pageIdentity, now time.Time) {
	if !a.keeps(key) {
		return
	}
	e := &cachedAnswer{body: gzipped.Kept{Body: body}, expires: now.Add(answerTTL), written: id}
	if answerWeight(key, e) > answerBytes/8 {
		return // no one answer takes more than an eighth of the bound
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.entries.Peek(key); ok {
		a.bytes -= answerWeight(key, old) // Add replaces it without the eviction callback
	}
	a.entries.Add(key, e)
	a.bytes += answerWeight(key, e)
	a.evictOverBytes()
}

// evictOverBytes drops the least recently used answers while the kept bytes are over their bound.
// a.mu is held.
func (a *answerCache) evictOverBytes() {
	for a.bytes > answerBytes {
		if _, _, ok := a.entries.RemoveOldest(); !ok {
			break
		}
	}
}

// plain returns body, kept under key, as written (gzipped.Kept inflates it once) and counts the
// plain copy the inflate made in the cache's bytes, unless the entry went meanwhile (evicted or
// replaced): then no entry holds the copy, and the bound does not count it.
func (a *answerCache) plain(key string, body *gzipped.Kept) ([]byte, error) {
	plain, grew, err := body.Plain()
	if grew == 0 {
		return plain, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.entries.Peek(key); ok && &e.body == body {
		e.plainBytes += grew
		a.bytes += int64(grew)
		a.evictOverBytes()
	}
	return plain, err
}

// Purge forgets every kept answer.
func (ix *Indexer) Purge() {
	ix.answers.mu.Lock()
	defer ix.answers.mu.Unlock()
	ix.answers.entries.Purge()
}
