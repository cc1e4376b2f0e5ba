package contract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// searchFixture is a small catalog shaped to make every rule of search observable: shared words in
// names and paths, names equal but for case, and ties in every sort key.
var searchFixture = []struct {
	name  string
	slug  string
	paths []string
}{
	{"Ubuntu 24.04 Desktop amd64", "software", []string{"ubuntu-24.04-desktop-amd64.iso"}},
	{"Ubuntu 22.04 Live Server", "software", []string{"ubuntu-22.04-live-server-amd64.iso"}},
	{"Kubuntu 24.04 Desktop", "software", []string{"kubuntu-24.04-desktop-amd64.iso"}},
	{"Debian 12 Netinst", "software", []string{"debian-12.5.0-amd64-netinst.iso", "README.txt"}},
	{"Desktop Wallpapers Collection", "other", []string{"wallpapers/ubuntu/warty.png", "wallpapers/ubuntu/noble.png"}},
	{"Linux Distro Sampler", "software", []string{"isos/ubuntu-mini.iso", "isos/fedora-netinst.iso"}},
	{"Big Buck Bunny", "movies", []string{"Big.Buck.Bunny.1080p.mkv", "extras/making-of.mkv"}},
	{"big buck bunny", "movies", []string{"bbb_sunflower_2160p_60fps.mp4"}},
	{"Sintel", "movies", []string{"sintel/Sintel.2010.1080p.mkv", "sintel/subs/english.srt"}},
	{"SINTEL", "movies", []string{"Sintel.720p.mkv"}},
	{"Tears of Steel", "movies", []string{"tears_of_steel_1080p.mov"}},
	{"Cosmos Laundromat", "movies", []string{"cosmos-laundromat.mp4"}},
	{"Night of the Living Dead", "movies", []string{"night.of.the.living.dead.1968.avi"}},
	{"Pioneer One S01E01", "tv", []string{"Pioneer.One.S01E01.avi"}},
	{"Pioneer One S01E02", "tv", []string{"Pioneer.One.S01E02.avi"}},
	{"Pioneer One Complete Season", "tv", []string{"S01E01.avi", "S01E02.avi", "S01E03.avi"}},
	{"Free Culture", "books", []string{"free_culture.pdf", "free_culture.epub"}},
	{"The Art of Unix Programming", "books", []string{"taoup.pdf"}},
	{"Linux Journal 2010 Archive", "books", []string{"2010/jan.pdf", "2010/feb.pdf"}},
	{"Jamendo Top 100", "music", []string{"01 - Intro.mp3", "02 - Ubuntu Rising.mp3"}},
	{"Nine Inch Nails Ghosts I-IV", "music", []string{"ghosts/01 Ghosts I.flac", "ghosts/02 Ghosts I.flac"}},
	{"Public Domain Classics", "music", []string{"bach/air.ogg", "satie/gymnopedie.ogg"}},
	{"0 A.D. Alpha 26", "games", []string{"0ad-0.0.26-alpha-win32.exe"}},
	{"SuperTuxKart 1.4", "games", []string{"supertuxkart-1.4-linux-x86_64.tar.xz"}},
	{"Wesnoth 1.18", "games", []string{"wesnoth-1.18.0.tar.bz2"}},
	{"Pepper&Carrot Episode 1", "anime", []string{"pepper-carrot/ep01.png"}},
	{"Sita Sings the Blues", "movies", []string{"Sita_Sings_the_Blues.ogv"}},
	{"Elephants Dream", "movies", []string{"elephants_dream_1080p.mkv"}},
	{"Spring", "movies", []string{"spring/spring.mkv"}},
	{"Agent 327", "movies", []string{"agent327.mp4"}},
	{"The Daily Show Clips", "documentaries", []string{"clips/ubuntu-interview.webm"}},
	{"Open Source Stories", "documentaries", []string{"stories/linux.webm", "stories/debian.webm"}},
	{"Caminandes Llama Drama", "anime", []string{"caminandes/01.mkv"}},
	{"Glass Half", "anime", []string{"glass-half.mkv"}},
	{"Hero", "anime", []string{"hero.mkv"}},
	{"Charge", "movies", []string{"charge.mkv"}},
	// Release names the filters on season, episode, year, resolution and ids read.
	{"Blender.Shorts.S02E03-E04.720p.WEB-DL.x264-GRP", "tv", []string{"shorts.s02e03.mkv", "shorts.s02e04.mkv"}},
	{"Blender Shorts S02 2160p WEBRip", "tv", []string{"season2/e01.mkv"}},
	{"Blender Shorts S03E01 720p HDTV", "tv", []string{"s03e01.mkv"}},
	{"Open.Movie.2019.2160p.BluRay.x265-GRP", "movies", []string{"open.movie.mkv"}},
	// A daily show's episodes, named by their air dates.
	{"Nightly.Newsreel.2024.05.01.720p.WEB.h264-GRP", "tv", []string{"newsreel.2024.05.01.mkv"}},
	{"Nightly.Newsreel.2024.06.12.WEB.h264-GRP", "tv", []string{"newsreel.2024.06.12.mkv"}},
}

// loadSearchFixture stores the fixture and returns it as stored, ids included. The numbers are
// spread so every sort key has ties: 5 seeder counts, 4 sizes, 9 upload days.
func loadSearchFixture(t *testing.T, repo ports.TorrentRepository) []domain.Torrent {
	t.Helper()
	all := make([]domain.Torrent, 0, len(searchFixture))
	for i, f := range searchFixture {
		tr := withFiles(torrent(fmt.Sprintf("search-%02d", i), f.name, f.slug), int64(1+(i*5)%4)<<30, f.paths...)
		tr.Seeders = int64((i * 37) % 5 * 10)
		tr.Leechers = int64((i * 11) % 7)
		tr.UploadedAt = epoch.Add(time.Duration((i*13)%9) * 24 * time.Hour)
		switch f.name {
		case "Sintel":
			tr.External = domain.ExternalIDs{IMDb: "tt1727587", TMDb: 45745}
		case "Blender Shorts S02 2160p WEBRip", "Blender Shorts S03E01 720p HDTV":
			tr.External = domain.ExternalIDs{TVDb: 4242}
		}
		all = append(all, normalized(t, tr))
	}
	out := upsert(t, repo, all...)
	for i := range all {
		all[i].ID = out[i].ID
	}
	return all
}

// search normalizes c, as the application does, and runs it.
func search(t *testing.T, repo ports.TorrentRepository, c domain.SearchCriteria) domain.SearchPage {
	t.Helper()
	if err := c.Normalize(); err != nil {
		t.Fatalf("criteria %+v: %v", c, err)
	}
	page, err := repo.Search(t.Context(), c)
	if err != nil {
		t.Fatalf("Search(%+v): %v", c, err)
	}
	if len(page.Items) > c.Limit {
		t.Fatalf("Search(%+v) returned %d items, above its limit", c, len(page.Items))
	}
	return page
}

// walk follows a search from its first page to its last, by cursor or by offset, checking every
// page as it goes, and returns every item in order.
func walk(t *testing.T, repo ports.TorrentRepository, c domain.SearchCriteria, byCursor bool) []domain.TorrentSummary {
	t.Helper()
	if err := c.Normalize(); err != nil {
		t.Fatalf("criteria %+v: %v", c, err)
	}
	var items []domain.TorrentSummary
	total := -1
	for pages := 0; ; pages++ {
		page := search(t, repo, c)
		switch {
		case total == -1:
			total = page.Total
		case page.Total != total:
			t.Fatalf("page %d says total %d, the first page said %d", pages+1, page.Total, total)
		}
		if !page.TotalExact {
			t.Fatalf("page %d: TotalExact is false for %d matches", pages+1, page.Total)
		}
		items = append(items, page.Items...)
		if pages > total/c.Limit+1 {
			t.Fatalf("still paging after %d pages for %d matches", pages+1, total)
		}
		if page.Next == nil {
			if len(items) != total {
				t.Fatalf("the pages end (Next is nil) after %d items; total is %d", len(items), total)
			}
			break
		}
		if len(page.Items) != c.Limit {
			t.Fatalf("page %d has %d items and a Next; a page before the last is full (%d)", pages+1, len(page.Items), c.Limit)
		}
		expectPosition(t, *page.Next, page.Items[len(page.Items)-1], c.Sort)
		if byCursor {
			next := *page.Next
			c.Cursor, c.Offset = &next, 0
		} else {
			c.Offset += c.Limit
		}
	}
	seen := make(map[int64]bool)
	for _, it := range items {
		if seen[it.ID] {
			t.Fatalf("torrent %d came twice while paging: %v", it.ID, summaryIDs(items))
		}
		seen[it.ID] = true
	}
	return items
}

// expectPosition checks that a page's Next is where its last item stands.
func expectPosition(t *testing.T, p domain.Position, last domain.TorrentSummary, sort domain.SortField) {
	t.Helper()
	ok := p.ID == last.ID
	switch sort {
	case domain.SortDate:
		ok = ok && p.Int == last.UploadedAt.Unix()
	case domain.SortSeeders:
		ok = ok && p.Int == last.Seeders
	case domain.SortLeechers:
		ok = ok && p.Int == last.Leechers
	case domain.SortSize:
		ok = ok && p.Int == last.Size
	case domain.SortName:
		ok = ok && strings.EqualFold(p.Text, last.Name)
	}
	if !ok {
		t.Fatalf("Next = %+v, want the position of the page's last item %d %q (sort %s)", p, last.ID, last.Name, sort)
	}
}

func expectIDs(t *testing.T, what string, got []domain.TorrentSummary, want []domain.Torrent) {
	t.Helper()
	if g, w := summaryIDs(got), torrentIDs(want); !slices.Equal(g, w) {
		t.Errorf("%s: ids %v, want %v", what, g, w)
	}
}

func expectSameSet(t *testing.T, what string, got []domain.TorrentSummary, want []domain.Torrent) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(summaryIDs(got))), slices.Sorted(slices.Values(torrentIDs(want)))
	if !slices.Equal(g, w) {
		t.Errorf("%s: ids %v, want %v", what, g, w)
	}
}

func byName(all []domain.Torrent, names ...string) []domain.Torrent {
	var out []domain.Torrent
	for _, tr := range all {
		if slices.Contains(names, tr.Name) {
			out = append(out, tr)
		}
	}
	if len(out) != len(names) {
		panic(fmt.Sprintf("test bug: %d of the names %q are in the fixture", len(out), names))
	}
	return out
}

func ptr(n int64) *int64 { return &n }

var allSorts = []domain.SortField{
	domain.SortRelevance, domain.SortDate, domain.SortSeeders, domain.SortLeechers, domain.SortSize, domain.SortName,
}

// testSearch loads one catalog and runs every search check against it: they only read.
func testSearch(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	all := loadSearchFixture(t, repo)

	t.Run("Terms", func(t *testing.T) {
		for _, tc := range []struct {
			text string
			want []string // by hand: the reference model must agree
		}{
			{"ubuntu", []string{"Ubuntu 24.04 Desktop amd64", "Ubuntu 22.04 Live Server", "Desktop Wallpapers Collection",
				"Linux Distro Sampler", "Jamendo Top 100", "The Daily Show Clips"}},
			{"ubuntu desktop", []string{"Ubuntu 24.04 Desktop amd64", "Desktop Wallpapers Collection"}},
			{"desktop ubuntu", []string{"Ubuntu 24.04 Desktop amd64", "Desktop Wallpapers Collection"}},
			{"ubu", []string{"Ubuntu 24.04 Desktop amd64", "Ubuntu 22.04 Live Server", "Desktop Wallpapers Collection",
				"Linux Distro Sampler", "Jamendo Top 100", "The Daily Show Clips"}},
			{"desktop ubu", []string{"Ubuntu 24.04 Desktop amd64", "Desktop Wallpapers Collection"}},
			{"ubu desktop", nil}, // only the last term is a prefix
			{"buntu", nil},       // a prefix, not a substring
			{"SINTEL", []string{"Sintel", "SINTEL"}},
			{"1080p", []string{"Big Buck Bunny", "Sintel", "Tears of Steel", "Elephants Dream"}},
			{"pioneer one", []string{"Pioneer One S01E01", "Pioneer One S01E02", "Pioneer One Complete Season"}},
			{"one pioneer", []string{"Pioneer One S01E01", "Pioneer One S01E02", "Pioneer One Complete Season"}},
			{"s01e0", []string{"Pioneer One S01E01", "Pioneer One S01E02", "Pioneer One Complete Season"}},
			{"s01e02", []string{"Pioneer One S01E02", "Pioneer One Complete Season"}},
			{"pepper carrot", []string{"Pepper&Carrot Episode 1"}},
			{"netinst", []string{"Debian 12 Netinst", "Linux Distro Sampler"}},
			{"linux", []string{"Linux Distro Sampler", "Linux Journal 2010 Archive", "SuperTuxKart 1.4", "Open Source Stories"}},
			{"24 04 desktop", []string{"Ubuntu 24.04 Desktop amd64", "Kubuntu 24.04 Desktop"}},
			{"x86", []string{"SuperTuxKart 1.4"}},
			{"nothing-like-this", nil},
		} {
			c := domain.SearchCriteria{Text: tc.text, Limit: 100}
			_ = c.Normalize()
			want := refSearch(all, c)
			if hand := byNameOrNone(all, tc.want); !slices.Equal(torrentIDs(want), torrentIDs(hand)) {
				t.Fatalf("test bug: the reference model finds %v for %q, by hand %v", torrentIDs(want), tc.text, torrentIDs(hand))
			}
			page := search(t, repo, c)
			expectSameSet(t, fmt.Sprintf("search %q", tc.text), page.Items, want)
			if page.Total != len(want) || !page.TotalExact || page.Next != nil {
				t.Errorf("search %q: total %d exact %v next %v; want %d, true, nil", tc.text, page.Total, page.TotalExact, page.Next, len(want))
			}
			for _, it := range page.Items {
				expectSummary(t, it, all[slices.IndexFunc(all, func(tr domain.Torrent) bool { return tr.ID == it.ID })])
			}
		}
	})

	t.Run("NameOutranksPath", func(t *testing.T) {
		for _, tc := range []struct {
			text   string
			inName []string // the others match only by a file path
		}{
			// Matched in name and path, against torrents matched once or twice in a path.
			{"ubuntu", []string{"Ubuntu 24.04 Desktop amd64", "Ubuntu 22.04 Live Server"}},
			// Matched in the name only, against later (higher id) torrents matched in a path only.
			{"linux", []string{"Linux Distro Sampler", "Linux Journal 2010 Archive"}},
		} {
			c := domain.SearchCriteria{Text: tc.text, Limit: 100}
			_ = c.Normalize()
			n, matches := len(tc.inName), len(refSearch(all, c))
			inName := torrentIDs(byName(all, tc.inName...))
			for _, order := range []domain.SortOrder{domain.Descending, domain.Ascending} {
				c.Order = order
				got := summaryIDs(search(t, repo, c).Items)
				if len(got) != matches {
					t.Fatalf("%q %s: %d results, want %d", tc.text, order, len(got), matches)
				}
				head := got[:n]
				if order == domain.Ascending {
					head = got[len(got)-n:]
				}
				if !slices.Equal(slices.Sorted(slices.Values(head)), inName) {
					t.Errorf("%q by relevance %s = %v: the torrents with the word in their name %v must come %s the ones matching only by a file",
						tc.text, order, got, inName, map[domain.SortOrder]string{domain.Descending: "before", domain.Ascending: "after"}[order])
				}
			}
		}
	})

	t.Run("Filters", func(t *testing.T) {
		// Boundaries are values some torrent has, to see that they are inclusive or exclusive.
		edge := all[6] // 3 GiB, 20 seeders, day 6: inside every range
		for _, tc := range []struct {
			what      string
			c         domain.SearchCriteria
			mustHave  *domain.Torrent
			mustNotBe *domain.Torrent
		}{
			{what: "one category", c: domain.SearchCriteria{Categories: []string{"movies"}}},
			{what: "two categories", c: domain.SearchCriteria{Categories: []string{"tv", "documentaries"}}},
			{what: "a category created on the fly", c: domain.SearchCriteria{Categories: []string{"documentaries"}}},
			{what: "minSize", c: domain.SearchCriteria{MinSize: ptr(edge.Size)}, mustHave: &edge},
			{what: "maxSize", c: domain.SearchCriteria{MaxSize: ptr(edge.Size)}, mustHave: &edge},
			{what: "minSize and maxSize", c: domain.SearchCriteria{MinSize: ptr(edge.Size), MaxSize: ptr(edge.Size)}, mustHave: &edge},
			{what: "minSeeders", c: domain.SearchCriteria{MinSeeders: ptr(edge.Seeders)}, mustHave: &edge},
			{what: "after", c: domain.SearchCriteria{After: edge.UploadedAt}, mustHave: &edge},
			{what: "before", c: domain.SearchCriteria{Before: edge.UploadedAt}, mustNotBe: &edge},
			{what: "after and before", c: domain.SearchCriteria{After: epoch.Add(24 * time.Hour), Before: edge.UploadedAt.Add(time.Second)}, mustHave: &edge},
			{what: "text and category", c: domain.SearchCriteria{Text: "ubuntu", Categories: []string{"software", "music"}}},
			{what: "text and minSeeders", c: domain.SearchCriteria{Text: "pioneer", MinSeeders: ptr(10)}},
			{what: "season", c: domain.SearchCriteria{Season: intPtr(2)}},
			{what: "season and episode", c: domain.SearchCriteria{Season: intPtr(2), Episode: intPtr(4)}},
			{what: "episode", c: domain.SearchCriteria{Episode: intPtr(1)}},
			{what: "year", c: domain.SearchCriteria{Year: intPtr(2019)}},
			{what: "resolution", c: domain.SearchCriteria{Resolutions: []string{"2160p"}}},
			{what: "resolutions", c: domain.SearchCriteria{Resolutions: []string{"720p", "2160p"}}},
			{what: "no resolution said", c: domain.SearchCriteria{Resolutions: []string{domain.UnknownResolution}}},
			{what: "720p or none said", c: domain.SearchCriteria{Resolutions: []string{"720p", domain.UnknownResolution}}},
			{what: "a category in some resolutions (the apps' RSS sync: Sonarr's TV/SD and TV/HD, 7 ranges)", c: domain.SearchCriteria{Categories: []string{"tv"},
				Resolutions: []string{"360p", "480p", "540p", "576p", "720p", "1080p", domain.UnknownResolution}}},
			{what: "categories in a resolution", c: domain.SearchCriteria{Categories: []string{"movies", "tv"}, Resolutions: []string{"2160p"}}},
			{what: "a category in a resolution with a season", c: domain.SearchCriteria{Categories: []string{"tv"}, Resolutions: []string{"720p", domain.UnknownResolution}, Season: intPtr(2)}},
			{what: "air date: a day", c: domain.SearchCriteria{AirDate: "2024-05-01"}},
			{what: "air date: a month", c: domain.SearchCriteria{AirDate: "2024-06"}},
			{what: "air date: a year, and a category", c: domain.SearchCriteria{AirDate: "2024", Categories: []string{"tv"}}},
			{what: "a year as season takes the daily episodes of that year", c: domain.SearchCriteria{Season: intPtr(2024)}},
			{what: "text and air date", c: domain.SearchCriteria{Text: "newsreel", AirDate: "2024-06-12"}},
			{what: "imdb", c: domain.SearchCriteria{External: domain.ExternalIDs{IMDb: "tt1727587"}}},
			{what: "tmdb", c: domain.SearchCriteria{External: domain.ExternalIDs{TMDb: 45745}}},
			{what: "tvdb and season", c: domain.SearchCriteria{External: domain.ExternalIDs{TVDb: 4242}, Season: intPtr(3)}},
			{what: "text and season", c: domain.SearchCriteria{Text: "blender shorts", Season: intPtr(2)}},
			{what: "text and resolution", c: domain.SearchCriteria{Text: "blender", Resolutions: []string{"720p"}}},
			{what: "everything", c: domain.SearchCriteria{Categories: []string{"movies", "anime"}, MinSize: ptr(2 << 30),
				MaxSize: ptr(3 << 30), MinSeeders: ptr(10), After: epoch.Add(24 * time.Hour), Before: epoch.Add(8 * 24 * time.Hour)}},
		} {
			c := tc.c
			c.Limit, c.Sort = 100, domain.SortDate
			_ = c.Normalize()
			want := refSearch(all, c)
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("test bug: %s matches %d of %d torrents; a filter test needs some in and some out", tc.what, len(want), len(all))
			}
			page := search(t, repo, c)
			expectIDs(t, tc.what, page.Items, want)
			if page.Total != len(want) || !page.TotalExact {
				t.Errorf("%s: total %d exact %v, want %d, true", tc.what, page.Total, page.TotalExact, len(want))
			}
			got := summaryIDs(page.Items)
			if tc.mustHave != nil && !slices.Contains(got, tc.mustHave.ID) {
				t.Errorf("%s: torrent %d, on the boundary, is missing", tc.what, tc.mustHave.ID)
			}
			if tc.mustNotBe != nil && slices.Contains(got, tc.mustNotBe.ID) {
				t.Errorf("%s: torrent %d, on the boundary, is there", tc.what, tc.mustNotBe.ID)
			}
		}
		page := search(t, repo, domain.SearchCriteria{Categories: []string{"no-such-category"}})
		if len(page.Items) != 0 || page.Total != 0 {
			t.Errorf("an unknown category found %v, total %d", summaryIDs(page.Items), page.Total)
		}
	})

	t.Run("SortsArePagedInTotalOrder", func(t *testing.T) {
		for _, sort := range allSorts {
			for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
				text := ""
				if sort == domain.SortRelevance {
					text = "ubuntu" // relevance needs words to rank by
				}
				c := domain.SearchCriteria{Text: text, Sort: sort, Order: order, Limit: 100}
				name := fmt.Sprintf("%s %s", sort, order)
				onePage := search(t, repo, c).Items
				_ = c.Normalize()
				want := refSearch(all, c)
				if sort == domain.SortRelevance {
					// Scores are the adapter's own: the one-page order is the reference for paging.
					expectSameSet(t, name, onePage, want)
					want = nil
					for _, it := range onePage {
						want = append(want, all[slices.IndexFunc(all, func(tr domain.Torrent) bool { return tr.ID == it.ID })])
					}
				} else {
					expectIDs(t, name+" in one page", onePage, want)
				}
				// 4 divides the 36 torrents (the last page is full and must say so, with no Next);
				// 5 does not. Each way of paging meets both ends across the sorts.
				cursorLimit, offsetLimit := 4, 5
				if order == domain.Descending {
					cursorLimit, offsetLimit = 5, 4
				}
				c.Limit = cursorLimit
				expectIDs(t, fmt.Sprintf("%s by cursor, %d a page", name, cursorLimit), walk(t, repo, c, true), want)
				c.Limit = offsetLimit
				expectIDs(t, fmt.Sprintf("%s by offset, %d a page", name, offsetLimit), walk(t, repo, c, false), want)
			}
		}
	})

	t.Run("DefaultSortIsRelevanceWithTextDateWithout", func(t *testing.T) {
		c := domain.SearchCriteria{Limit: 100}
		_ = c.Normalize()
		expectIDs(t, "no text", search(t, repo, c).Items, refSearch(all, c))
		if c.Sort != domain.SortDate || c.Order != domain.Descending {
			t.Fatalf("test bug: Normalize chose %s %s", c.Sort, c.Order)
		}
	})

	t.Run("NameSortFoldsCase", func(t *testing.T) {
		// Equal but for case: the id decides, in the direction of the sort.
		bunnies := torrentIDs(byName(all, "Big Buck Bunny", "big buck bunny"))
		sintels := torrentIDs(byName(all, "Sintel", "SINTEL"))
		for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
			got := summaryIDs(search(t, repo, domain.SearchCriteria{Sort: domain.SortName, Order: order, Limit: 100}).Items)
			for _, pair := range [][]int64{bunnies, sintels} {
				i, j := slices.Index(got, pair[0]), slices.Index(got, pair[1])
				if j != i+1 && i != j+1 {
					t.Errorf("name %s: %v and %v, equal but for case, are not side by side in %v", order, pair[0], pair[1], got)
				}
				if (order == domain.Ascending) != (i < j) {
					t.Errorf("name %s: ids %d and %d must follow the id order %s", order, pair[0], pair[1], order)
				}
			}
		}
	})

	t.Run("Totals", func(t *testing.T) {
		for _, c := range []domain.SearchCriteria{
			{Limit: 5},
			{Limit: 5, Offset: 30},
			{Text: "pioneer", Limit: 1},
			{Text: "nothing-like-this", Limit: 10},
			{Categories: []string{"games"}, Limit: 100},
		} {
			_ = c.Normalize()
			want := refSearch(all, c)
			page := search(t, repo, c)
			if page.Total != len(want) || !page.TotalExact {
				t.Errorf("%+v: total %d exact %v, want %d exact", c, page.Total, page.TotalExact, len(want))
			}
		}
	})

	t.Run("PastTheEnd", func(t *testing.T) {
		page := search(t, repo, domain.SearchCriteria{Limit: 10, Offset: 100})
		if len(page.Items) != 0 || page.Next != nil || page.Total != len(all) {
			t.Errorf("offset past the end: %d items, next %v, total %d; want none, nil, %d", len(page.Items), page.Next, page.Total, len(all))
		}
		c := domain.SearchCriteria{Limit: 10}
		_ = c.Normalize()
		want := refSearch(all, c)
		last := want[len(want)-1]
		c.Cursor = &domain.Position{Int: last.UploadedAt.Unix(), ID: last.ID}
		page = search(t, repo, c)
		if len(page.Items) != 0 || page.Next != nil {
			t.Errorf("cursor at the last item: %v, next %v; want nothing", summaryIDs(page.Items), page.Next)
		}
		// A cursor made by the client-facing layer from a position in the middle.
		mid := want[12]
		c.Cursor = &domain.Position{Int: mid.UploadedAt.Unix(), ID: mid.ID}
		expectIDs(t, "cursor in the middle", search(t, repo, c).Items, want[13:23])
	})

	t.Run("TextWithoutTerms", func(t *testing.T) {
		for _, text := range []string{"!!!", "--- *** ---", `"`, "🐧🐧", "()", "·", "\x00"} {
			page := search(t, repo, domain.SearchCriteria{Text: text})
			if len(page.Items) != 0 || page.Total != 0 || !page.TotalExact || page.Next != nil {
				t.Errorf("search %q: %d items, total %d exact %v, next %v; want an empty page", text, len(page.Items), page.Total, page.TotalExact, page.Next)
			}
		}
	})

	t.Run("BlankTextListsTheCatalog", func(t *testing.T) {
		want := summaryIDs(search(t, repo, domain.SearchCriteria{Limit: 100}).Items)
		for _, text := range []string{" ", "\t\n ", "\u00a0\u2003"} {
			if got := summaryIDs(search(t, repo, domain.SearchCriteria{Text: text, Limit: 100}).Items); !slices.Equal(got, want) {
				t.Errorf("search %q = %v, want the catalog as with no text: %v", text, got, want)
			}
		}
	})

	t.Run("HostileText", func(t *testing.T) {
		hostile := []string{
			`"ubuntu"`, `ubuntu"`, `"ubuntu`, `""ubuntu""`, `'ubuntu'`, `ubuntu'`,
			`NEAR(ubuntu desktop)`, `NEAR(`, `NEAR(ubuntu desktop, 2)`, `ubuntu*`, `*ubuntu`, `*`, `ubu*nt*`,
			`name:ubuntu`, `col:`, `files:ubuntu`, `{name paths}: ubuntu`, `-name:ubuntu`, `^ubuntu`,
			`ubuntu AND desktop`, `ubuntu OR debian`, `ubuntu NOT desktop`, `NOT ubuntu`, `ubuntu + desktop`,
			`'; DROP TABLE torrents; --`, `ubuntu'); DROP TABLE torrents; --`, `1' OR '1'='1`, `ubuntu; --`,
			`%`, `_`, `ubu%`, `\`, `\"ubuntu\"`, `?1`, `$1 :x @x ?`, `/* ubuntu */`, "ubuntu\x00desktop",
			`🐧 ubuntu 🐧`, `ubuntu🐧desktop`, `(ubuntu)`, `[ubuntu]`, `ubuntu.desktop`, `ubuntu-desktop`,
			strings.Repeat("a", domain.MaxSearchTextLength),
			strings.Repeat("ubuntu ", domain.MaxSearchTextLength/7),
			strings.Repeat(`"*(`, domain.MaxSearchTextLength/3),
			strings.Repeat("🐧", domain.MaxSearchTextLength),
			strings.Repeat("a b ", domain.MaxSearchTextLength/4),
		}
		for _, text := range hostile {
			for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortName} {
				c := domain.SearchCriteria{Text: text, Sort: sort, Limit: 100}
				if err := c.Normalize(); err != nil {
					t.Fatalf("test bug: %q does not normalize: %v", text, err)
				}
				page, err := repo.Search(t.Context(), c)
				if err != nil {
					t.Errorf("search %q sorted by %s failed: %v", clip(text), sort, err)
					continue
				}
				want := refSearch(all, c)
				expectSameSet(t, fmt.Sprintf("search %q", clip(text)), page.Items, want)
				if page.Total != len(want) {
					t.Errorf("search %q: total %d, want %d", clip(text), page.Total, len(want))
				}
			}
		}
		// And the catalog is whole afterwards.
		latest, err := repo.Latest(t.Context(), "", 100)
		if err != nil || len(latest) != len(all) {
			t.Fatalf("after hostile searches Latest = %d torrents, %v; want %d", len(latest), err, len(all))
		}
	})
}

func byNameOrNone(all []domain.Torrent, names []string) []domain.Torrent {
	if len(names) == 0 {
		return nil
	}
	return byName(all, names...)
}

// testSearchFoldsDiacritics: a word matches with or without its accents, both ways, as the SQL
// adapter's tokenizer (unicode61, remove_diacritics 2) has it.
func testSearchFoldsDiacritics(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	all := []domain.Torrent{
		normalized(t, withFiles(torrent("d1", "Café Tacvba En Vivo", "music"), 100, "Música/Ñandú.flac")),
		normalized(t, withFiles(torrent("d2", "Cafe Racer Build", "other"), 100, "garage/build.log")),
		normalized(t, withFiles(torrent("d3", "Crème Brûlée Recipes", "books"), 100, "desserts/creme.pdf")),
		normalized(t, withFiles(torrent("d4", "Über Alles Documentary", "movies"), 100, "uber/alles.mkv")),
	}
	out := upsert(t, repo, all...)
	for i := range all {
		all[i].ID = out[i].ID
	}
	for _, tc := range []struct {
		text string
		want []int // indexes into all
	}{
		{"cafe", []int{0, 1}}, {"café", []int{0, 1}}, {"CAFÉ", []int{0, 1}}, {"caf", []int{0, 1}},
		{"nandu", []int{0}}, {"ñandú", []int{0}}, {"musica nan", []int{0}}, {"tacvba", []int{0}},
		{"creme brulee", []int{2}}, {"crème brûl", []int{2}}, {"creme", []int{2}},
		{"uber", []int{3}}, {"über", []int{3}}, {"ÜBER alles", []int{3}},
	} {
		var want []domain.Torrent
		for _, i := range tc.want {
			want = append(want, all[i])
		}
		expectSameSet(t, fmt.Sprintf("search %q", tc.text), search(t, repo, domain.SearchCriteria{Text: tc.text, Limit: 100}).Items, want)
	}
}

// testNameSortFoldsUnicodeCase: the name order compares strings.ToLower of the names, beyond ASCII
// too, so "été brûlant" comes before "Été Indien" and "ärger" ties "Ärger" (the id decides).
func testNameSortFoldsUnicodeCase(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	names := []string{"été brûlant", "Été Indien", "Zèbre", "zèbre rayé", "ärger", "Ärger", "apple", "Éclair"}
	var all []domain.Torrent
	for i, name := range names {
		all = append(all, normalized(t, torrent(fmt.Sprintf("u%d", i), name, "other")))
	}
	out := upsert(t, repo, all...)
	for i := range all {
		all[i].ID = out[i].ID
	}
	// By hand: byte order of the lowercased names, then id.
	ascending := []int{6, 2, 3, 4, 5, 7, 0, 1}
	for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
		var want []domain.Torrent
		for _, i := range ascending {
			want = append(want, all[i])
		}
		if order == domain.Descending {
			slices.Reverse(want)
		}
		c := domain.SearchCriteria{Sort: domain.SortName, Order: order, Limit: 3}
		expectIDs(t, fmt.Sprintf("name %s by cursor", order), walk(t, repo, c, true), want)
		expectIDs(t, fmt.Sprintf("name %s by offset", order), walk(t, repo, c, false), want)
	}
}

func intPtr(n int) *int { return &n }
