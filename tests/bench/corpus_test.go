package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

func corpusDigest(t *testing.T, c *Corpus, n int) string {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, item := range c.Batch(0, n) {
		if err := enc.Encode(item); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestSameSeedSameCorpus(t *testing.T) {
	a, b := corpusDigest(t, NewCorpus(7), 3000), corpusDigest(t, NewCorpus(7), 3000)
	if a != b {
		t.Fatal("two corpora of one seed differ")
	}
	if corpusDigest(t, NewCorpus(8), 3000) == a {
		t.Fatal("two seeds made the same corpus")
	}
	// Torrent i does not depend on the ones before it: a larger run starts with a smaller one.
	c := NewCorpus(7)
	for _, i := range []int{0, 17, 2999} {
		x, _ := json.Marshal(c.Item(i))
		y, _ := json.Marshal(NewCorpus(7).Batch(i, 1)[0])
		if string(x) != string(y) {
			t.Fatalf("torrent %d differs when made alone", i)
		}
	}
}

// The corpus has the shape the benchmark promises, and every torrent is one the catalog accepts.
func TestCorpusShape(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch, and 30 s of a fresh CI run under it; make test runs it without the detector")
	}
	const n = 20000
	c := NewCorpus(1).WithDates(DatesArrival, n)
	cats := map[string]int{}
	hashes := map[string]bool{}
	minFiles, maxFiles, dead, popular := 1<<30, 0, 0, 0
	var first, last time.Time
	words := map[string]int{}
	for i := range n {
		item := c.Item(i)
		cats[item.Category]++
		if hashes[item.InfoHash] {
			t.Fatalf("torrent %d repeats an info hash", i)
		}
		hashes[item.InfoHash] = true
		minFiles, maxFiles = min(minFiles, len(item.Files)), max(maxFiles, len(item.Files))
		if item.Seeders == 0 {
			dead++
		}
		if item.Seeders >= 1000 {
			popular++
		}
		if first.IsZero() || item.UploadedAt.Before(first) {
			first = item.UploadedAt
		}
		if item.UploadedAt.After(last) {
			last = item.UploadedAt
		}
		for _, w := range domain.Tokenize(item.Name) {
			words[w]++
		}
		tor := domain.Torrent{
			InfoHash: mustHash(t, item.InfoHash), Name: item.Name, Category: domain.CategoryRef{Slug: item.Category},
			Seeders: item.Seeders, Leechers: item.Leechers, UploadedAt: item.UploadedAt, Files: item.Files, Trackers: item.Trackers,
			Description: item.Description,
		}
		if err := tor.Normalize(time.Now()); err != nil {
			t.Fatalf("torrent %d (%q) is refused: %v", i, item.Name, err)
		}
	}
	if len(cats) != 8 {
		t.Errorf("categories: %v", cats)
	}
	if minFiles != 1 || maxFiles != 40 {
		t.Errorf("files per torrent from %d to %d, want 1 to 40", minFiles, maxFiles)
	}
	if span := last.Sub(first); span < 14*365*24*time.Hour {
		t.Errorf("upload dates span %v", span)
	}
	if dead < n/10 || popular == 0 || popular > n/50 {
		t.Errorf("seeders are not heavy-tailed: %d dead, %d with 1000 or more", dead, popular)
	}
	// A few words are in a large share of the names (the hard case for ranking), most are rare.
	if words["1080p"] < n/5 || words["the"] < n/20 {
		t.Errorf("common words: 1080p in %d, the in %d of %d names", words["1080p"], words["the"], n)
	}
	rare := 0
	for _, k := range words {
		if k <= 3 {
			rare++
		}
	}
	if rare < len(words)/3 {
		t.Errorf("%d of %d words are rare", rare, len(words))
	}
	t.Logf("categories %v; words: %d distinct; 'the' %d, '1080p' %d; sample: %s", cats, len(words), words["the"], words["1080p"],
		strings.Join([]string{c.Item(0).Name, c.Item(1).Name, c.Item(2).Name, c.Item(3).Name}, " | "))
}

func mustHash(t *testing.T, s string) domain.InfoHash {
	t.Helper()
	h, err := domain.ParseInfoHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The searches REST and Torznab are compared on are distinct (none is answered from a cache an
// earlier one filled), as many as asked, and the other queries do not depend on how many.
func TestComparedSearchesAreDistinct(t *testing.T) {
	corpus, repo := NewCorpus(3), memory.NewCatalog(ports.SystemClock{}).Torrents()
	few, many := buildQueries(t.Context(), corpus, repo, 3000, 20, 30, 1), buildQueries(t.Context(), corpus, repo, 3000, 20, 300, 1)
	if len(many.compare) != 300 || len(few.compare) != 30 {
		t.Fatalf("%d and %d searches, want 300 and 30", len(many.compare), len(few.compare))
	}
	seen := map[string]bool{}
	for _, w := range many.compare {
		if seen[w] || w == "" || strings.Contains(w, " ") {
			t.Fatalf("%q: repeated or not one word", w)
		}
		seen[w] = true
	}
	if !slices.Equal(few.compare, many.compare[:30]) || !slices.Equal(few.latest, many.latest) || !slices.Equal(few.details, many.details) {
		t.Fatal("the other queries changed with the number compared")
	}
}

// Under DatesArrival a torrent's date follows its arrival: most are within days of the torrents
// around them, a tenth are older ones found late; under DatesRandom they follow nothing. Either
// way the torrents differ in their dates alone, and both laws put about as many torrents in a
// period (the torrents found late move a few of the dates earlier).
func TestDatesFollowArrival(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch, and 7 s of the race run; make test runs it without the detector")
	}
	const n = 20000
	arrival, random := NewCorpus(1).WithDates(DatesArrival, n), NewCorpus(1).WithDates(DatesRandom, n)
	near, late, recentA, recentR := 0, 0, 0, 0
	recent := corpusEnd.AddDate(-2, 0, 0)
	for i := range n {
		a, r := arrival.Item(i), random.Item(i)
		if a.UploadedAt.Before(corpusStart) || a.UploadedAt.After(corpusEnd) {
			t.Fatalf("torrent %d: date %v outside the corpus's years", i, a.UploadedAt)
		}
		if !a.UploadedAt.Equal(arrival.arrivalDate(i)) {
			t.Fatalf("torrent %d: the date made alone differs", i)
		}
		a.UploadedAt, r.UploadedAt = time.Time{}, time.Time{}
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(r)
		if string(x) != string(y) {
			t.Fatalf("torrent %d differs in more than its date under the two laws", i)
		}
		due := corpusStart.Add(time.Duration(math.Sqrt((float64(i)+0.5)/n) * float64(corpusEnd.Sub(corpusStart))))
		if d := due.Sub(arrival.arrivalDate(i)); d >= 0 && d < 7*24*time.Hour {
			near++
		} else if d >= 7*24*time.Hour {
			late++
		}
		if arrival.arrivalDate(i).After(recent) {
			recentA++
		}
		if random.Item(i).UploadedAt.After(recent) {
			recentR++
		}
	}
	if near < n*85/100 || late > n*12/100 || late < n*5/100 {
		t.Errorf("arrival law: %d of %d within a week of their arrival, %d older", near, n, late)
	}
	if diff := recentA - recentR; diff < -recentR/8 || diff > recentR/8 {
		t.Errorf("the last two years hold %d torrents under the arrival law, %d under the random one", recentA, recentR)
	}
}
