package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// goldenDigests pin each corpus as the code of session 9 made it (`e424e0f`): the SHA-256 of
// the JSON of its torrents [0, 4000) and of a few far ones, seed 1, arrival dates over 1,000,000.
// Making the corpus cheaper must not change a byte of it: the figures of every session are of
// the same torrents.
var goldenDigests = map[Shape]string{
	ShapeZipf: "a9c78bbfb5a94b098fe2f79bfbfe61f58a8d897185d1d517e2aaa07dca65570c",
	ShapeFlat: "6a8f7b42810b215f37b00dbbef701ff25f2e2c2aeeb8958f52e41caf3f798be1",
	ShapeTags: "0a6ff81412ac1939ea56450573bbbd1ecb807a1b3604cc83fd5ee3c0b4e2bd74",
}

// goldenFar are torrents far into a million-torrent run (late arrival dates, large ids).
var goldenFar = []int{99_999, 500_000, 999_999, 1_000_000, 1_234_567}

func goldenDigest(t testing.TB, c *Corpus) string {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, item := range c.Batch(0, 4000) {
		if err := enc.Encode(item); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range goldenFar {
		if err := enc.Encode(c.Item(i)); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestTheCorpusIsTheOneEverySessionMeasured(t *testing.T) {
	for _, shape := range Shapes {
		got := goldenDigest(t, NewShapedCorpus(1, shape).WithDates(DatesArrival, defaultArrivals))
		if got != goldenDigests[shape] {
			t.Errorf("the %s corpus changed: digest %s, want %s", shape, got, goldenDigests[shape])
		}
	}
}

func BenchmarkCorpusBatch(b *testing.B) {
	for _, shape := range Shapes {
		b.Run(string(shape), func(b *testing.B) {
			c := NewShapedCorpus(1, shape)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Batch(i, 100)
				i += 100
			}
		})
	}
}

// The guide table only narrows the search: every draw gets the rank a search of all the weights
// gives, at the buckets' edges too.
func TestAWordsRankIsTheOneASearchOfAllTheWeightsGives(t *testing.T) {
	for _, shape := range Shapes {
		c := NewShapedCorpus(1, shape)
		want := func(u float64) int {
			i, _ := slices.BinarySearch(c.cdf, u)
			return min(i, len(c.words)-1)
		}
		draws := []float64{0, math.Nextafter(1, 0)}
		for k := 1; k < guideBuckets; k++ {
			edge := float64(k) / guideBuckets
			draws = append(draws, edge, math.Nextafter(edge, 0), math.Nextafter(edge, 1))
		}
		for _, w := range c.cdf {
			draws = append(draws, w, math.Nextafter(w, 0), math.Nextafter(w, 1))
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range 100_000 {
			draws = append(draws, r.Float64())
		}
		for _, u := range draws {
			if u < 0 || u >= 1 {
				continue
			}
			if got, want := c.rankOf(u), want(u); got != want {
				t.Fatalf("%s corpus: the draw %v has rank %d; a search of all the weights gives %d", shape, u, got, want)
			}
		}
	}
}
