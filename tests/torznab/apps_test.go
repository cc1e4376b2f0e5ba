package torznab_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/adapters/torznab"
)

// The capabilities as Sonarr's and Prowlarr's readers take them: limits with default and max, each
// search with available and supportedParams (Prowlarr and Lidarr read audio-search, not
// music-search), the categories with their subcategories.
func TestCapsAsTheAppsReadThem(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		c := f.caps()
		if c.Limits.Default != "100" || c.Limits.Max != "100" || c.Server.Title == "" {
			t.Errorf("server %+v limits %+v", c.Server, c.Limits)
		}
		for name, s := range map[string]capsSearch{
			"search": c.Searching.Search, "tv-search": c.Searching.TVSearch, "movie-search": c.Searching.MovieSearch,
			"music-search": c.Searching.MusicSearch, "audio-search": c.Searching.AudioSearch, "book-search": c.Searching.BookSearch,
		} {
			if s.Available != "yes" || !slices.Contains(strings.Split(s.SupportedParams, ","), "q") {
				t.Errorf("%s: %+v", name, s)
			}
		}
		params := func(s capsSearch) []string { return strings.Split(s.SupportedParams, ",") }
		for _, p := range []string{"season", "ep", "imdbid", "tvdbid"} {
			if !slices.Contains(params(c.Searching.TVSearch), p) {
				t.Errorf("tv-search lacks %s", p)
			}
		}
		for _, p := range []string{"imdbid", "tmdbid"} {
			if !slices.Contains(params(c.Searching.MovieSearch), p) {
				t.Errorf("movie-search lacks %s", p)
			}
		}
		for _, p := range []string{"artist", "album"} {
			if !slices.Contains(params(c.Searching.AudioSearch), p) || !slices.Contains(params(c.Searching.MusicSearch), p) {
				t.Errorf("audio/music-search lacks %s", p)
			}
		}
		for _, p := range []string{"author", "title"} {
			if !slices.Contains(params(c.Searching.BookSearch), p) {
				t.Errorf("book-search lacks %s", p)
			}
		}
		tree := map[string][]string{}
		for _, cat := range c.Categories {
			var subs []string
			for _, s := range cat.Subcats {
				subs = append(subs, s.ID)
			}
			tree[cat.ID] = subs
		}
		want := map[string][]string{
			"2000": {"2030", "2040", "2045"}, "3000": nil, "4000": {"4050"}, "5000": {"5030", "5040", "5045", "5070"},
			"7000": nil, "8000": nil,
		}
		for id, subs := range want {
			if got, ok := tree[id]; !ok || !slices.Equal(got, subs) {
				t.Errorf("category %s: subcats %v (present %v), want %v", id, got, ok, subs)
			}
		}
		// The category ingest created gets a stable site-specific id of 100000 and above.
		var custom []string
		for id := range tree {
			if len(id) >= 6 {
				custom = append(custom, id)
			}
		}
		if len(custom) != 1 || custom[0] < "100000" {
			t.Errorf("site-specific categories %v", custom)
		}
		if again := f.caps(); len(again.Categories) != len(c.Categories) || again.Categories[len(again.Categories)-1].ID != c.Categories[len(c.Categories)-1].ID {
			t.Error("site-specific ids moved between two caps")
		}
		// Caps answers without a key too (the apps read it before they ask for one).
		status, _, body := f.get("t=caps&apikey=")
		if status != 200 || strings.Contains(string(body), "<error") {
			t.Errorf("caps without a key: %d %s", status, body)
		}
	})
}

// Each app's connection test and RSS sync: Sonarr's tvsearch in its default categories with no
// query, Radarr's movie search in its default categories, Prowlarr's search with neither.
func TestConnectionTestsOfTheApps(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		sonarr := f.search("t=tvsearch&cat=5030,5040&extended=1&offset=0&limit=100")
		if got := titles(sonarr); !slices.Equal(got, []string{"Other.Show.S01E12.720p.HDTV", "Pioneer.One.S01.Complete.480p.DVDRip",
			"Pioneer.One.S01E01.720p.HDTV.x264-GRP", "Pioneer.One.S01E02.1080p.WEB-DL.x264-GRP"}) {
			t.Errorf("Sonarr's test found %v", got)
		}
		radarr := f.search("t=movie&cat=2000,2010,2020,2030,2040,2045,2050,2060,2070,2080&extended=1&offset=0&limit=100")
		if got := titles(radarr); !slices.Equal(got, []string{"Big.Buck.Bunny.2008.1080p.BluRay.x264-OPEN", "Sintel.2010.2160p.BluRay.x265-OPEN"}) {
			t.Errorf("Radarr's test found %v", got)
		}
		prowlarr := f.search("t=search&extended=1")
		if len(prowlarr) != 12 {
			t.Errorf("Prowlarr's test found %d items, want all 12", len(prowlarr))
		}
		// Newest first, as RSS sync expects.
		if prowlarr[0].Title != "Open Source Stories" {
			t.Errorf("the first item is %q, want the newest", prowlarr[0].Title)
		}
		// Lidarr and Readarr in their default categories.
		if got := titles(f.search("t=music&cat=3000,3010,3030,3040")); !slices.Equal(got, []string{"Nine Inch Nails - Ghosts I-IV (2008) [FLAC]"}) {
			t.Errorf("Lidarr found %v", got)
		}
		if got := titles(f.search("t=book&cat=7000,7020")); !slices.Equal(got, []string{"Cory Doctorow - Little Brother (2008) (epub)"}) {
			t.Errorf("Readarr found %v", got)
		}
	})
}

func TestSearchFunctions(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		for params, want := range map[string][]string{
			// tvsearch matches parsed seasons and episodes, not text: S01E12 has "1" and "2" in it.
			"t=tvsearch&q=pioneer&season=1&ep=2":          {"Pioneer.One.S01E02.1080p.WEB-DL.x264-GRP"},
			"t=tvsearch&q=pioneer&season=1":               {"Pioneer.One.S01.Complete.480p.DVDRip", "Pioneer.One.S01E01.720p.HDTV.x264-GRP", "Pioneer.One.S01E02.1080p.WEB-DL.x264-GRP"},
			"t=tvsearch&season=1&ep=12":                   {"Other.Show.S01E12.720p.HDTV"},
			"t=tvsearch&tvdbid=81189&season=1&ep=1":       {"Pioneer.One.S01E01.720p.HDTV.x264-GRP"},
			"t=tvsearch&q=pioneer&season=S01&ep=E2":       {"Pioneer.One.S01E02.1080p.WEB-DL.x264-GRP"},
			"t=tvsearch&q=pioneer&cat=5040":               {"Pioneer.One.S01E01.720p.HDTV.x264-GRP", "Pioneer.One.S01E02.1080p.WEB-DL.x264-GRP"},
			"t=movie&imdbid=tt1727587":                    {"Sintel.2010.2160p.BluRay.x265-OPEN"},
			"t=movie&imdbid=1727587":                      {"Sintel.2010.2160p.BluRay.x265-OPEN"},
			"t=movie&tmdbid=45745":                        {"Sintel.2010.2160p.BluRay.x265-OPEN"},
			"t=movie&imdbid=tt0000001":                    nil,
			"t=movie&q=bunny":                             {"Big.Buck.Bunny.2008.1080p.BluRay.x264-OPEN"},
			"t=movie&cat=2045":                            {"Sintel.2010.2160p.BluRay.x265-OPEN"},
			"t=music&artist=nine+inch+nails&album=ghosts": {"Nine Inch Nails - Ghosts I-IV (2008) [FLAC]"},
			"t=book&author=doctorow&title=little+brother": {"Cory Doctorow - Little Brother (2008) (epub)"},
			// A parent matches its children: TV holds anime, PC holds games.
			"t=search&cat=5070":       {"[SubsPlease] Pepper and Carrot - 05 (1080p) [ABCDEF12].mkv"},
			"t=search&cat=4050":       {"SuperTuxKart 1.4"},
			"t=search&cat=4000":       {"SuperTuxKart 1.4", "Ubuntu 24.04 Desktop amd64"},
			"t=search&cat=8000":       nil,
			"t=search&cat=6000":       nil,
			"t=search&q=nothing+here": nil,
		} {
			if got := titles(f.search(params)); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", params, got, want)
			}
		}
		if n := len(f.search("t=tvsearch&cat=5000")); n != 5 {
			t.Errorf("cat=5000 found %d, want the 4 TV torrents and the anime one", n)
		}
		// The site-specific category.
		var custom string
		for _, c := range f.caps().Categories {
			if len(c.ID) >= 6 {
				custom = c.ID
			}
		}
		if got := titles(f.search("t=search&cat=" + custom)); !slices.Equal(got, []string{"Open Source Stories"}) {
			t.Errorf("cat=%s: %v", custom, got)
		}
		// Paging: limit capped at the maximum, offset skips.
		if n := len(f.search("t=search&limit=500")); n != 12 {
			t.Errorf("limit=500 gave %d", n)
		}
		page := f.search("t=search&limit=5&offset=10")
		if len(page) != 2 {
			t.Errorf("offset=10 gave %d of 12", len(page))
		}
		if len(f.search("t=search&offset=20000")) != 0 {
			t.Error("an offset past the end gave items")
		}
		// Attributes: imdb as digits, imdbid with tt, the parsed year, season and episode.
		sintel := f.search("t=movie&imdbid=tt1727587")[0]
		for name, want := range map[string]string{"imdb": "1727587", "imdbid": "tt1727587", "tmdbid": "45745", "year": "2010",
			"seeders": "99", "files": "2", "infohash": strings.Repeat("0", 38) + "15", "downloadvolumefactor": "0", "uploadvolumefactor": "1"} {
			if got := sintel.attr(name); len(got) != 1 || got[0] != want {
				t.Errorf("sintel %s = %v, want %s", name, got, want)
			}
		}
		if got := sintel.attr("category"); !slices.Equal(got, []string{"2045", "2000"}) {
			t.Errorf("sintel's categories %v", got)
		}
		ep := f.search("t=tvsearch&q=pioneer&season=1&ep=2")[0]
		if ep.attr("season")[0] != "1" || ep.attr("episode")[0] != "2" || ep.attr("tvdbid")[0] != "81189" {
			t.Errorf("episode attrs %+v", ep.Attrs)
		}
		anime := f.search("t=search&cat=5070")[0]
		if got := anime.attr("category"); !slices.Equal(got, []string{"5070", "5000"}) {
			t.Errorf("anime categories %v", got)
		}
		// attrs= names the attributes wanted (category always comes).
		only := f.search("t=movie&imdbid=tt1727587&attrs=seeders,imdb")[0]
		var names []string
		for _, a := range only.Attrs {
			names = append(names, a.Name)
		}
		if !slices.Equal(names, []string{"category", "category", "seeders", "imdb"}) {
			t.Errorf("attrs=seeders,imdb gave %v", names)
		}
	})
}

func TestErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			params string
			code   string
		}{
			{"t=", "200"},
			{"q=x", "200"},
			{"t=nope", "202"},
			{"t=details&id=1", "203"},
			{"t=register", "203"},
			{"t=search&limit=abc", "201"},
			{"t=search&limit=-1", "201"},
			{"t=search&offset=x", "201"},
			{"t=search&cat=movies", "201"},
			{"t=tvsearch&season=x", "201"},
			{"t=tvsearch&season=1&ep=x", "201"},
			{"t=movie&imdbid=nm0000001", "201"},
			{"t=movie&tmdbid=-3", "201"},
			{"t=tvsearch&tvdbid=abc", "201"},
			{"t=search&q=" + strings.Repeat("a", 201), "201"},
			{"t=search&apikey=stk_wrong", "100"},
			{"t=search&apikey=not-even-a-key", "100"},
			{"t=caps&apikey=stk_wrong", "100"},
		} {
			f.expectError(c.params, 200, c.code)
		}
		// No key at all on a search.
		r := f.do(http.MethodGet, "/torznab/api?t=search", "", "")
		if r.StatusCode != 200 {
			t.Fatalf("no key: %d", r.StatusCode)
		}
		// A session token is not an API key.
		f.expectError("t=search&apikey="+f.session, 200, "100")
		// A revoked key stops at once.
		f.search("t=search")
		if r := f.do(http.MethodDelete, "/api/auth/api-keys/"+f.keyID, "", f.session); r.StatusCode != 204 {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		e := f.expectError("t=search", 200, "100")
		if !strings.Contains(e.Description, "revoked") {
			t.Errorf("description %q", e.Description)
		}
	})
}

// Error 900: past the rate limit, with Retry-After.
func TestRateLimit(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ix := torznab.New(f.svc.Catalog, f.svc.Accounts, torznab.Options{})
		app := fiber.New()
		app.Get(torznab.Path, ix.Handlers(func(*fiber.Ctx) string { return "one client" }, 3, time.Minute)...)
		f.app = app
		for range 3 {
			if status, _, body := f.get("t=search"); status != 200 || strings.Contains(string(body), "<error") {
				t.Fatalf("within the limit: %d %s", status, body)
			}
		}
		status, header, body := f.get("t=search")
		if status != 429 || header.Get("Retry-After") == "" || !strings.Contains(string(body), `code="900"`) {
			t.Fatalf("past the limit: %d %v %s", status, header, body)
		}
	})
}
