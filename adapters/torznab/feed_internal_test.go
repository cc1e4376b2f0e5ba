package torznab

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

func BenchmarkFeed100(b *testing.B) {
	cats := newCategoryMap(nil)
	items := make([]domain.TorrentSummary, 100)
	for i := range items {
		items[i] = domain.TorrentSummary{ID: int64(i + 1), Name: fmt.Sprintf("Some.Show.S01E%02d.1080p.WEB-DL.x264-GRP", i),
			Size: 1 << 30, Category: domain.CategoryRef{Slug: "tv"}, Seeders: 10, Leechers: 2, UploadedAt: time.Now(),
			Trackers: []string{"udp://tracker.example.org:1337/announce", "https://tracker.example.net/announce"},
			Release:  domain.ParseRelease(fmt.Sprintf("Some.Show.S01E%02d.1080p.WEB-DL.x264-GRP", i)), FileCount: 3}
	}
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc := rssDoc{}
			for _, t := range items {
				doc.Channel.Items = append(doc.Channel.Items, itemOf(t, "http://127.0.0.1:8080", cats, nil))
			}
			var buf bytes.Buffer
			writeFeed(&buf, &doc)
		}
	})
	for _, kept := range []int64{0, fragmentBytes} {
		name := map[bool]string{true: "kept", false: "written"}[kept > 0]
		b.Run(name, func(b *testing.B) {
			frags := newFragmentCache(kept)
			b.ReportAllocs()
			for b.Loop() {
				buf := appendFeedHead(make([]byte, 0, 1024+2048*len(items)), "streamer", "http://127.0.0.1:8080", 0, 100)
				buf = appendItems(buf, frags, items, "http://127.0.0.1:8080", nil, cats)
				_ = append(buf, feedTail...)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", `a&b<c>d"e'f`: "a&amp;b&lt;c&gt;d&#34;e&#39;f", "tab\tnl\ncr\r": "tab&#x9;nl&#xA;cr&#xD;",
		"bell\x07": "bell\uFFFD", "Été ★": "Été ★", "": "",
	} {
		var b bytes.Buffer
		escape(&b, in)
		if b.String() != want {
			t.Errorf("escape(%q) = %q, want %q", in, b.String(), want)
		}
	}
}

// A page of torrents with many trackers (long magnets, three times an item) is grown once, after
// its first item, instead of doubling and copying itself as it is written.
func TestAPageOfLongMagnetsGrowsOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("counts allocations, which the race detector adds to: make test runs it without the detector")
	}
	cats := newCategoryMap(nil)
	trackers := make([]string, 20)
	for i := range trackers {
		trackers[i] = fmt.Sprintf("udp://tracker%d.example.org:1337/announce", i)
	}
	items := make([]domain.TorrentSummary, 100)
	for i := range items {
		items[i] = domain.TorrentSummary{ID: int64(i + 1), Name: fmt.Sprintf("Some.Show.S01E%02d.1080p.WEB-DL.x264-GRP", i),
			Size: 1 << 30, Category: domain.CategoryRef{Slug: "tv"}, Seeders: 10, UploadedAt: time.Now(), Trackers: trackers}
	}
	var page []byte
	allocs := testing.AllocsPerRun(5, func() {
		page = appendItems(make([]byte, 0, 1024+2048*len(items)), nil, items, "http://h", nil, cats)
	})
	if len(page) <= 2048*len(items) {
		t.Fatalf("a page of %d bytes: not long enough to need growing", len(page))
	}
	// 3: the page made, grown once after its first item, and one more; doubling as it went, 6.
	if allocs > 3 {
		t.Errorf("%.0f allocations writing a page of %d items, want at most 3", allocs, len(items))
	}
}
