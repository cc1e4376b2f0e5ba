package soak

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// words are the vocabulary of torrent names; the soak's search texts draw from the same words, so
// common words are common in both.
var words = strings.Fields(`the last night city river dark blue red king queen star war love house
	ghost empire north winter summer secret silent lost return legend island storm fire ice shadow
	story world space planet ocean mountain road home dream heart iron golden black white wild
	sintel bunny elephants dream tears steel spring cosmos agent hunter doctor garden machine
	future past signal echo orbit harbor valley forest desert canyon bridge tower castle`)

var (
	resolutions = []string{"720p", "1080p", "2160p", "480p"}
	codecs      = []string{"x264", "x265", "HEVC", "AV1"}
	groups      = []string{"GRP", "NTb", "FLUX", "SPARKS", "YIFY", "RARBG"}
	categories  = []string{"movies", "tv", "music", "games", "software", "anime", "books", "other"}
)

// torrent is one ingest item as the soak sent it, kept to check what the service serves after.
type torrent struct {
	InfoHash    string   `json:"infoHash"`
	Name        string   `json:"name"`
	Size        int64    `json:"size"`
	Category    string   `json:"category"`
	Seeders     int64    `json:"seeders"`
	Leechers    int64    `json:"leechers"`
	UploadedAt  string   `json:"uploadedAt"`
	Description string   `json:"description"`
	Files       []file   `json:"files"`
	Trackers    []string `json:"trackers"`
}

type file struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// newTorrent is torrent number n of a run (its info hash depends on the run's seed and n).
func newTorrent(seed uint64, n int, rng *rand.Rand, zipf *rand.Zipf) torrent {
	sum := sha1.Sum([]byte(fmt.Sprintf("soak-%d-%d", seed, n)))
	title := make([]string, 1+rng.IntN(4))
	for i := range title {
		title[i] = words[zipf.Uint64()%uint64(len(words))]
	}
	t := torrent{
		InfoHash: hex.EncodeToString(sum[:]),
		Name: fmt.Sprintf("%s %d %s %s-%s", strings.Join(title, " "), 1990+rng.IntN(36),
			resolutions[rng.IntN(len(resolutions))], codecs[rng.IntN(len(codecs))], groups[rng.IntN(len(groups))]),
		Category:    categories[rng.IntN(len(categories))],
		UploadedAt:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(300*24)) * time.Hour).Format(time.RFC3339),
		Description: "soak torrent " + strconv.Itoa(n),
		Trackers:    []string{"udp://tracker.example.org:1337/announce"},
	}
	retouch(&t, rng)
	return t
}

// retouch changes what an update changes: swarm counts, the files and their sizes.
func retouch(t *torrent, rng *rand.Rand) {
	t.Seeders, t.Leechers = int64(rng.IntN(5000)), int64(rng.IntN(500))
	t.Files = make([]file, 1+rng.IntN(6))
	t.Size = 0
	for i := range t.Files {
		t.Files[i] = file{Path: fmt.Sprintf("%s/part-%02d.mkv", strings.ReplaceAll(t.Name, " ", "."), i), Size: int64(1+rng.IntN(1<<20)) * 1024}
		t.Size += t.Files[i].Size
	}
}

// searchTexts are what clients type, most common first (a Zipf draw picks them): single words,
// pairs, prefixes, release tags, and the hostile texts people and scanners send.
func searchTexts() []string {
	texts := []string{}
	for i, w := range words {
		texts = append(texts, w)
		if i+1 < len(words) {
			texts = append(texts, w+" "+words[i+1])
		}
		if len(w) > 4 {
			texts = append(texts, w[:3])
		}
	}
	texts = append(texts, "1080p", "x265 2160p", "sintel 2010", "the", "a", "")
	hostile := []string{`"`, `"unterminated`, `*`, `NEAR(a b)`, `a AND OR NOT b`, `'; DROP TABLE torrents; --`,
		`title:"x"`, `^start`, `-minus`, `(((`, `🙂 émoji ünïcode`, "tab\there", `%00`, `\`, `{"json":1}`,
		strings.Repeat("x", 200), strings.Repeat("ab ", 66), strings.Repeat("a", 201), `<script>alert(1)</script>`}
	return append(texts, hostile...)
}
