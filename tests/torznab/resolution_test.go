package torznab_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
)

// A catalog whose names say no resolution, and a daily show named by air dates.
func unresolvedCatalog(t *testing.T, engine string) *fixture {
	t.Helper()
	now := time.Now().UTC().Add(-time.Hour)
	return newFixtureWith(t, engine, []ingest.Item{
		{InfoHash: hash(1), Name: "Pioneer.One.S01E01.HDTV.XviD-GRP", Category: "tv", Size: 350 << 20, UploadedAt: now.Add(-9 * time.Hour)},
		{InfoHash: hash(2), Name: "Pioneer One S01E02 WEB h264", Category: "tv", Size: 350 << 20, UploadedAt: now.Add(-8 * time.Hour)},
		{InfoHash: hash(3), Name: "Nightly.Newsreel.2024.05.01.WEB.h264-GRP", Category: "tv", Size: 200 << 20, UploadedAt: now.Add(-7 * time.Hour), External: domain.ExternalIDs{TVDb: 70000}},
		// Its words hold 2024, 05 and 01; its air date is the 2nd.
		{InfoHash: hash(4), Name: "Nightly.Newsreel.2024.05.02.Recap.Of.05.01.WEB.h264-GRP", Category: "tv", Size: 200 << 20, UploadedAt: now.Add(-6 * time.Hour), External: domain.ExternalIDs{TVDb: 70000}},
		{InfoHash: hash(5), Name: "Nightly.Newsreel.2023.12.31.WEB.h264-GRP", Category: "tv", Size: 200 << 20, UploadedAt: now.Add(-5 * time.Hour), External: domain.ExternalIDs{TVDb: 70000}},
		{InfoHash: hash(6), Name: "Night.of.the.Living.Dead.1968.DVDRip.XviD-GRP", Category: "movies", Size: 700 << 20, UploadedAt: now.Add(-4 * time.Hour)},
		{InfoHash: hash(7), Name: "Sita Sings the Blues (2008)", Category: "movies", Size: 900 << 20, UploadedAt: now.Add(-3 * time.Hour)},
		{InfoHash: hash(8), Name: "Elephants.Dream.2006.1080p.BluRay.x264", Category: "movies", Size: 2 << 30, UploadedAt: now.Add(-2 * time.Hour)},
		{InfoHash: hash(9), Name: "[Group] Pepper and Carrot - 06", Category: "anime", Size: 300 << 20, UploadedAt: now.Add(-time.Hour)},
	})
}

// prowlarrKeeps is Prowlarr's filter on an indexer's answer (ReleaseSearchService): an item is kept
// when it carries one of the asked categories, a parent asked standing for its children.
func prowlarrKeeps(f *fixture, asked string, it item) bool {
	want := map[string]bool{}
	for _, c := range f.caps().Categories {
		for _, id := range strings.Split(asked, ",") {
			if c.ID == id {
				want[id] = true
				for _, s := range c.Subcats {
					want[s.ID] = true
				}
			}
		}
	}
	for _, id := range strings.Split(asked, ",") {
		want[id] = true
	}
	for _, c := range it.attr("category") {
		if want[c] {
			return true
		}
	}
	return false
}

// Sonarr's connection test (t=tvsearch&cat=5030,5040, no query) and Radarr's in their subcategories
// pass on a catalog where no name says its resolution: such a name counts as SD, carries the SD
// subcategory (so Prowlarr, which drops the items without an asked category, keeps it) and is found
// by a request for SD. Before, such a torrent carried only 5000 and Sonarr's test found nothing.
func TestConnectionTestsOnNamesWithoutAResolution(t *testing.T) {
	eachEngineWith(t, unresolvedCatalog, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			params, cats string
			want         int
		}{
			{"t=tvsearch&extended=1&offset=0&limit=100", "5030,5040", 5},                       // Sonarr's default
			{"t=tvsearch&extended=1&offset=0&limit=100", "5030,5040,5070", 6},                  // and its anime category
			{"t=movie&extended=1&offset=0&limit=100", "2030,2040,2045", 3},                     // Radarr without the parent
			{"t=movie&extended=1&offset=0&limit=100", "2000,2010,2020,2030,2040,2045,2050", 3}, // Radarr's default
			{"t=search&extended=1", "2030", 2},                                                 // SD only
			{"t=search&extended=1", "2040,2045", 1},                                            // HD and UHD leave them out
			{"t=tvsearch", "5040,5045", 0},
		} {
			params := c.params + "&cat=" + c.cats
			got := f.search(params)
			if len(got) != c.want {
				t.Errorf("%s: %d items %v, want %d", params, len(got), titles(got), c.want)
			}
			for _, it := range got {
				if !prowlarrKeeps(f, c.cats, it) {
					t.Errorf("%s: %q carries %v: Prowlarr would drop it", params, it.Title, it.attr("category"))
				}
			}
		}
		for name, want := range map[string][]string{
			"Pioneer.One.S01E01.HDTV.XviD-GRP":              {"5030", "5000"},
			"Night.of.the.Living.Dead.1968.DVDRip.XviD-GRP": {"2030", "2000"},
			"Elephants.Dream.2006.1080p.BluRay.x264":        {"2040", "2000"},
			"[Group] Pepper and Carrot - 06":                {"5070", "5000"},
		} {
			items := f.search("t=search&q=" + strings.NewReplacer(".", "+", " ", "+", "[", "", "]", "").Replace(name))
			if len(items) != 1 || !slices.Equal(items[0].attr("category"), want) {
				t.Errorf("%s: %d items, categories %v, want %v", name, len(items), attrOfFirst(items, "category"), want)
			}
		}
	})
}

func attrOfFirst(items []item, name string) []string {
	if len(items) == 0 {
		return nil
	}
	return items[0].attr(name)
}

// A daily show as Sonarr searches it: season=YYYY&ep=MM/DD is the episode that aired that day (the
// parsed air date, not the date's words), season=YYYY alone the episodes of that year.
func TestDailyShowSearches(t *testing.T) {
	eachEngineWith(t, unresolvedCatalog, func(t *testing.T, f *fixture) {
		for params, want := range map[string][]string{
			"t=tvsearch&q=nightly+newsreel&season=2024&ep=05/01": {"Nightly.Newsreel.2024.05.01.WEB.h264-GRP"},
			"t=tvsearch&tvdbid=70000&season=2024&ep=05/01":       {"Nightly.Newsreel.2024.05.01.WEB.h264-GRP"},
			"t=tvsearch&season=2024&ep=05/02&cat=5030,5040":      {"Nightly.Newsreel.2024.05.02.Recap.Of.05.01.WEB.h264-GRP"},
			"t=tvsearch&q=nightly+newsreel&season=2024&ep=5/1":   {"Nightly.Newsreel.2024.05.01.WEB.h264-GRP"},
			"t=tvsearch&tvdbid=70000&season=2024&ep=05/03":       nil,
			"t=tvsearch&tvdbid=70000&season=2024": {"Nightly.Newsreel.2024.05.01.WEB.h264-GRP",
				"Nightly.Newsreel.2024.05.02.Recap.Of.05.01.WEB.h264-GRP"},
			"t=tvsearch&tvdbid=70000&season=2023": {"Nightly.Newsreel.2023.12.31.WEB.h264-GRP"},
			"t=tvsearch&q=pioneer&season=1&ep=2":  {"Pioneer One S01E02 WEB h264"},
		} {
			if got := titles(f.search(params)); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", params, got, want)
			}
		}
		for _, bad := range []string{"season=2024&ep=02/30", "season=2024&ep=13/01", "season=2024&ep=05/x", "season=12&ep=05/01"} {
			f.expectError("t=tvsearch&"+bad, 200, "201")
		}
		// The item says the air year as its year.
		it := f.search("t=tvsearch&tvdbid=70000&season=2024&ep=05/01")[0]
		if got := it.attr("year"); !slices.Equal(got, []string{strconv.Itoa(2024)}) {
			t.Errorf("year %v", got)
		}
	})
}
