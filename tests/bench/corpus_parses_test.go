package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// goldenCorpusParses pin what domain.ParseRelease reads from the names of each corpus (torrents
// [0, 20000) and 4,000 from half a million on, seed 1) as parser version 2 first read them, at
// 2803977: the bulk load's parses must not change when the parser gets cheaper. A parser that means
// to read names differently bumps domain.ReleaseParserVersion and these digests with it.
var goldenCorpusParses = map[Shape]string{
	ShapeZipf: "ff7bfdad01fd1f3339458b058bdd7ae2a4652307ac69bdabf5da0491eeab8d49",
	ShapeFlat: "ded2ed2008a246617eb0024309190a09c6c3fd98543836367308f62ab94edadc",
	ShapeTags: "20cbe395f7cccc1e0328e3c7c4d0f504eb818fad7c2e826d3dd15fc69712bd06",
}

func TestTheCorpusNamesParseAsParserVersion2ReadThem(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch, and 9 s of the race run (1 without); make test runs it without the detector")
	}
	if domain.ReleaseParserVersion != 2 {
		t.Fatalf("ReleaseParserVersion %d: pin the parses of the new version here", domain.ReleaseParserVersion)
	}
	for _, shape := range Shapes {
		c := NewShapedCorpus(1, shape)
		h := sha256.New()
		enc := json.NewEncoder(h)
		for _, batch := range [][2]int{{0, 20_000}, {500_000, 4_000}} {
			for _, item := range c.Batch(batch[0], batch[1]) {
				if err := enc.Encode([]any{item.Name, domain.ParseRelease(item.Name)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != goldenCorpusParses[shape] {
			t.Errorf("the parses of the %s corpus's names changed: digest %s, want %s", shape, got, goldenCorpusParses[shape])
		}
	}
}
