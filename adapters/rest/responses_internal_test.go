package rest

import (
	"crypto/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
)

// REST's kept answers stay within their bytes, counted as kept (compressed), however many large
// answers are written; before, only their count was bounded (512 of up to 256 KiB: 128 MiB).
func TestKeptResponsesStayWithinTheirBytes(t *testing.T) {
	r := newResponseCache(false)
	random := make([]byte, 200<<10)
	_, _ = rand.Read(random)
	body := gzipped.Compress(random) // incompressible: kept as large as written
	for i := range 300 {
		r.put("/api/torrents/search?q="+strconv.Itoa(i), &cachedResponse{body: gzipped.Kept{Body: body}, contentType: "application/json", expires: time.Now().Add(time.Second)})
		if r.bytes > responseBytes {
			t.Fatalf("after %d answers the kept bytes are %d, over %d", i+1, r.bytes, responseBytes)
		}
	}
	if r.entries.Len() < responseBytes/(210<<10) {
		t.Fatalf("only %d answers kept", r.entries.Len())
	}
	r.put("/api/torrents/search?q=299", &cachedResponse{body: gzipped.Kept{Body: body}}) // replacing an entry counts once
	if r.bytes > responseBytes {
		t.Fatalf("%d bytes after a replacement", r.bytes)
	}
	r.purge()
	if r.bytes != 0 {
		t.Fatalf("%d bytes counted after a purge", r.bytes)
	}
	// A compressible page weighs its compressed bytes.
	page := []byte(strings.Repeat(`{"name":"Some.Show.S01E01.1080p.WEB-DL","magnet":"magnet:?xt=urn:btih:0123"},`, 800))
	kept := gzipped.Compress(page)
	r.put("/page", &cachedResponse{body: gzipped.Kept{Body: kept}, contentType: "application/json"})
	if !kept.Gzipped() || r.bytes != responseWeight(&cachedResponse{key: "/page", body: gzipped.Kept{Body: kept}, contentType: "application/json"}) || r.bytes > int64(len(page))/10 {
		t.Fatalf("%d bytes counted for a page of %d kept as %d", r.bytes, len(page), kept.Size())
	}
}

// The plain bytes kept for clients that do not accept gzip count in the bound too: inflating every
// kept answer does not take the cache past its bytes.
func TestPlainCopiesOfKeptResponsesStayWithinTheirBytes(t *testing.T) {
	r := newResponseCache(false)
	page := []byte(strings.Repeat(`{"name":"Some.Show.S01E01.1080p.WEB-DL","magnet":"magnet:?xt=urn:btih:0123"},`, 2000))
	for i := range 300 {
		key := "/api/torrents/search?q=" + strconv.Itoa(i)
		kept := gzipped.Compress(page)
		r.put(key, &cachedResponse{body: gzipped.Kept{Body: kept}, contentType: "application/json", expires: time.Now().Add(time.Second)})
		hit, ok := r.get([]byte(key), time.Now())
		if !ok || hit.plainBytes != 0 {
			t.Fatalf("entry %d: found %v, plain counted before a plain client asked: %d", i, ok, hit.plainBytes)
		}
		got, err := r.plain([]byte(key), hit)
		if err != nil || string(got) != string(page) {
			t.Fatalf("entry %d inflated to %d bytes, %v", i, len(got), err)
		}
		if again, _ := r.plain([]byte(key), hit); &again[0] != &got[0] {
			t.Fatalf("entry %d: the plain bytes are not kept", i)
		}
		if hit, ok := r.get([]byte(key), time.Now()); ok && hit.plainBytes != len(page) {
			t.Fatalf("entry %d: the plain bytes are not counted (%d)", i, hit.plainBytes)
		}
		if r.bytes > responseBytes {
			t.Fatalf("after %d answers inflated the kept bytes are %d, over %d", i+1, r.bytes, responseBytes)
		}
	}
	// An entry replaced between a plain client's lookup and its inflate: the client gets the answer
	// it found, and its plain copy, which no entry holds, is not counted.
	r.put("/replaced", &cachedResponse{body: gzipped.Kept{Body: gzipped.Compress(page)}, expires: time.Now().Add(time.Second)})
	old, _ := r.get([]byte("/replaced"), time.Now())
	r.put("/replaced", &cachedResponse{body: gzipped.Kept{Body: gzipped.Compress(page[1:])}, expires: time.Now().Add(time.Second)})
	if got, err := r.plain([]byte("/replaced"), old); err != nil || string(got) != string(page) {
		t.Fatalf("the client was sent %d bytes of another answer, %v", len(got), err)
	}
	var sum int64
	for _, e := range r.entries.Values() {
		sum += responseWeight(e)
	}
	if sum != r.bytes {
		t.Fatalf("the entries weigh %d, %d counted", sum, r.bytes)
	}
	r.purge()
	if r.bytes != 0 {
		t.Fatalf("%d bytes counted after a purge", r.bytes)
	}
}
