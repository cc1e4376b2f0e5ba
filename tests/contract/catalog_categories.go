package contract

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// RunCategoryRepository runs the ports.CategoryRepository contract against h, including how
// torrent writes keep the counts.
func RunCategoryRepository(t *testing.T, h CatalogHarness) {
	run := func(t *testing.T, name string, test func(t *testing.T, torrents ports.TorrentRepository, categories ports.CategoryRepository)) {
		t.Run(name, func(t *testing.T) {
			torrents, categories := h.New(t)
			test(t, torrents, categories)
		})
	}
	t.Run(h.Name, func(t *testing.T) {
		run(t, "FreshStoreHoldsTheDefaults", testFreshCategories)
		run(t, "EnsureCreatesOnlyWhatIsMissing", testEnsure)
		run(t, "UpsertCreatesCategoriesOnTheFly", testCategoriesOnTheFly)
		run(t, "CountsFollowTorrents", testCountsFollowTorrents)
		run(t, "ListIsCopied", testListIsCopied)
		run(t, "ConcurrentEnsure", testConcurrentEnsure)
	})
}

func testFreshCategories(t *testing.T, _ ports.TorrentRepository, categories ports.CategoryRepository) {
	got := listCategories(t, categories)
	defaults := domain.DefaultCategories()
	if len(got) != len(defaults) {
		t.Fatalf("a fresh store lists %d categories, want the %d defaults", len(got), len(defaults))
	}
	ids := make(map[int64]bool)
	for _, d := range defaults {
		c, ok := got[d.Slug]
		if !ok || c.Name != d.Name || c.TorrentCount != 0 {
			t.Errorf("default %q = %+v (present %v); want name %q, no torrents", d.Slug, c, ok, d.Name)
		}
		if ids[c.ID] {
			t.Errorf("two categories share id %d", c.ID)
		}
		ids[c.ID] = true
	}
}

func testEnsure(t *testing.T, _ ports.TorrentRepository, categories ports.CategoryRepository) {
	before := listCategories(t, categories)
	err := categories.Ensure(t.Context(), []domain.CategoryRef{
		{Slug: "sci-fi", Name: "Sci-Fi"},
		{Slug: "movies", Name: "Films"}, // exists: keeps "Movies"
		{Slug: "podcasts", Name: "Podcasts"},
		{Slug: "podcasts", Name: "Podcasts Again"}, // twice in one call: the first one made it
	})
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	got := listCategories(t, categories)
	if len(got) != len(before)+2 {
		t.Fatalf("%d categories after Ensure, want %d", len(got), len(before)+2)
	}
	for slug, name := range map[string]string{"sci-fi": "Sci-Fi", "podcasts": "Podcasts", "movies": "Movies"} {
		if c := got[slug]; c.Name != name || c.TorrentCount != 0 {
			t.Errorf("category %q = %+v, want name %q and no torrents", slug, c, name)
		}
	}
	if got["movies"].ID != before["movies"].ID {
		t.Errorf("Ensure changed the id of an existing category: %d, was %d", got["movies"].ID, before["movies"].ID)
	}
	if got["sci-fi"].ID == got["podcasts"].ID || before["movies"].ID == got["sci-fi"].ID {
		t.Errorf("new categories need ids of their own: %+v", got)
	}

	// Again: nothing changes, nothing is duplicated.
	if err := categories.Ensure(t.Context(), []domain.CategoryRef{{Slug: "sci-fi", Name: "Science Fiction"}}); err != nil {
		t.Fatal(err)
	}
	if err := categories.Ensure(t.Context(), nil); err != nil {
		t.Fatalf("Ensure(nil): %v", err)
	}
	again := listCategories(t, categories)
	if len(again) != len(got) || again["sci-fi"] != got["sci-fi"] {
		t.Errorf("a second Ensure changed the categories: %+v, was %+v", again["sci-fi"], got["sci-fi"])
	}
}

func testCategoriesOnTheFly(t *testing.T, torrents ports.TorrentRepository, categories ports.CategoryRepository) {
	doc := torrent("doc", "A Documentary", "documentaries")
	doc.Category.Name = "Documentaries & Docs"
	doc = normalized(t, doc)
	films := torrent("film", "A Film", "movies")
	films.Category.Name = "Films" // the slug exists: its name stays "Movies"
	films = normalized(t, films)
	out := upsert(t, torrents, doc, films)

	got := listCategories(t, categories)
	if c := got["documentaries"]; c.Name != "Documentaries & Docs" || c.TorrentCount != 1 {
		t.Errorf("the category created on the fly = %+v, want name %q and one torrent", c, "Documentaries & Docs")
	}
	if c := got["movies"]; c.Name != "Movies" || c.TorrentCount != 1 {
		t.Errorf("movies = %+v, want its own name and one torrent", c)
	}
	if g := get(t, torrents, domain.TorrentRef{ID: out[1].ID}); g.Category != (domain.CategoryRef{Slug: "movies", Name: "Movies"}) {
		t.Errorf("the film's category reads %+v, want the stored category's name", g.Category)
	}
	if g := get(t, torrents, domain.TorrentRef{ID: out[0].ID}); g.Category != (domain.CategoryRef{Slug: "documentaries", Name: "Documentaries & Docs"}) {
		t.Errorf("the documentary's category reads %+v", g.Category)
	}
	// A later torrent naming the new slug differently does not rename it.
	doc2 := torrent("doc2", "Another Documentary", "documentaries")
	doc2.Category.Name = "Docs"
	upsert(t, torrents, normalized(t, doc2))
	if c := listCategories(t, categories)["documentaries"]; c.Name != "Documentaries & Docs" || c.TorrentCount != 2 {
		t.Errorf("documentaries = %+v after a second torrent, want the first name and two torrents", c)
	}
	// The new category is usable right away.
	latest, err := torrents.Latest(t.Context(), "documentaries", 10)
	if err != nil || len(latest) != 2 {
		t.Errorf("Latest(documentaries) = %d torrents, %v; want 2", len(latest), err)
	}
}

func testCountsFollowTorrents(t *testing.T, torrents ports.TorrentRepository, categories ports.CategoryRepository) {
	m1 := normalized(t, torrent("m1", "Movie One", "movies"))
	m2 := normalized(t, torrent("m2", "Movie Two", "movies"))
	s1 := normalized(t, torrent("s1", "Show One", "tv"))
	n1 := normalized(t, torrent("n1", "New One", "zines"))
	upsert(t, torrents, m1, m2, s1, n1)
	expectCounts(t, categories, map[string]int64{"movies": 2, "tv": 1, "zines": 1})

	// Updates that keep the category change no count.
	m1.Seeders = 500
	upsert(t, torrents, m1, s1)
	expectCounts(t, categories, map[string]int64{"movies": 2, "tv": 1, "zines": 1})

	// Moving torrents between categories moves their counts; an emptied category stays listed.
	m2.Category = domain.CategoryRef{Slug: "tv", Name: "TV"}
	n1.Category = domain.CategoryRef{Slug: "movies", Name: "Movies"}
	upsert(t, torrents, m2, n1)
	expectCounts(t, categories, map[string]int64{"movies": 2, "tv": 2, "zines": 0})

	// Moved there and back in one call: the count ends where the torrent ends.
	s1.Category = domain.CategoryRef{Slug: "zines", Name: "Zines"}
	s1b := s1
	s1b.Category = domain.CategoryRef{Slug: "books", Name: "Books"}
	upsert(t, torrents, s1, s1b)
	expectCounts(t, categories, map[string]int64{"movies": 2, "tv": 1, "books": 1, "zines": 0})

	// A new torrent in the same call as an update.
	fresh := normalized(t, torrent("fresh", "Fresh", "zines"))
	m1.Category = domain.CategoryRef{Slug: "zines", Name: "Zines"}
	upsert(t, torrents, fresh, m1)
	expectCounts(t, categories, map[string]int64{"movies": 1, "tv": 1, "books": 1, "zines": 2})

	// The counts agree with what the catalog lists.
	for slug, n := range map[string]int{"movies": 1, "tv": 1, "books": 1, "zines": 2, "music": 0} {
		latest, err := torrents.Latest(t.Context(), slug, 100)
		if err != nil || len(latest) != n {
			t.Errorf("Latest(%q) = %d torrents, %v; want %d", slug, len(latest), err, n)
		}
	}
}

func testListIsCopied(t *testing.T, _ ports.TorrentRepository, categories ports.CategoryRepository) {
	list, err := categories.List(t.Context())
	if err != nil || len(list) == 0 {
		t.Fatalf("List = %v, %v", list, err)
	}
	want := slices.Clone(list)
	list[0].Name, list[0].TorrentCount = "changed by a reader", 99
	again, err := categories.List(t.Context())
	if err != nil || !slices.Equal(again, want) {
		t.Fatalf("List after a reader changed its copy = %+v, want %+v", again, want)
	}
}

func testConcurrentEnsure(t *testing.T, torrents ports.TorrentRepository, categories ports.CategoryRepository) {
	const workers = 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var refs []domain.CategoryRef
			for k := range 5 {
				n := (w + k) % 10 // every new slug is wanted by five workers
				refs = append(refs, domain.CategoryRef{Slug: fmt.Sprintf("shared-%d", n), Name: fmt.Sprintf("Shared %d", n)})
			}
			if err := categories.Ensure(t.Context(), refs); err != nil {
				t.Errorf("worker %d: Ensure: %v", w, err)
				return
			}
			// Upserts that create categories race with Ensure too.
			tr := torrent(fmt.Sprintf("ensure-%d", w), fmt.Sprintf("Ensure race %d", w), fmt.Sprintf("raced-%d", w%3))
			if err := tr.Normalize(now); err != nil {
				t.Errorf("fixture: %v", err)
				return
			}
			if _, err := torrents.Upsert(t.Context(), []domain.Torrent{tr}); err != nil {
				t.Errorf("worker %d: Upsert: %v", w, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	got := listCategories(t, categories)
	if want := len(domain.DefaultCategories()) + 10 + 3; len(got) != want {
		t.Fatalf("%d categories after the race, want %d", len(got), want)
	}
	for n := range 10 {
		if c := got[fmt.Sprintf("shared-%d", n)]; c.Name != fmt.Sprintf("Shared %d", n) {
			t.Errorf("shared-%d = %+v", n, c)
		}
	}
	expectCounts(t, categories, map[string]int64{"raced-0": 7, "raced-1": 7, "raced-2": 6})
}
