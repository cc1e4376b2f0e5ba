package gzipped_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
)

// Plain clients that ask for a kept answer at once share one inflate: each gets the same bytes, and
// only one of them reports the plain copy's bytes, so a cache's bound counts them once.
func TestAKeptBodyIsInflatedOnceForConcurrentCallers(t *testing.T) {
	page := []byte(strings.Repeat("<item><title>Some.Show.S01E01.1080p.WEB-DL.x264-GRP</title></item>\n", 1000))
	k := &gzipped.Kept{Body: gzipped.Compress(page)}
	if !k.Gzipped() {
		t.Fatal("the page is not kept compressed: the test needs a larger page")
	}
	const callers = 16
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		plains [callers][]byte
		grew   [callers]int
	)
	for i := range callers {
		wg.Go(func() {
			<-start
			var err error
			if plains[i], grew[i], err = k.Plain(); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range callers {
		total += grew[i]
		if !bytes.Equal(plains[i], page) || &plains[i][0] != &plains[0][0] {
			t.Fatalf("caller %d got %d bytes of another inflate (or another answer)", i, len(plains[i]))
		}
	}
	if total != len(page) {
		t.Fatalf("the callers reported %d bytes grown in all, the plain copy has %d", total, len(page))
	}
	if again, n, _ := k.Plain(); n != 0 || &again[0] != &plains[0][0] {
		t.Fatalf("a later call reported %d bytes grown, or inflated again", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = k.Plain() }); n != 0 {
		t.Fatalf("%v allocations to read the kept plain copy", n)
	}
}

// A body kept plain (under a KiB) is its own plain bytes: nothing is inflated, nothing grows.
func TestAKeptPlainBodyReportsNothing(t *testing.T) {
	k := &gzipped.Kept{Body: gzipped.Compress([]byte(`{"items":[]}`))}
	for range 2 {
		plain, grew, err := k.Plain()
		if err != nil || string(plain) != `{"items":[]}` || grew != 0 {
			t.Fatalf("%q, grew %d, %v", plain, grew, err)
		}
	}
	var empty gzipped.Kept
	if plain, grew, err := empty.Plain(); len(plain) != 0 || grew != 0 || err != nil {
		t.Fatalf("the zero Kept: %q, grew %d, %v", plain, grew, err)
	}
}
