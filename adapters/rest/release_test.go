package rest_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// What a release name says, the external ids, the web seeds and the files' media types travel from
// ingest to search and details.
func TestReleaseIDsWebSeedsAndMediaTypes(t *testing.T) {
	h := newHarness(t)
	magnet := "magnet:?xt=urn:btih:" + strings.Repeat("ab", 20) + "&ws=" + url.QueryEscape("https://seed.example.org/m/")
	r := h.ingest(`{"torrents":[{"magnet":"` + magnet + `","name":"The.Matrix.1999.1080p.BluRay.x264-SPARKS",
		"imdbId":"0133093","tmdbId":603,"webSeeds":["http://seed.example.net/m/"],
		"files":[{"path":"m/sample.mkv","size":5},{"path":"m/movie.mp4","size":100},{"path":"m/movie.srt","size":1}]},
		{"infoHash":"` + strings.Repeat("cd", 20) + `","name":"x","imdbId":"nm12"},
		{"infoHash":"` + strings.Repeat("ef", 20) + `","name":"y","webSeeds":["ftp://seed.example.org/"]}]}`)
	if r.status != 200 {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	report := r.json(t)
	results := report["results"].([]any)
	for i, field := range map[int]string{1: "imdbId", 2: "webSeeds[0]"} {
		res := results[i].(map[string]any)
		if res["status"] != "failed" || res["error"].(map[string]any)["field"] != field {
			t.Errorf("item %d: %v, want failed on %s", i, res, field)
		}
	}
	d := h.get("/api/torrents/" + strings.Repeat("ab", 20))
	if d.status != 200 {
		t.Fatalf("details: %d %s", d.status, d.body)
	}
	doc := d.json(t)
	release := doc["release"].(map[string]any)
	assertKeys(t, "release", release, "title", "year", "resolution", "source", "codec", "group")
	if release["title"] != "The Matrix" || release["year"] != 1999.0 || release["resolution"] != "1080p" ||
		release["source"] != "BluRay" || release["codec"] != "H.264" || release["group"] != "SPARKS" {
		t.Errorf("release %v", release)
	}
	if doc["imdbId"] != "tt0133093" || doc["tmdbId"] != 603.0 || doc["tvdbId"] != nil {
		t.Errorf("ids %v %v %v", doc["imdbId"], doc["tmdbId"], doc["tvdbId"])
	}
	seeds := doc["webSeeds"].([]any)
	if len(seeds) != 2 || seeds[0] != "http://seed.example.net/m/" || seeds[1] != "https://seed.example.org/m/" {
		t.Errorf("webSeeds %v", seeds)
	}
	if m := doc["magnet"].(string); !strings.Contains(m, "&ws="+url.QueryEscape("http://seed.example.net/m/")) ||
		!strings.Contains(m, "&ws="+url.QueryEscape("https://seed.example.org/m/")) {
		t.Errorf("magnet without its web seeds: %s", m)
	}
	var types []string
	var playable []bool
	for _, f := range doc["files"].([]any) {
		file := f.(map[string]any)
		types = append(types, file["mediaType"].(string))
		playable = append(playable, file["playable"].(bool))
	}
	if !slices.Equal(types, []string{"video/x-matroska", "video/mp4", "application/x-subrip"}) ||
		!slices.Equal(playable, []bool{false, true, false}) {
		t.Errorf("files %v %v", types, playable)
	}
	if doc["mainFile"] != 1.0 {
		t.Errorf("mainFile %v, want 1 (the playable one)", doc["mainFile"])
	}
	// The summary in search carries the same.
	s := h.get("/api/torrents/search?q=matrix")
	item := items(t, s.json(t))[0]
	if item["imdbId"] != "tt0133093" || item["release"].(map[string]any)["year"] != 1999.0 {
		t.Errorf("search item %v", item)
	}
	// A season pack says its seasons, and an episode its episodes.
	h.ingest(`{"torrents":[{"infoHash":"` + strings.Repeat("12", 20) + `","name":"Show.S01-S03.1080p.WEB-DL"},
		{"infoHash":"` + strings.Repeat("34", 20) + `","name":"Show.S04E01-E02.720p.HDTV","tvdbId":81189}]}`)
	pack := h.get("/api/torrents/" + strings.Repeat("12", 20)).json(t)["release"].(map[string]any)
	if pack["season"] != 1.0 || len(pack["seasons"].([]any)) != 3 || pack["completeSeason"] != true || pack["episodes"] != nil {
		t.Errorf("pack %v", pack)
	}
	ep := h.get("/api/torrents/" + strings.Repeat("34", 20)).json(t)
	if rel := ep["release"].(map[string]any); rel["season"] != 4.0 || len(rel["episodes"].([]any)) != 2 || rel["seasons"] != nil {
		t.Errorf("episode %v", rel)
	}
	if ep["tvdbId"] != 81189.0 {
		t.Errorf("tvdbId %v", ep["tvdbId"])
	}
}

func TestSearchReleaseFilters(t *testing.T) {
	h := newHarness(t)
	h.ingest(`{"torrents":[
		{"infoHash":"` + strings.Repeat("a1", 20) + `","name":"Show.S01E01.720p.HDTV","category":"tv","tvdbId":81189},
		{"infoHash":"` + strings.Repeat("a2", 20) + `","name":"Show.S01E02.1080p.WEB-DL","category":"tv","tvdbId":81189},
		{"infoHash":"` + strings.Repeat("a3", 20) + `","name":"Show.S02.2160p.WEB-DL","category":"tv","tvdbId":81189},
		{"infoHash":"` + strings.Repeat("a4", 20) + `","name":"Film.2019.1080p.BluRay","category":"movies","imdbId":"tt0000042","tmdbId":7},
		{"infoHash":"` + strings.Repeat("a5", 20) + `","name":"Newsreel.2024.05.01.WEB","category":"tv"},
		{"infoHash":"` + strings.Repeat("a6", 20) + `","name":"Newsreel.2024.06.02.WEB","category":"tv"}]}`)
	for query, want := range map[string][]string{
		"season=1":                        {"Show.S01E02.1080p.WEB-DL", "Show.S01E01.720p.HDTV"},
		"season=1&episode=2":              {"Show.S01E02.1080p.WEB-DL"},
		"season=2":                        {"Show.S02.2160p.WEB-DL"},
		"year=2019":                       {"Film.2019.1080p.BluRay"},
		"resolution=1080p":                {"Show.S01E02.1080p.WEB-DL", "Film.2019.1080p.BluRay"},
		"resolution=720p,2160p":           {"Show.S02.2160p.WEB-DL", "Show.S01E01.720p.HDTV"},
		"imdbId=42":                       {"Film.2019.1080p.BluRay"},
		"tmdbId=7":                        {"Film.2019.1080p.BluRay"},
		"tvdbId=81189&season=1&episode=1": {"Show.S01E01.720p.HDTV"},
		"q=show&season=2":                 {"Show.S02.2160p.WEB-DL"},
		"tvdbId=1":                        nil,
		"resolution=unknown":              {"Newsreel.2024.06.02.WEB", "Newsreel.2024.05.01.WEB"},
		"resolution=unknown,720p":         {"Show.S01E01.720p.HDTV", "Newsreel.2024.06.02.WEB", "Newsreel.2024.05.01.WEB"},
		"airDate=2024-05-01":              {"Newsreel.2024.05.01.WEB"},
		"airDate=2024-06":                 {"Newsreel.2024.06.02.WEB"},
		"airDate=2024":                    {"Newsreel.2024.06.02.WEB", "Newsreel.2024.05.01.WEB"},
		"airDate=2023":                    nil,
		"season=2024":                     {"Newsreel.2024.06.02.WEB", "Newsreel.2024.05.01.WEB"},
	} {
		r := h.get("/api/torrents/search?sort=name&order=desc&" + query)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		if got := names(items(t, r.json(t))); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
	for query, field := range map[string]string{
		"season=x": "season", "episode=-1": "episode", "year=1066": "year", "resolution=999p": "resolution",
		"imdbId=nm0000001": "imdbId", "tmdbId=abc": "tmdbId", "tvdbId=0x1": "tvdbId", "season=1&season=2": "season",
		"airDate=2024-13-01": "airDate", "airDate=05/01": "airDate", "airDate=2024&airDate=2023": "airDate",
	} {
		errs := expectProblem(t, h.get("/api/torrents/search?"+query), 400, "validation_failed")
		if fields := fieldsOf(errs); len(fields) == 0 || fields[0] != field {
			t.Errorf("%s: errors name %v, want %s", query, fields, field)
		}
	}
}
