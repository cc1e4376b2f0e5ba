package contract

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// CatalogHarness makes the stores RunTorrentRepository and RunCategoryRepository test.
type CatalogHarness struct {
	// Name labels the adapter in test output.
	Name string
	// New returns a fresh pair of repositories over one store that holds the default categories
	// and nothing else. Each subtest calls it once.
	New func(t *testing.T) (ports.TorrentRepository, ports.CategoryRepository)
}

// RunTorrentRepository runs the ports.TorrentRepository contract against h.
func RunTorrentRepository(t *testing.T, h CatalogHarness) {
	run := func(t *testing.T, name string, test func(t *testing.T, torrents ports.TorrentRepository, categories ports.CategoryRepository)) {
		t.Run(name, func(t *testing.T) {
			torrents, categories := h.New(t)
			test(t, torrents, categories)
		})
	}
	t.Run(h.Name, func(t *testing.T) {
		run(t, "UpsertCreatesThenUpdates", testUpsertCreatesThenUpdates)
		run(t, "UpsertSameHashTwiceInOneCall", testUpsertSameHashTwice)
		run(t, "UpsertNothing", testUpsertNothing)
		run(t, "UpsertUnchanged", testUpsertUnchanged)
		run(t, "UpsertWithoutAnUploadDate", testUpsertWithoutAnUploadDate)
		run(t, "GetByIDAndByHash", testGetByIDAndHash)
		run(t, "GetUnknown", testGetUnknown)
		run(t, "ValuesAreCopied", testTorrentValuesAreCopied)
		run(t, "Latest", testLatest)
		run(t, "Search", testSearch)
		run(t, "SearchFoldsDiacritics", testSearchFoldsDiacritics)
		run(t, "NameSortFoldsUnicodeCase", testNameSortFoldsUnicodeCase)
		run(t, "ConcurrentUpserts", testConcurrentUpserts)
		run(t, "TakeDownRemovesAndBlocks", testTakeDownRemovesAndBlocks)
		run(t, "TakeDownNothing", testTakeDownNothing)
		run(t, "TakeDownMany", testTakeDownMany)
		run(t, "TakeDownConcurrentWithUpserts", testTakeDownConcurrentWithUpserts)
		run(t, "BlockedList", testBlockedList)
	})
}

func testUpsertCreatesThenUpdates(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	a := withFiles(torrent("a", "Alpha.Release.2019.1080p.BluRay.x264-GRP", "movies"), 3000, "alpha/alpha.mkv", "alpha/alpha.srt")
	a.Description = "first cut"
	a.Trackers = []string{"udp://tracker.example.org:6969/announce"}
	a.WebSeeds = []string{"https://seed.example.org/alpha/"}
	a.External = domain.ExternalIDs{IMDb: "tt0133093", TMDb: 603}
	a = normalized(t, a)
	if a.Release.Year != 2019 || a.Release.Resolution != "1080p" {
		t.Fatalf("the fixture's release reads %+v", a.Release)
	}
	b := normalized(t, torrent("b", "Bravo Album", "music"))
	c := normalized(t, torrent("c", "Charlie Game", "games"))

	out := upsert(t, repo, a, b, c)
	for i, o := range out {
		if !o.Created || o.ID != int64(i+1) {
			t.Fatalf("outcome %d = %+v, want created with id %d (ids count from 1 on a fresh store)", i, o, i+1)
		}
	}
	a.ID, b.ID, c.ID = 1, 2, 3
	first := get(t, repo, domain.TorrentRef{ID: 1})
	expectTorrent(t, first, a)
	expectCounts(t, categories, map[string]int64{"movies": 1, "music": 1, "games": 1})

	// The same hash again, with everything changed but the hash.
	a2 := withFiles(torrent("a", "Alpha Release (Director's Cut) S01E02-E03 720p", "tv"), 9000, "cut/alpha.mkv", "cut/extras/interview.mkv", "cut/alpha.en.srt")
	// An update without an id keeps the ids known; one naming an id replaces it.
	a2.External = domain.ExternalIDs{TVDb: 81189, TMDb: 1396}
	a2.WebSeeds = []string{"https://seed.example.net/a/", "http://seed.example.org/a/"}
	a2.InfoHashV2 = domain.InfoHashV2{0xab, 0xcd}
	a2.Seeders, a2.Leechers = 42, 7
	a2.Description = "second cut"
	a2.UploadedAt = epoch.Add(36 * time.Hour)
	a2.Trackers = []string{"https://tracker.example.net/announce", "udp://tracker.example.org:6969/announce"}
	a2 = normalized(t, a2)
	d := normalized(t, torrent("d", "Delta Book", "books"))

	out = upsert(t, repo, a2, d)
	if out[0].Created || out[0].ID != 1 {
		t.Errorf("outcome for the known hash = %+v, want updated with id 1", out[0])
	}
	// Ids only grow and are never reused; an update may use one up (SQLite's AUTOINCREMENT does).
	if !out[1].Created || out[1].ID <= 3 {
		t.Errorf("outcome for the new hash = %+v, want created with an id above 3", out[1])
	}
	d.ID = out[1].ID
	a2.ID = 1
	a2.External.IMDb = a.External.IMDb // kept: the update did not name one
	updated := get(t, repo, domain.TorrentRef{InfoHash: a.InfoHash})
	expectTorrent(t, updated, a2)
	if !slices.Equal(updated.Release.Episodes, []int{2, 3}) {
		t.Errorf("the updated release reads episodes %v, want [2 3]", updated.Release.Episodes)
	}
	if !updated.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("CreatedAt changed on update: %v, was %v", updated.CreatedAt, first.CreatedAt)
	}
	if updated.UpdatedAt.Before(first.UpdatedAt) {
		t.Errorf("UpdatedAt went back on update: %v, was %v", updated.UpdatedAt, first.UpdatedAt)
	}
	expectCounts(t, categories, map[string]int64{"tv": 1, "music": 1, "games": 1, "books": 1})

	// Still four torrents: the update made no duplicate.
	latest, err := repo.Latest(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summaryIDs(latest), []int64{1, d.ID, 3, 2}; !slices.Equal(got, want) {
		t.Errorf("Latest ids = %v, want %v (the updated torrent is newest, then id descending)", got, want)
	}
	page := search(t, repo, domain.SearchCriteria{Text: "alpha", Limit: 100})
	if page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != 1 {
		t.Errorf("search for the updated torrent found %v (total %d), want only id 1", summaryIDs(page.Items), page.Total)
	}
	// The update replaced the searchable text too: the old file names are gone, the new ones found.
	if page := search(t, repo, domain.SearchCriteria{Text: "interview"}); !slices.Equal(summaryIDs(page.Items), []int64{1}) {
		t.Errorf("search for a new file name found %v, want [1]", summaryIDs(page.Items))
	}
	if page := search(t, repo, domain.SearchCriteria{Text: "director"}); !slices.Equal(summaryIDs(page.Items), []int64{1}) {
		t.Errorf("search for a new word of the name found %v, want [1]", summaryIDs(page.Items))
	}

	// A v1 hash names one info dictionary, so a source that lacks the v2 hash (a v1 magnet) keeps it.
	a3 := a2
	a3.InfoHashV2 = domain.InfoHashV2{}
	a3.Seeders = 43
	upsert(t, repo, a3)
	a3.InfoHashV2 = a2.InfoHashV2
	expectTorrent(t, get(t, repo, domain.TorrentRef{ID: 1}), a3)
}

func testUpsertSameHashTwice(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	v1 := normalized(t, torrent("twice", "Twice First", "movies"))
	other := normalized(t, torrent("other", "Other One", "movies"))
	v2 := torrent("twice", "Twice Second", "anime")
	v2.Seeders = 99
	v2 = normalized(t, v2)

	out := upsert(t, repo, v1, other, v2)
	want := []domain.UpsertOutcome{
		{InfoHash: v1.InfoHash, ID: 1, Created: true},
		{InfoHash: other.InfoHash, ID: 2, Created: true},
		{InfoHash: v1.InfoHash, ID: 1, Created: false},
	}
	if !slices.Equal(out, want) {
		t.Fatalf("outcomes = %+v, want %+v", out, want)
	}
	v2.ID = 1
	expectTorrent(t, get(t, repo, domain.TorrentRef{ID: 1}), v2)
	if _, err := repo.Get(t.Context(), domain.TorrentRef{ID: 3}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get(id 3) err = %v, want ErrNotFound: the second copy must not be a row", err)
	}
	expectCounts(t, categories, map[string]int64{"movies": 1, "anime": 1})
}

// An upsert of a torrent stored exactly so writes nothing and says so (Unchanged, with its id):
// a re-ingest or a second import of the same catalog is not an update. Leaving out what the store
// keeps when absent (a v2 hash, an external id) changes nothing either; any one field changed is an
// update.
func testUpsertUnchanged(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	a := withFiles(torrent("same", "Same.Release.2020.1080p.WEB-DL-GRP", "movies"), 300, "same/a.mkv", "same/b.srt")
	a.Trackers = []string{"udp://tracker.example.org:6969/announce"}
	a.WebSeeds = []string{"https://seed.example.org/same/"}
	a.External = domain.ExternalIDs{IMDb: "tt0133093", TMDb: 603}
	a.InfoHashV2 = domain.InfoHashV2{0x12, 0x34}
	a.Description = "as it was"
	a = normalized(t, a)
	b := normalized(t, torrent("other", "Other One", "music"))
	upsert(t, repo, a, b)
	stored := get(t, repo, domain.TorrentRef{ID: 1})

	out := upsert(t, repo, a, b, a)
	for i, o := range out {
		if o.Created || !o.Unchanged || o.Blocked || o.ID != int64(i%2+1) {
			t.Fatalf("outcome %d of the same torrents again = %+v, want unchanged with id %d", i, o, i%2+1)
		}
	}
	again := get(t, repo, domain.TorrentRef{ID: 1})
	expectTorrent(t, again, stored)
	if !again.UpdatedAt.Equal(stored.UpdatedAt) {
		t.Errorf("UpdatedAt moved on an unchanged upsert: %v, was %v", again.UpdatedAt, stored.UpdatedAt)
	}

	partial := a
	partial.InfoHashV2, partial.External = domain.InfoHashV2{}, domain.ExternalIDs{}
	if o := upsert(t, repo, partial)[0]; !o.Unchanged || o.Created {
		t.Errorf("without the v2 hash and external ids the store keeps = %+v, want unchanged", o)
	}
	for name, change := range map[string]func(*domain.Torrent){
		"seeders": func(x *domain.Torrent) { x.Seeders++ },
		"files": func(x *domain.Torrent) {
			x.Files = append(slices.Clone(x.Files), domain.File{Path: "same/c.nfo", Size: 1})
			x.Size++
		},
		"trackers": func(x *domain.Torrent) { x.Trackers = nil },
		"tmdb":     func(x *domain.Torrent) { x.External.TMDb = 604 },
		"category": func(x *domain.Torrent) { x.Category = domain.CategoryRef{Slug: "tv"} },
	} {
		changed := a
		change(&changed)
		changed = normalized(t, changed)
		if o := upsert(t, repo, changed)[0]; o.Unchanged || o.Created || o.ID != 1 {
			t.Errorf("%s changed: %+v, want updated with id 1", name, o)
		}
		upsert(t, repo, a) // back as it was, for the next change
	}
	expectCounts(t, categories, map[string]int64{"movies": 1, "music": 1})
}

// A torrent sent without an upload date is dated by the ingest that first stores it; sent again
// without one, later (a seeders refresh, a second import of a source without dates), it keeps that
// date: unchanged when nothing else changed, updated but still dated so when something did (so it
// does not move up the latest list). A date given replaces the stored one.
func testUpsertWithoutAnUploadDate(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	undated := func(at time.Time, seeders int64) domain.Torrent {
		x := torrent("undated", "Undated.Release.2021.720p", "movies")
		x.UploadedAt, x.Seeders = time.Time{}, seeders
		if err := x.Normalize(at); err != nil {
			t.Fatal(err)
		}
		return x
	}
	first := now.Add(-48 * time.Hour)
	if o := upsert(t, repo, undated(first, 3))[0]; !o.Created {
		t.Fatalf("the first ingest = %+v, want created", o)
	}
	if got := get(t, repo, domain.TorrentRef{ID: 1}).UploadedAt; !got.Equal(first) {
		t.Fatalf("a torrent first stored without an upload date is dated %v, want the ingest's time %v", got, first)
	}
	if o := upsert(t, repo, undated(first.Add(time.Hour), 3))[0]; !o.Unchanged {
		t.Errorf("the same torrent again an hour later, without a date = %+v, want unchanged", o)
	}
	if o := upsert(t, repo, undated(first.Add(2*time.Hour), 9))[0]; o.Unchanged || o.Created {
		t.Errorf("its seeders refreshed without a date = %+v, want updated", o)
	}
	got := get(t, repo, domain.TorrentRef{ID: 1})
	if !got.UploadedAt.Equal(first) || got.Seeders != 9 {
		t.Errorf("after a refresh without a date: dated %v with %d seeders, want %v with 9", got.UploadedAt, got.Seeders, first)
	}
	dated := undated(now, 9)
	dated.UploadedAt, dated.UploadedAtUnset = epoch, false
	if o := upsert(t, repo, dated)[0]; o.Unchanged || o.Created {
		t.Errorf("a date given = %+v, want updated", o)
	}
	if got := get(t, repo, domain.TorrentRef{ID: 1}).UploadedAt; !got.Equal(epoch) {
		t.Errorf("a date given was stored as %v, want %v", got, epoch)
	}

	// One call mixing both, the same hash twice among them: outcomes in order, each date as said.
	fresh := normalized(t, torrent("fresh", "Fresh One", "music"))
	again := undated(now, 9)
	out := upsert(t, repo, fresh, again, normalized(t, torrent("other", "Other One", "games")), undated(now, 10), fresh)
	for i, want := range []string{"created", "unchanged", "created", "updated", "unchanged"} {
		if got := outcomeWord(out[i]); got != want {
			t.Errorf("mixed call, outcome %d: %s, want %s", i, got, want)
		}
	}
	if got := get(t, repo, domain.TorrentRef{ID: 1}); !got.UploadedAt.Equal(epoch) || got.Seeders != 10 {
		t.Errorf("after the mixed call: dated %v with %d seeders, want %v with 10", got.UploadedAt, got.Seeders, epoch)
	}
}

func outcomeWord(o domain.UpsertOutcome) string {
	switch {
	case o.Blocked:
		return "blocked"
	case o.Created:
		return "created"
	case o.Unchanged:
		return "unchanged"
	}
	return "updated"
}

func testUpsertNothing(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	out, err := repo.Upsert(t.Context(), nil)
	if err != nil || len(out) != 0 {
		t.Fatalf("Upsert(nil) = %v, %v; want no outcomes, nil", out, err)
	}
	expectCounts(t, categories, nil)
}

func testGetByIDAndHash(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	x := withFiles(torrent("x", "X-Ray Vision 1080p", "movies"), 12345, "X-Ray Vision/x.mkv", "X-Ray Vision/sub/fr.srt", "X-Ray Vision/sub/de.srt")
	x.InfoHashV2 = domain.InfoHashV2{1, 2, 3, 4, 5}
	x.Description = "Ünïcödé description with \"quotes\" and 'apostrophes' and a 🐧."
	x.Trackers = []string{"udp://b.example.org:1337/announce", "https://a.example.org/announce", "wss://c.example.org/ws"}
	x.Seeders, x.Leechers = 1<<40, 0
	x.UploadedAt = epoch.Add(-400 * 24 * time.Hour)
	x = normalized(t, x)
	y := normalized(t, torrent("y", "Yankee", "other"))
	out := upsert(t, repo, y, x)
	x.ID = out[1].ID

	byID := get(t, repo, domain.TorrentRef{ID: x.ID})
	byHash := get(t, repo, domain.TorrentRef{InfoHash: x.InfoHash})
	expectTorrent(t, byID, x)
	expectTorrent(t, byHash, x)
	if !byID.CreatedAt.Equal(byHash.CreatedAt) || !byID.UpdatedAt.Equal(byHash.UpdatedAt) {
		t.Errorf("the same torrent has two sets of timestamps: %v/%v by id, %v/%v by hash",
			byID.CreatedAt, byID.UpdatedAt, byHash.CreatedAt, byHash.UpdatedAt)
	}
}

func testGetUnknown(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	upsert(t, repo, normalized(t, torrent("known", "Known", "movies")))
	for _, ref := range []domain.TorrentRef{
		{ID: 2},
		{ID: 1 << 62},
		{InfoHash: hashOf("unknown")},
		{InfoHash: domain.InfoHash{0xff}},
	} {
		got, err := repo.Get(t.Context(), ref)
		if !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get(%s) = %q, %v; want ErrNotFound", ref, got.Name, err)
		}
	}
}

func testTorrentValuesAreCopied(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	in := withFiles(torrent("copy", "Copied", "movies"), 200, "one.bin", "two.bin")
	in.Trackers = []string{"udp://tracker.example.org:1/announce"}
	in = normalized(t, in)
	want := in
	want.Files = slices.Clone(in.Files)
	want.Trackers = slices.Clone(in.Trackers)
	out := upsert(t, repo, in)
	want.ID = out[0].ID

	in.Files[0].Path = "changed by the caller"
	in.Trackers[0] = "udp://changed.example.org:1/announce"
	got := get(t, repo, domain.TorrentRef{ID: want.ID})
	expectTorrent(t, got, want)

	got.Files[0].Path = "changed by a reader"
	got.Trackers[0] = "udp://reader.example.org:1/announce"
	expectTorrent(t, get(t, repo, domain.TorrentRef{ID: want.ID}), want)

	latest, err := repo.Latest(t.Context(), "", 1)
	if err != nil || len(latest) != 1 {
		t.Fatalf("Latest = %v, %v", latest, err)
	}
	latest[0].Trackers[0] = "udp://reader.example.org:1/announce"
	expectTorrent(t, get(t, repo, domain.TorrentRef{ID: want.ID}), want)
}

func testLatest(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	day := 24 * time.Hour
	specs := []struct {
		key, slug string
		at        time.Duration
	}{
		{"l1", "movies", 0},
		{"l2", "tv", 3 * day},
		{"l3", "movies", 3 * day}, // ties l2: the higher id first
		{"l4", "music", 1 * day},
		{"l5", "movies", 5 * day},
		{"l6", "tv", -2 * day},
		{"l7", "movies", 3 * day}, // ties l2 and l3
		{"l8", "other", 2*day + time.Second},
	}
	var all []domain.Torrent
	for _, s := range specs {
		tr := torrent(s.key, "Latest "+s.key, s.slug)
		tr.UploadedAt = epoch.Add(s.at)
		all = append(all, normalized(t, tr))
	}
	out := upsert(t, repo, all...)
	for i := range all {
		all[i].ID = out[i].ID
	}
	// By hand, so the test does not share a mistake with the reference model.
	byUpload := []int{4, 6, 2, 1, 7, 3, 0, 5} // indexes into all
	want := func(slug string, limit int) []int64 {
		var ids []int64
		for _, i := range byUpload {
			if (slug == "" || all[i].Category.Slug == slug) && len(ids) < limit {
				ids = append(ids, all[i].ID)
			}
		}
		return ids
	}
	for _, tc := range []struct {
		slug  string
		limit int
	}{
		{"", 100}, {"", 3}, {"", 1}, {"", 8}, {"movies", 100}, {"movies", 2}, {"tv", 100}, {"books", 100}, {"no-such-category", 10},
	} {
		got, err := repo.Latest(t.Context(), tc.slug, tc.limit)
		if err != nil {
			t.Fatalf("Latest(%q, %d): %v", tc.slug, tc.limit, err)
		}
		if w := want(tc.slug, tc.limit); !slices.Equal(summaryIDs(got), w) {
			t.Errorf("Latest(%q, %d) ids = %v, want %v", tc.slug, tc.limit, summaryIDs(got), w)
		}
	}
	got, err := repo.Latest(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		expectSummary(t, s, all[byUpload[i]])
	}
}

// testConcurrentUpserts has 20 writers upsert overlapping batches of one pool of hashes, each
// batch in its own order and chunking, the way parallel ingest requests do.
func testConcurrentUpserts(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	const (
		pool      = 200
		writers   = 20
		perWriter = 50
	)
	slugs := []string{"movies", "tv", "music", "concurrent-new"}
	build := func(i, writer int) domain.Torrent {
		tr := withFiles(torrent(fmt.Sprintf("pool-%03d", i), fmt.Sprintf("Pooled torrent %03d", i), slugs[i%len(slugs)]),
			int64(1000+i), fmt.Sprintf("pool/%03d.bin", i))
		tr.Category.Name = "Concurrent New"
		if d, ok := defaultCategoryNames()[tr.Category.Slug]; ok {
			tr.Category.Name = d
		}
		tr.Seeders = int64(writer*1000 + i) // who wrote last differs; the hash's part does not
		tr.UploadedAt = epoch.Add(time.Duration(i) * time.Minute)
		return tr
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		outcomes []domain.UpsertOutcome
	)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			batch := make([]domain.Torrent, 0, perWriter)
			for j := range perWriter {
				tr := build((w*10+j)%pool, w) // every hash is in five writers' batches
				if err := tr.Normalize(now); err != nil {
					t.Errorf("fixture: %v", err)
					return
				}
				batch = append(batch, tr)
			}
			rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
			chunk := 2 + w%7*4 // 2, 6, 10 … 26 torrents per call
			for len(batch) > 0 {
				n := min(chunk, len(batch))
				out, err := repo.Upsert(t.Context(), batch[:n])
				if err != nil {
					t.Errorf("writer %d: Upsert: %v", w, err)
					return
				}
				if len(out) != n {
					t.Errorf("writer %d: %d outcomes for %d torrents", w, len(out), n)
					return
				}
				mu.Lock()
				outcomes = append(outcomes, out...)
				mu.Unlock()
				batch = batch[n:]
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	created := 0
	idOf := make(map[domain.InfoHash]int64)
	for _, o := range outcomes {
		if o.Created {
			created++
		}
		if id, seen := idOf[o.InfoHash]; seen && id != o.ID {
			t.Fatalf("hash %s was given ids %d and %d", o.InfoHash, id, o.ID)
		}
		idOf[o.InfoHash] = o.ID
	}
	if created != pool || len(idOf) != pool || len(outcomes) != writers*perWriter {
		t.Fatalf("%d outcomes, %d created, %d hashes; want %d, %d, %d", len(outcomes), created, len(idOf), writers*perWriter, pool, pool)
	}

	// Every hash once, through the listing; every tenth also through Get, files included.
	listed := walk(t, repo, domain.SearchCriteria{Limit: 100}, true)
	if len(listed) != pool {
		t.Fatalf("listing the catalog found %d torrents, want %d", len(listed), pool)
	}
	byHash := make(map[domain.InfoHash]domain.TorrentSummary, pool)
	for _, s := range listed {
		byHash[s.InfoHash] = s
	}
	wantCounts := make(map[string]int64)
	for i := range pool {
		want := build(i, 0)
		got, ok := byHash[want.InfoHash]
		switch {
		case !ok:
			t.Fatalf("hash %d (%s) is not listed", i, want.InfoHash)
		case got.ID != idOf[want.InfoHash]:
			t.Fatalf("hash %s is stored with id %d; its outcomes said %d", want.InfoHash, got.ID, idOf[want.InfoHash])
		case got.Name != want.Name || got.Category != want.Category || got.Seeders%1000 != int64(i):
			t.Errorf("hash %d stored as %q in %v with %d seeders; want %q in %v, seeders ≡ %d mod 1000",
				i, got.Name, got.Category, got.Seeders, want.Name, want.Category, i)
		}
		if i%10 == 0 {
			if full := get(t, repo, domain.TorrentRef{InfoHash: want.InfoHash}); !slices.Equal(full.Files, want.Files) {
				t.Errorf("hash %d has files %v, want %v", i, full.Files, want.Files)
			}
		}
		wantCounts[want.Category.Slug]++
	}
	expectCounts(t, categories, wantCounts)
}
