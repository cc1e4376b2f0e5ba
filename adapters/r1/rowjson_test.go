package r1

import (
	"math"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// appendJSON writes what encoding/json writes (without HTML escaping), byte for byte.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	values := []any{nil, 0, -1, 42, int64(math.MaxInt64), int64(math.MinInt64), "", "plain text",
		`quote " and \ backslash`, "tab\tnew\nline\rreturn", "\x00\x01\b\f\x1f\x7f", "<b>&amp;</b>",
		"Été · 東京 · 🎬", "line\u2028para\u2029end", "bad \xff utf-8", "\xe2\x80", 3.5, true,
		[]string{"a", "b"}}
	for _, v := range values {
		want, err := compactJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON([]byte("x"), v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got) != "x"+want {
			t.Errorf("%#v: %s, want x%s", v, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\u2028", "\xff", "é\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := compactJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := appendJSON(nil, s); string(got) != want {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	})
}

// The files and the lists of URLs are written as encoding/json wrote them, nil lists as [].
func TestListsAreEncodingJSON(t *testing.T) {
	strs := [][]string{nil, {}, {"udp://tracker.example:80/announce"}, {"a\"b", "bad \xff", "é\u2028"}}
	for _, list := range strs {
		want := list
		if want == nil {
			want = []string{}
		}
		w, _ := compactJSON(want)
		if got, err := stringsJSONOf(list); err != nil || got != w {
			t.Errorf("%q: %s %v, want %s", list, got, err, w)
		}
	}
	for _, files := range [][]domain.File{nil, {}, {{Path: "a/b.mkv", Size: 1}}, {{Path: "Subs/\"x\"\t.srt", Size: 0}, {Path: "\xfe", Size: math.MaxInt64}}} {
		js := make([]fileJSON, len(files))
		for i, f := range files {
			js[i] = fileJSON(f)
		}
		w, _ := compactJSON(js)
		if got, err := filesJSONOf(files); err != nil || got != w {
			t.Errorf("%v: %s %v, want %s", files, got, err, w)
		}
	}
}

// A bulk call's rows are made on every core; each refused torrent is still named by its index,
// and the others' rows are the ones made one by one.
func TestRowsOfABulkCallAreTheRowsOneByOne(t *testing.T) {
	torrents := make([]domain.Torrent, 2*encodeInParallel+3)
	for i := range torrents {
		torrents[i] = newTorrent(t, i)
	}
	for _, bad := range []int{0, encodeInParallel + 1, len(torrents) - 1} {
		torrents[bad].Name = "bad \xff name"
	}
	rows, rejected := upsertRows(torrents, rowsAsText)
	if len(rejected) != 3 || rejected[0].Field != "name" || rejected[encodeInParallel+1].Field != "name" || rejected[len(torrents)-1].Field != "name" {
		t.Fatalf("rejected: %v", rejected)
	}
	for i, tor := range torrents {
		if _, bad := rejected[i]; bad {
			continue
		}
		one, problem := newUpsertRow(tor, rowsAsText)
		if problem != nil || string(rows[i].json) != string(one.json) || rows[i].hash != one.hash {
			t.Fatalf("row %d: %s, want %s (%v)", i, rows[i].json, one.json, problem)
		}
	}
}

// The release column is written as encoding/json wrote releaseJSON, byte for byte: every member
// alone and all together, empty ones left out, escapes and invalid UTF-8 as encoding/json has them.
func TestReleaseJSONIsEncodingJSON(t *testing.T) {
	full := domain.Release{Title: `The "Title" \ Été`, Year: 1999, Seasons: []int{1, 2, 3}, Episodes: []int{4},
		AirDate: "2024-01-05", Resolution: "1080p", Source: "WEB-DL", Codec: "H.264", HDR: "DV HDR10",
		Audio: "DD+ 5.1", Group: "GRP\u2028x", CompleteSeason: true}
	releases := []domain.Release{{}, full, {Title: "bad \xff utf-8"}, {Seasons: []int{}}, {Year: -5, Episodes: []int{0, 10}},
		{Group: "\x00\x1f<&>"}}
	for _, set := range []func(*domain.Release){
		func(r *domain.Release) { r.Title = full.Title }, func(r *domain.Release) { r.Year = full.Year },
		func(r *domain.Release) { r.Seasons = full.Seasons }, func(r *domain.Release) { r.Episodes = full.Episodes },
		func(r *domain.Release) { r.AirDate = full.AirDate }, func(r *domain.Release) { r.Resolution = full.Resolution },
		func(r *domain.Release) { r.Source = full.Source }, func(r *domain.Release) { r.Codec = full.Codec },
		func(r *domain.Release) { r.HDR = full.HDR }, func(r *domain.Release) { r.Audio = full.Audio },
		func(r *domain.Release) { r.Group = full.Group }, func(r *domain.Release) { r.CompleteSeason = true },
	} {
		var r domain.Release
		set(&r)
		releases = append(releases, r)
	}
	for _, name := range []string{"Show.S01E02.1080p.WEB-DL.DDP5.1.H.264-GRP", "Movie (2021) 2160p UHD BluRay Remux HDR10 TrueHD Atmos 7.1",
		"Daily.Show.2024.01.05.720p.HDTV.x264", "Series.S01-S03.Complete.480p", "Album - Artist [FLAC]"} {
		releases = append(releases, domain.ParseRelease(name))
	}
	for _, r := range releases {
		want, err := compactJSON(releaseJSON(r))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := encodeRelease(r); err != nil || got != want {
			t.Errorf("%+v: %s %v, want %s", r, got, err, want)
		}
	}
}
