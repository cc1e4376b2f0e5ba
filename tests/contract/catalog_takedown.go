package contract

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// searchHashes returns the hashes a search finds, all of them (the fixtures stay under a page).
func searchHashes(t *testing.T, repo ports.TorrentRepository, c domain.SearchCriteria) map[domain.InfoHash]bool {
	t.Helper()
	c.Limit = domain.MaxPageSize
	page := search(t, repo, c)
	if page.Total != len(page.Items) {
		t.Fatalf("Search(%+v): total %d for %d items", c, page.Total, len(page.Items))
	}
	out := make(map[domain.InfoHash]bool, len(page.Items))
	for _, it := range page.Items {
		out[it.InfoHash] = true
	}
	return out
}

// A takedown removes the torrent from every read (by id, by hash, search by name and by file path,
// latest, the category counts), blocks its hash for later upserts, and an unblock lets it in again.
func testTakeDownRemovesAndBlocks(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	a := normalized(t, withFiles(torrent("td-a", "Xylophone Concert", "movies"), 3000, "concert/xylophone.mkv", "concert/zither-notes.txt"))
	b := normalized(t, torrent("td-b", "Bravo Album", "music"))
	c := normalized(t, withFiles(torrent("td-c", "Xylophone Lessons", "movies"), 10, "lessons/one.mkv"))
	out := upsert(t, repo, a, b, c)
	idA := out[0].ID
	preventive := hashOf("td-never-ingested")

	done, err := repo.TakeDown(t.Context(), []domain.InfoHash{a.InfoHash, preventive, a.InfoHash})
	if err != nil {
		t.Fatalf("TakeDown: %v", err)
	}
	want := []domain.TakedownOutcome{
		{InfoHash: a.InfoHash, ID: idA, Removed: true},
		{InfoHash: preventive},
		{InfoHash: a.InfoHash}, // given twice: removed once
	}
	if fmt.Sprint(done) != fmt.Sprint(want) {
		t.Fatalf("TakeDown = %+v, want %+v", done, want)
	}
	for _, ref := range []domain.TorrentRef{{ID: idA}, {InfoHash: a.InfoHash}} {
		if _, err := repo.Get(t.Context(), ref); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Get(%s) after the takedown = %v, want domain.ErrNotFound", ref, err)
		}
	}
	for _, text := range []string{"xylophone", "zither", "concert"} {
		found := searchHashes(t, repo, domain.SearchCriteria{Text: text})
		if found[a.InfoHash] {
			t.Fatalf("search %q still finds the taken-down torrent", text)
		}
	}
	if found := searchHashes(t, repo, domain.SearchCriteria{Text: "xylophone"}); len(found) != 1 || !found[c.InfoHash] {
		t.Fatalf("search xylophone = %v, want only c", found)
	}
	if found := searchHashes(t, repo, domain.SearchCriteria{Categories: []string{"movies"}}); len(found) != 1 || !found[c.InfoHash] {
		t.Fatalf("search in movies = %v, want only c", found)
	}
	latest, err := repo.Latest(t.Context(), "", 100)
	if err != nil || len(latest) != 2 {
		t.Fatalf("Latest after the takedown = %d items, %v; want 2", len(latest), err)
	}
	expectCounts(t, categories, map[string]int64{"movies": 1, "music": 1})

	// Upserts of blocked hashes, taken down and preventive, store nothing and say so; the rest of
	// the call is stored as usual.
	x := normalized(t, torrent("td-never-ingested", "Preventively Blocked", "tv"))
	b.Seeders = 99
	out = upsert(t, repo, a, x, b)
	if !out[0].Blocked || !out[1].Blocked || out[0].ID != 0 || out[1].ID != 0 || out[0].Created || out[1].Created {
		t.Fatalf("Upsert of blocked hashes = %+v, want Blocked without id", out[:2])
	}
	if out[0].InfoHash != a.InfoHash || out[1].InfoHash != x.InfoHash {
		t.Fatalf("blocked outcomes name %v %v", out[0].InfoHash, out[1].InfoHash)
	}
	if out[2].Blocked || out[2].Created || out[2].ID == 0 {
		t.Fatalf("Upsert of an unblocked hash beside blocked ones = %+v", out[2])
	}
	if got := get(t, repo, domain.TorrentRef{InfoHash: b.InfoHash}); got.Seeders != 99 {
		t.Fatalf("b was not updated: %+v", got)
	}
	if _, err := repo.Get(t.Context(), domain.TorrentRef{InfoHash: a.InfoHash}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a blocked upsert stored the torrent: %v", err)
	}
	expectCounts(t, categories, map[string]int64{"movies": 1, "music": 1})

	// Unblock: true once, then false; an unknown hash is false.
	for i, wantWas := range []bool{true, false} {
		was, err := repo.Unblock(t.Context(), a.InfoHash)
		if err != nil || was != wantWas {
			t.Fatalf("Unblock #%d = %v, %v; want %v", i+1, was, err, wantWas)
		}
	}
	if was, err := repo.Unblock(t.Context(), hashOf("td-unknown")); err != nil || was {
		t.Fatalf("Unblock(unknown) = %v, %v", was, err)
	}
	out = upsert(t, repo, a, x)
	if !out[0].Created || out[0].Blocked || out[0].ID <= idA {
		t.Fatalf("Upsert after the unblock = %+v, want created with a new id above %d", out[0], idA)
	}
	if !out[1].Blocked {
		t.Fatalf("the other blocked hash must stay blocked: %+v", out[1])
	}
	a.ID = out[0].ID
	expectTorrent(t, get(t, repo, domain.TorrentRef{ID: a.ID}), a)
	if found := searchHashes(t, repo, domain.SearchCriteria{Text: "zither"}); len(found) != 1 || !found[a.InfoHash] {
		t.Fatalf("search zither after the return = %v", found)
	}
	expectCounts(t, categories, map[string]int64{"movies": 2, "music": 1})
}

func testTakeDownNothing(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	out, err := repo.TakeDown(t.Context(), nil)
	if err != nil || len(out) != 0 {
		t.Fatalf("TakeDown(nothing) = %v, %v", out, err)
	}
	if _, err := repo.TakeDown(t.Context(), []domain.InfoHash{{}}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("TakeDown(zero hash) = %v, want domain.ErrInvalid", err)
	}
	expectCounts(t, categories, map[string]int64{})
}

// A takedown of many torrents at once, among them every category, leaves the counts exact.
func testTakeDownMany(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	slugs := []string{"movies", "tv", "music", "takedown-new"}
	var all []domain.Torrent
	for i := range 120 {
		tr := withFiles(torrent(fmt.Sprintf("many-%03d", i), fmt.Sprintf("Many %03d", i), slugs[i%len(slugs)]), 100, fmt.Sprintf("many/%03d.bin", i))
		all = append(all, normalized(t, tr))
	}
	upsert(t, repo, all...)
	var hashes []domain.InfoHash
	for i := 0; i < len(all); i += 2 {
		hashes = append(hashes, all[i].InfoHash)
	}
	out, err := repo.TakeDown(t.Context(), hashes)
	if err != nil || len(out) != len(hashes) {
		t.Fatalf("TakeDown = %d outcomes, %v", len(out), err)
	}
	for i, o := range out {
		if !o.Removed || o.InfoHash != hashes[i] || o.ID == 0 {
			t.Fatalf("outcome %d = %+v", i, o)
		}
	}
	// Evens removed: movies and music held the evens.
	expectCounts(t, categories, map[string]int64{"movies": 0, "tv": 30, "music": 0, "takedown-new": 30})
	if page := search(t, repo, domain.SearchCriteria{Text: "many", Limit: 1}); page.Total != 60 {
		t.Fatalf("search many: total %d, want 60", page.Total)
	}
}

// Takedowns racing upserts of the same hashes: whatever the order, a blocked hash is never left in
// the catalog, and the category counts equal what search counts.
func testTakeDownConcurrentWithUpserts(t *testing.T, repo ports.TorrentRepository, categories ports.CategoryRepository) {
	const pool = 40
	slugs := []string{"movies", "tv"}
	build := func(i int) domain.Torrent {
		return normalized(t, torrent(fmt.Sprintf("race-%02d", i), fmt.Sprintf("Race %02d", i), slugs[i%2]))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for round := range 5 {
				var batch []domain.Torrent
				for i := (w + round) % 3; i < pool; i += 3 {
					batch = append(batch, build(i))
				}
				if _, err := repo.Upsert(t.Context(), batch); err != nil {
					t.Errorf("Upsert: %v", err)
					return
				}
			}
		})
	}
	blocked := make(map[domain.InfoHash]bool)
	for i := 0; i < pool; i += 4 {
		blocked[build(i).InfoHash] = true
	}
	for w := range 2 {
		wg.Go(func() {
			for i := w * 4; i < pool; i += 8 {
				if _, err := repo.TakeDown(t.Context(), []domain.InfoHash{build(i).InfoHash}); err != nil {
					t.Errorf("TakeDown: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	found := searchHashes(t, repo, domain.SearchCriteria{})
	for h := range blocked {
		if found[h] {
			t.Fatalf("a blocked hash is in the catalog after the race")
		}
	}
	if len(found) != pool-len(blocked) {
		t.Fatalf("the catalog holds %d torrents, want %d", len(found), pool-len(blocked))
	}
	counts := map[string]int64{}
	for _, slug := range slugs {
		counts[slug] = int64(len(searchHashes(t, repo, domain.SearchCriteria{Categories: []string{slug}})))
	}
	expectCounts(t, categories, counts)
}

// Blocked lists the blocklist in hash order, a page at a time, with when each was blocked; a hash
// blocked twice keeps its first time, and an unblocked one leaves the list.
func testBlockedList(t *testing.T, repo ports.TorrentRepository, _ ports.CategoryRepository) {
	if list, err := repo.Blocked(t.Context(), domain.InfoHash{}, 10); err != nil || len(list) != 0 {
		t.Fatalf("Blocked of an empty blocklist = %v, %v", list, err)
	}
	var hashes []domain.InfoHash
	for i := range 25 {
		hashes = append(hashes, hashOf(fmt.Sprintf("blocked-%02d", i)))
	}
	if _, err := repo.TakeDown(t.Context(), hashes); err != nil {
		t.Fatal(err)
	}
	first, err := repo.Blocked(t.Context(), domain.InfoHash{}, 100)
	if err != nil || len(first) != 25 {
		t.Fatalf("Blocked = %d, %v; want 25", len(first), err)
	}
	for i, b := range first {
		if b.BlockedAt.IsZero() || (i > 0 && first[i-1].InfoHash.String() >= b.InfoHash.String()) {
			t.Fatalf("Blocked item %d = %+v: want a time, in ascending hash order", i, b)
		}
	}
	// Paging after the last hash of each page walks the same list.
	var walked []domain.BlockedHash
	var after domain.InfoHash
	for {
		page, err := repo.Blocked(t.Context(), after, 10)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, page...)
		if len(page) < 10 {
			break
		}
		after = page[len(page)-1].InfoHash
	}
	if fmt.Sprint(walked) != fmt.Sprint(first) {
		t.Fatalf("paging walked %d hashes, not the list of %d", len(walked), len(first))
	}
	// Taken down again: its time stays; unblocked: it leaves the list.
	if _, err := repo.TakeDown(t.Context(), hashes[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Unblock(t.Context(), hashes[1]); err != nil {
		t.Fatal(err)
	}
	again, err := repo.Blocked(t.Context(), domain.InfoHash{}, 100)
	if err != nil || len(again) != 24 {
		t.Fatalf("Blocked after an unblock = %d, %v; want 24", len(again), err)
	}
	for _, b := range again {
		if b.InfoHash == hashes[1] {
			t.Fatal("an unblocked hash is still listed")
		}
		for _, f := range first {
			if f.InfoHash == b.InfoHash && !f.BlockedAt.Equal(b.BlockedAt) {
				t.Fatalf("blocking %s again moved its time from %v to %v", b.InfoHash, f.BlockedAt, b.BlockedAt)
			}
		}
	}
}
