package contract

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// CacheHarness makes caches for RunCache.
type CacheHarness struct {
	// Name labels the adapter in test output.
	Name string
	// New returns the cache one subtest uses. It need not be empty: the suite puts every key of a
	// subtest under a prefix of its own, so a shared namespace (real KV) is fine.
	New func(t *testing.T) CacheFixture
	// Features declares how the adapter legitimately differs from a strongly consistent cache.
	Features CacheFeatures
}

// CacheFixture is one cache under test.
type CacheFixture struct {
	Cache ports.Cache
	// Advance moves the cache's clock forward. Nil when the cache runs on real time: expiry is
	// then checked only as far as it can be without waiting out a TTL.
	Advance func(time.Duration)
}

// CacheFeatures are what a cache may do differently and still honour ports.Cache. The zero value
// is a strongly consistent cache without limits, like the in-process one.
type CacheFeatures struct {
	// EventuallyConsistent caches may answer a read with an older state for up to
	// ConsistencyWindow after a write or delete (Workers KV: up to 60 s). The suite then polls
	// instead of expecting read-after-write.
	EventuallyConsistent bool
	// ConsistencyWindow bounds how long a write takes to be seen (default 60 s when eventually
	// consistent).
	ConsistencyWindow time.Duration
	// PollInterval is the pause between two reads while polling (default 1 s: every read of a
	// remote cache costs an API request).
	PollInterval time.Duration
	// MinTTL is the shortest TTL the cache keeps a value for; shorter ones are rounded up (KV: 60 s).
	MinTTL time.Duration
	// WriteInterval is the least time between two writes of one key (KV: 1 s). The suite waits
	// it out rather than hammering one key.
	WriteInterval time.Duration
}

// MaxCacheKeyLength is the longest key the application builds (Workers KV's limit).
const MaxCacheKeyLength = 512

// MaxCacheValueSize is the largest value the suite stores; cached pages are far smaller.
const MaxCacheValueSize = 1 << 20

// RunCache runs the ports.Cache contract against h.
func RunCache(t *testing.T, h CacheHarness) {
	t.Run(h.Name, func(t *testing.T) {
		run := func(name string, test func(t *testing.T, s *cacheSuite)) {
			t.Run(name, func(t *testing.T) { test(t, newCacheSuite(t, h)) })
		}
		run("Miss", testCacheMiss)
		run("SetThenGet", testCacheSetThenGet)
		run("Overwrite", testCacheOverwrite)
		run("Delete", testCacheDelete)
		run("Expiry", testCacheExpiry)
		run("BinaryValues", testCacheBinaryValues)
		run("OddKeys", testCacheOddKeys)
		run("LargeValue", testCacheLargeValue)
		run("ValuesAreCopied", testCacheValuesAreCopied)
		run("Concurrent", testCacheConcurrent)
		run("Ping", testCachePing)
	})
}

// cacheSuite is one subtest's view of the cache: its key prefix, and the pacing and polling its
// features call for.
type cacheSuite struct {
	f      CacheFixture
	feat   CacheFeatures
	prefix string

	mu        sync.Mutex
	lastWrite map[string]time.Time
}

func newCacheSuite(t *testing.T, h CacheHarness) *cacheSuite {
	feat := h.Features
	if feat.EventuallyConsistent && feat.ConsistencyWindow <= 0 {
		feat.ConsistencyWindow = 60 * time.Second
	}
	if feat.PollInterval <= 0 {
		feat.PollInterval = time.Second
	}
	f := h.New(t)
	if f.Cache == nil {
		t.Fatal("harness returned no cache")
	}
	var salt [4]byte
	_, _ = rand.Read(salt[:])
	return &cacheSuite{f: f, feat: feat, prefix: "contract-" + hex.EncodeToString(salt[:]) + "/", lastWrite: make(map[string]time.Time)}
}

func (s *cacheSuite) key(name string) string { return s.prefix + name }

// paced waits until each key may be written again, makes the write, and records when the write
// returned: the cache counts its interval from when it took the write, which a loaded machine may
// make well after the call. Recording the write before making it let the next one go out too early
// (the memory-lagging harness refused a delete 62 µs after the set before it, which had reached the
// cache 20 ms after the suite counted it).
func (s *cacheSuite) paced(write func() error, keys ...string) error {
	if s.feat.WriteInterval <= 0 {
		return write()
	}
	for _, key := range keys {
		s.mu.Lock()
		wait := time.Until(s.lastWrite[key].Add(s.feat.WriteInterval))
		s.mu.Unlock()
		if wait > 0 {
			time.Sleep(wait)
		}
	}
	err := write()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range keys {
		s.lastWrite[key] = time.Now()
	}
	return err
}

func (s *cacheSuite) set(t *testing.T, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := s.paced(func() error { return s.f.Cache.Set(t.Context(), key, value, ttl) }, key); err != nil {
		t.Fatalf("Set(%q, %d bytes, %v): %v", clip(key), len(value), ttl, err)
	}
}

func (s *cacheSuite) delete(t *testing.T, keys ...string) {
	t.Helper()
	if err := s.paced(func() error { return s.f.Cache.Delete(t.Context(), keys...) }, keys...); err != nil {
		t.Fatalf("Delete(%d keys): %v", len(keys), err)
	}
}

// await reads key until check accepts the answer: at once for a strongly consistent cache,
// within the consistency window for an eventually consistent one. It returns the last answer.
func (s *cacheSuite) await(t *testing.T, key string, check func(value []byte, ok bool) bool) ([]byte, bool) {
	t.Helper()
	deadline := time.Now().Add(s.feat.ConsistencyWindow)
	for {
		value, ok, err := s.f.Cache.Get(t.Context(), key)
		if err != nil {
			t.Fatalf("Get(%q): %v", clip(key), err)
		}
		if check(value, ok) || !s.feat.EventuallyConsistent || time.Now().After(deadline) {
			return value, ok
		}
		time.Sleep(s.feat.PollInterval)
	}
}

func (s *cacheSuite) expectValue(t *testing.T, key string, want []byte) {
	t.Helper()
	got, ok := s.await(t, key, func(v []byte, ok bool) bool { return ok && bytes.Equal(v, want) })
	if !ok {
		t.Fatalf("Get(%q) = miss, want %s", clip(key), describe(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %s, want %s", clip(key), describe(got), describe(want))
	}
}

func (s *cacheSuite) expectMiss(t *testing.T, key string) {
	t.Helper()
	got, ok := s.await(t, key, func(_ []byte, ok bool) bool { return !ok })
	if ok {
		t.Fatalf("Get(%q) = hit %s, want a miss", clip(key), describe(got))
	}
	if len(got) != 0 {
		t.Fatalf("Get(%q) missed but returned %s, want no bytes", clip(key), describe(got))
	}
}

// ttl is a TTL the cache keeps as asked: long enough for any test, and not below its minimum.
func (s *cacheSuite) ttl() time.Duration { return max(time.Hour, s.feat.MinTTL) }

func testCacheMiss(t *testing.T, s *cacheSuite) {
	// A miss is a miss at once, even for an eventually consistent cache: nothing was ever written.
	for _, key := range []string{s.key("never-written"), s.key("")} {
		value, ok, err := s.f.Cache.Get(t.Context(), key)
		if err != nil || ok || len(value) != 0 {
			t.Fatalf("Get(%q) = %s, %v, %v; want nothing, false, nil", key, describe(value), ok, err)
		}
	}
}

func testCacheSetThenGet(t *testing.T, s *cacheSuite) {
	a, b := s.key("a"), s.key("b")
	s.set(t, a, []byte("alpha"), s.ttl())
	s.set(t, b, []byte("beta"), s.ttl())
	s.expectValue(t, a, []byte("alpha"))
	s.expectValue(t, b, []byte("beta"))
	// A key that merely extends another is a different key.
	s.expectMiss(t, s.key("ab"))
	s.expectMiss(t, s.key("a/"))
}

func testCacheOverwrite(t *testing.T, s *cacheSuite) {
	k := s.key("overwritten")
	s.set(t, k, []byte("first value, the longer one"), s.ttl())
	s.expectValue(t, k, []byte("first value, the longer one"))
	s.set(t, k, []byte("second"), s.ttl())
	s.expectValue(t, k, []byte("second"))
	s.set(t, k, []byte{}, s.ttl())
	s.expectValue(t, k, []byte{})
}

func testCacheDelete(t *testing.T, s *cacheSuite) {
	a, b, c := s.key("del-a"), s.key("del-b"), s.key("del-c")
	for _, k := range []string{a, b, c} {
		s.set(t, k, []byte("value of "+k), s.ttl())
	}
	s.expectValue(t, c, []byte("value of "+c))
	s.delete(t, a, b, s.key("del-unknown"))
	s.expectMiss(t, a)
	s.expectMiss(t, b)
	s.expectValue(t, c, []byte("value of "+c))

	s.delete(t) // no keys at all
	s.delete(t, s.key("never-written"))
	s.delete(t, a) // already gone
	s.expectMiss(t, a)

	// A deleted key can be written again.
	s.set(t, a, []byte("back"), s.ttl())
	s.expectValue(t, a, []byte("back"))
}

func testCacheExpiry(t *testing.T, s *cacheSuite) {
	if s.f.Advance == nil {
		// No clock to move: check what can be checked without waiting out a TTL. The shortest TTL
		// the cache takes keeps the value, and a shorter one is rounded up, not refused.
		k := s.key("min-ttl")
		s.set(t, k, []byte("kept"), max(s.feat.MinTTL, time.Minute))
		s.expectValue(t, k, []byte("kept"))
		short := s.key("short-ttl")
		s.set(t, short, []byte("rounded up"), max(s.feat.MinTTL/2, time.Second))
		if s.feat.MinTTL > 0 {
			s.expectValue(t, short, []byte("rounded up"))
		}
		return
	}
	ttl := max(10*time.Second, s.feat.MinTTL)
	short, long := s.key("short"), s.key("long")
	s.set(t, short, []byte("short-lived"), ttl)
	s.set(t, long, []byte("long-lived"), 10*ttl)
	s.expectValue(t, short, []byte("short-lived"))

	s.f.Advance(ttl - time.Second)
	s.expectValue(t, short, []byte("short-lived"))
	s.f.Advance(2 * time.Second)
	s.expectMiss(t, short)
	s.expectMiss(t, short) // and it stays expired
	s.expectValue(t, long, []byte("long-lived"))

	// An expired key takes a new value, with a new TTL.
	s.set(t, short, []byte("again"), ttl)
	s.expectValue(t, short, []byte("again"))

	// Writing a key again starts its TTL over.
	renewed := s.key("renewed")
	s.set(t, renewed, []byte("v1"), ttl)
	s.f.Advance(ttl / 2)
	s.set(t, renewed, []byte("v2"), ttl)
	s.f.Advance(ttl * 3 / 4)
	s.expectValue(t, renewed, []byte("v2"))
	s.f.Advance(ttl / 2)
	s.expectMiss(t, renewed)

	if s.feat.MinTTL > 0 {
		below := s.key("below-min")
		s.set(t, below, []byte("rounded up"), s.feat.MinTTL/2)
		s.f.Advance(s.feat.MinTTL * 3 / 4)
		s.expectValue(t, below, []byte("rounded up"))
	}
}

func testCacheBinaryValues(t *testing.T, s *cacheSuite) {
	every := make([]byte, 0, 512)
	for i := range 256 {
		every = append(every, byte(i))
	}
	for i := range 256 {
		every = append(every, byte(255-i))
	}
	values := map[string][]byte{
		"every-byte":   every,
		"nul":          {0},
		"nuls":         {0, 0, 0, 'x', 0},
		"bad-utf8":     {0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1},
		"crlf":         []byte("line\r\nline\r\n"),
		"json":         []byte(`{"f":1,"v":"\u0000"}`),
		"empty":        {},
		"unicode-text": []byte("déjà vu 🐧 ключ"),
	}
	for name, v := range values {
		s.set(t, s.key(name), v, s.ttl())
	}
	for name, v := range values {
		s.expectValue(t, s.key(name), v)
	}
}

func testCacheOddKeys(t *testing.T, s *cacheSuite) {
	long := strings.Repeat("k", MaxCacheKeyLength-len(s.prefix))
	// 4-byte runes up to the limit, padded with ASCII to exactly MaxCacheKeyLength bytes.
	room := MaxCacheKeyLength - len(s.prefix)
	longRunes := strings.Repeat("🔑", room/4) + strings.Repeat("r", room%4)
	names := []string{
		"ключ/ü/🔑", "a/b/c", "a/b", "with space", " leading and trailing ", "tab\there",
		"query?x=1&y=2", "hash#fragment", "percent%20encoded", "plus+sign", "colon:semi;comma,",
		"quote'double\"back\\slash", "<angle>{brace}[bracket]|pipe^caret`tick~tilde",
		"CaseSensitive", "casesensitive", "catalog:1a2b:search:h" + strings.Repeat("0f", 32),
		long, longRunes,
	}
	for i, name := range names {
		s.set(t, s.key(name), []byte(fmt.Sprintf("value %d", i)), s.ttl())
	}
	for i, name := range names {
		k := s.key(name)
		if len(k) > MaxCacheKeyLength {
			t.Fatalf("test bug: key of %d bytes", len(k))
		}
		s.expectValue(t, k, []byte(fmt.Sprintf("value %d", i)))
	}
}

func testCacheLargeValue(t *testing.T, s *cacheSuite) {
	big := make([]byte, MaxCacheValueSize)
	rng := mathrand.NewChaCha8([32]byte{1, 2, 3})
	_, _ = rng.Read(big)
	k := s.key("big")
	s.set(t, k, big, s.ttl())
	s.expectValue(t, k, big)
	// Replacing a big value with a small one leaves nothing of the big one.
	s.set(t, k, []byte("small"), s.ttl())
	s.expectValue(t, k, []byte("small"))
}

func testCacheValuesAreCopied(t *testing.T, s *cacheSuite) {
	k := s.key("copied")
	buf := []byte("original")
	s.set(t, k, buf, s.ttl())
	copy(buf, "MUTATED!")
	s.expectValue(t, k, []byte("original"))

	got, _, err := s.f.Cache.Get(t.Context(), k)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = 'X'
	}
	s.expectValue(t, k, []byte("original"))
}

func testCacheConcurrent(t *testing.T, s *cacheSuite) {
	const workers = 20
	rounds := 25
	if s.feat.EventuallyConsistent || s.feat.WriteInterval > 0 {
		rounds = 3 // each write is an API request and a paced one
	}
	own := func(w, r int) string { return s.key(fmt.Sprintf("w%02d/r%02d", w, r)) }
	value := func(w, r int) []byte { return []byte(fmt.Sprintf("worker %d round %d", w, r)) }
	deleted := func(w, r int) bool { return r%3 == 2 }
	shared := s.key("shared")
	hammerShared := s.feat.WriteInterval == 0

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := t.Context()
			for r := range rounds {
				k := own(w, r)
				if err := s.paced(func() error { return s.f.Cache.Set(ctx, k, value(w, r), s.ttl()) }, k); err != nil {
					t.Errorf("Set(%q): %v", k, err)
					return
				}
				got, ok, err := s.f.Cache.Get(ctx, k)
				switch {
				case err != nil:
					t.Errorf("Get(%q): %v", k, err)
					return
				case !s.feat.EventuallyConsistent && (!ok || !bytes.Equal(got, value(w, r))):
					t.Errorf("Get(%q) right after Set = %s, %v; want %q", k, describe(got), ok, value(w, r))
				}
				if deleted(w, r) {
					if err := s.paced(func() error { return s.f.Cache.Delete(ctx, k) }, k); err != nil {
						t.Errorf("Delete(%q): %v", k, err)
						return
					}
				}
				if hammerShared {
					if err := s.f.Cache.Set(ctx, shared, value(w, r), s.ttl()); err != nil {
						t.Errorf("Set(shared): %v", err)
						return
					}
					got, ok, err := s.f.Cache.Get(ctx, shared)
					if err != nil {
						t.Errorf("Get(shared): %v", err)
						return
					}
					// Another worker may have written since, but never a torn or foreign value.
					if ok && !strings.HasPrefix(string(got), "worker ") {
						t.Errorf("Get(shared) = %s, want some worker's value", describe(got))
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for w := range workers {
		for r := range rounds {
			if deleted(w, r) {
				s.expectMiss(t, own(w, r))
			} else {
				s.expectValue(t, own(w, r), value(w, r))
			}
		}
	}
	if hammerShared {
		got, ok := s.await(t, shared, func(_ []byte, ok bool) bool { return ok })
		if !ok || !strings.HasPrefix(string(got), "worker ") {
			t.Fatalf("Get(shared) after the workers = %s, %v; want some worker's value", describe(got), ok)
		}
	}
}

func testCachePing(t *testing.T, s *cacheSuite) {
	p, ok := s.f.Cache.(ports.Pinger)
	if !ok {
		// Not every cache can be pinged; the health check then reads a key instead.
		if _, _, err := s.f.Cache.Get(t.Context(), s.key("ping")); err != nil {
			t.Fatalf("Get as a ping: %v", err)
		}
		return
	}
	if err := p.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// describe shows a value in a failure message without flooding it.
func describe(v []byte) string {
	if v == nil {
		return "nil"
	}
	if len(v) > 64 {
		return fmt.Sprintf("%d bytes starting %q", len(v), v[:32])
	}
	return fmt.Sprintf("%q", v)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:60] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}
