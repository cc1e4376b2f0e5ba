package r1

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

func TestUpsertCreatesThenUpdates(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		first := newTorrent(t, 1, func(tor *domain.Torrent) {
			tor.InfoHashV2 = domain.InfoHashV2{1, 2, 3}
			tor.Files = []domain.File{{Path: "a/b.mkv", Size: 10}, {Path: "a/c.srt", Size: 5}}
		})
		out := upsert(t, repo, first)
		if !out[0].Created || out[0].ID == 0 || out[0].InfoHash != first.InfoHash {
			t.Fatalf("first upsert: %+v", out[0])
		}
		got, err := repo.Get(ctx, domain.TorrentRef{ID: out[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		want := first
		want.ID = out[0].ID
		want.CreatedAt, want.UpdatedAt = got.CreatedAt, got.UpdatedAt
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Get = %+v\nwant  %+v", got, want)
		}
		if got.CreatedAt.IsZero() || got.CreatedAt.Location() != time.UTC || got.UploadedAt.Location() != time.UTC {
			t.Fatalf("times: %+v", got)
		}

		second := newTorrent(t, 1, func(tor *domain.Torrent) {
			tor.Name = "Renamed"
			tor.Seeders = 99
			tor.Category = domain.CategoryRef{Slug: "sci-fi", Name: "Sci-Fi"}
			tor.Files = nil
			tor.Size = 42
			tor.Trackers = nil
		})
		out = upsert(t, repo, second)
		if out[0].Created || out[0].Unchanged || out[0].ID != want.ID {
			t.Fatalf("update: %+v", out[0])
		}
		if r := scalar(t, db, "SELECT revision FROM torrents WHERE id = ?", want.ID); r != 2 {
			t.Fatalf("revision = %d, want 2", r)
		}
		// The same again changes nothing: nothing is written, so neither the revision nor the
		// updated time moves (set back here so that a write within the same second shows).
		if _, err := db.batch(ctx, []Statement{{SQL: "UPDATE torrents SET updated_at = 1000 WHERE id = ?", Params: []any{want.ID}}}); err != nil {
			t.Fatal(err)
		}
		out = upsert(t, repo, second)
		if out[0].Created || !out[0].Unchanged || out[0].Blocked || out[0].ID != want.ID || out[0].InfoHash != first.InfoHash {
			t.Fatalf("the same update again: %+v, want unchanged with id %d", out[0], want.ID)
		}
		if r := scalar(t, db, "SELECT revision FROM torrents WHERE id = ?", want.ID); r != 2 {
			t.Fatalf("revision = %d after an unchanged upsert, want 2", r)
		}
		if u := scalar(t, db, "SELECT updated_at FROM torrents WHERE id = ?", want.ID); u != 1000 {
			t.Fatalf("updated_at = %d after an unchanged upsert, want it left at 1000", u)
		}
		got, err = repo.Get(ctx, domain.TorrentRef{InfoHash: first.InfoHash})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Renamed" || got.Seeders != 99 || got.Size != 42 || got.Files != nil || got.Trackers != nil ||
			got.Category != (domain.CategoryRef{Slug: "sci-fi", Name: "Sci-Fi"}) {
			t.Fatalf("after update: %+v", got)
		}
		if got.InfoHashV2 != first.InfoHashV2 {
			t.Fatal("an update without a v2 hash dropped the known one")
		}
		if !got.CreatedAt.Equal(want.CreatedAt) {
			t.Fatal("created_at changed on update")
		}
		counts := categoryCounts(t, db)
		if counts["movies"] != 0 || counts["sci-fi"] != 1 {
			t.Fatalf("counts after moving category: %v", counts)
		}
		if n := scalar(t, db, "SELECT count(*) FROM torrents"); n != 1 {
			t.Fatalf("%d rows for one hash", n)
		}
	})
}

func TestUpsertSameHashTwiceInOneCall(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		a := newTorrent(t, 7)
		b := newTorrent(t, 7, func(tor *domain.Torrent) { tor.Seeders = 1234 })
		out := upsert(t, repo, a, newTorrent(t, 8), b)
		if !out[0].Created || out[2].Created || out[0].ID != out[2].ID || out[1].ID == out[0].ID {
			t.Fatalf("outcomes: %+v", out)
		}
		got, err := repo.Get(context.Background(), domain.TorrentRef{ID: out[0].ID})
		if err != nil || got.Seeders != 1234 {
			t.Fatalf("the second version did not win: %+v %v", got, err)
		}
		if counts := categoryCounts(t, db); counts["movies"] != 2 {
			t.Fatalf("counts: %v", counts)
		}
	})
}

// Many torrents with many new categories: several batches, several category statements per batch,
// outcomes in order.
func TestUpsertChunks(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		repo.chunkTorrents = 50
		var torrents []domain.Torrent
		for i := range 3*repo.chunkTorrents + 7 {
			torrents = append(torrents, newTorrent(t, i, func(tor *domain.Torrent) {
				tor.Category = domain.CategoryRef{Slug: fmt.Sprint("cat-", i%120), Name: fmt.Sprint("Cat ", i%120)}
			}))
		}
		calls := db.Calls()
		out := upsert(t, repo, torrents...)
		// D1's chunks (the local engine standing for D1 chunks as it does); the local engine
		// proper takes the call in one transaction.
		want := int64(4)
		if e := db.engine.(*localEngine); !e.opts.ParamsAsText {
			want = 1
		}
		if got := db.Calls() - calls; got != want {
			t.Errorf("%d engine calls for %d torrents, want %d batches", got, len(torrents), want)
		}
		for i, o := range out {
			if o.InfoHash != torrents[i].InfoHash || !o.Created {
				t.Fatalf("outcome %d: %+v", i, o)
			}
		}
		if n := scalar(t, db, "SELECT count(*) FROM categories WHERE slug LIKE 'cat-%'"); n != 120 {
			t.Fatalf("%d categories created", n)
		}
		if n := scalar(t, db, "SELECT sum(torrent_count) FROM categories"); n != int64(len(torrents)) {
			t.Fatalf("category counts sum to %d", n)
		}
	})
}

func TestUpsertRefusesWhatD1CannotStore(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		// The domain's limits keep valid torrents under D1's row size; the repository still refuses
		// one that slipped past them rather than fail half-way through a batch.
		huge := newTorrent(t, 2)
		huge.Files = nil
		for i := range 2100 {
			huge.Files = append(huge.Files, domain.File{Path: fmt.Sprintf("%01000d", i), Size: 1})
		}
		_, err := repo.Upsert(context.Background(), []domain.Torrent{newTorrent(t, 1), huge})
		var rejected *domain.RejectedItems
		if !errors.As(err, &rejected) || len(rejected.Problems) != 1 || rejected.Problems[1].Field != "files" {
			t.Fatalf("huge torrent: %v", err)
		}
		if n := scalar(t, db, "SELECT count(*) FROM torrents"); n != 0 {
			t.Fatal("a refused call stored part of its torrents")
		}
		// The largest the domain allows: stored whole.
		big := newTorrent(t, 3, func(tor *domain.Torrent) {
			tor.Files = tor.Files[:0]
			for i := range 500 {
				tor.Files = append(tor.Files, domain.File{Path: fmt.Sprintf("%01000d", i), Size: 1})
			}
			tor.Size = 0
		})
		out := upsert(t, repo, newTorrent(t, 1), big, newTorrent(t, 4))
		got, err := repo.Get(context.Background(), domain.TorrentRef{ID: out[1].ID})
		if err != nil || len(got.Files) != 500 {
			t.Fatalf("big torrent: %d files, %v", len(got.Files), err)
		}
	})
}

// A torrent the domain accepts whose paths are full of \ and ": its JSON, nested in the row and
// then sent as a JSON string, grows past a D1 row and request. Before, it failed the whole call
// with a validation error naming the wrong index (and could make a batch over one request, which
// D1 split into transactions). Now it is refused alone, by its index in the call, when its list
// stays JSON (its paths' words over their bound, 0037); packed (0039), the same paths fit a row,
// and the torrent is stored whole.
func TestATorrentWhoseEscapesOutgrowARowIsRefusedAlone(t *testing.T) {
	escapedTorrent := func(t *testing.T, words int) domain.Torrent {
		tor := newTorrent(t, 2, func(tor *domain.Torrent) {
			tor.Files = tor.Files[:0]
			for i := range 500 {
				var p strings.Builder
				fmt.Fprintf(&p, "%04d", i)
				for k := range words { // words of their own, each 6 bytes of the words' text
					fmt.Fprintf(&p, `"%c%04d`, 'a'+k, i)
				}
				for p.Len() < 1000 { // every byte escaped, twice in a request
					p.WriteString(`\"`)
				}
				tor.Files = append(tor.Files, domain.File{Path: p.String()[:1000], Size: 1})
			}
			tor.Size = 0
		})
		if err := tor.Normalize(time.Now()); err != nil {
			t.Fatalf("the domain refuses the torrent, so the test shows nothing: %v", err)
		}
		return tor
	}
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		unpacked := escapedTorrent(t, 11) // 500 x 11 words of 6 bytes: over fileWordsMax
		if w := fileWords(unpacked.Name, unpacked.Files); w != nil {
			t.Fatalf("the paths' words fit their bound (%d bytes), so the list is packed and the test shows nothing", len(w.(string)))
		}
		_, err := repo.Upsert(context.Background(), []domain.Torrent{newTorrent(t, 1), unpacked, newTorrent(t, 3)})
		var rejected *domain.RejectedItems
		if !errors.As(err, &rejected) || len(rejected.Problems) != 1 || rejected.Problems[1].Field != "files" {
			t.Fatalf("Upsert = %v; want item 1 refused alone", err)
		}
		if n := scalar(t, db, "SELECT count(*) FROM torrents"); n != 0 {
			t.Fatal("a refused call stored part of its torrents")
		}
		upsert(t, repo, newTorrent(t, 1), newTorrent(t, 3))
		// The same escapes in a list whose words fit: packed, the row is small, and read back whole.
		packed := escapedTorrent(t, 1)
		out := upsert(t, repo, packed)
		got, err := repo.Get(context.Background(), domain.TorrentRef{ID: out[0].ID})
		if err != nil || !slices.Equal(got.Files, packed.Files) {
			t.Fatalf("the packed torrent: %d files, %v", len(got.Files), err)
		}
		if n := scalar(t, db, "SELECT length(files_packed) FROM torrents WHERE id = ?", out[0].ID); n == 0 || n > 200_000 {
			t.Fatalf("the packed list takes %d bytes", n)
		}
	})
}

// 20 goroutines upsert overlapping batches: one row per hash, nothing lost, counts exact, and every
// goroutine saw the same id for the same hash.
func TestUpsertConcurrent(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		const distinct, perCall = 60, 20
		cats := []domain.CategoryRef{{Slug: "movies", Name: "Movies"}, {Slug: "tv", Name: "TV"}, {Slug: "new-cat", Name: "New"}}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			ids     = map[domain.InfoHash]int64{}
			written int64 // outcomes created or updated, not unchanged
			errs    = make(chan error, 20)
		)
		for g := range 20 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), 1))
				var batch []domain.Torrent
				for range perCall {
					i := rng.IntN(distinct)
					batch = append(batch, newTorrent(t, i, func(tor *domain.Torrent) {
						tor.Category = cats[i%len(cats)]
						tor.Seeders = int64(g)
					}))
				}
				out, err := repo.Upsert(context.Background(), batch)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, o := range out {
					if prev, ok := ids[o.InfoHash]; ok && prev != o.ID {
						errs <- fmt.Errorf("hash %s got ids %d and %d", o.InfoHash, prev, o.ID)
						return // one error a goroutine: errs holds one each, and a second send would hang
					}
					ids[o.InfoHash] = o.ID
					if !o.Unchanged {
						written++
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rows := scalar(t, db, "SELECT count(*) FROM torrents")
		if rows != int64(len(ids)) || scalar(t, db, "SELECT count(DISTINCT info_hash) FROM torrents") != rows {
			t.Fatalf("%d rows for %d distinct hashes", rows, len(ids))
		}
		// Every upsert statement created a row (revision 1), added one to its revision, or found it
		// unchanged and wrote nothing.
		if total := scalar(t, db, "SELECT sum(revision) FROM torrents"); total != written || written == 0 {
			t.Fatalf("revisions sum to %d, want %d upserts that wrote", total, written)
		}
		counts := categoryCounts(t, db)
		for _, c := range cats {
			actual := scalar(t, db, "SELECT count(*) FROM torrents t JOIN categories c ON c.id = t.category_id WHERE c.slug = ?", c.Slug)
			if counts[c.Slug] != actual {
				t.Fatalf("category %s: count %d, actual %d", c.Slug, counts[c.Slug], actual)
			}
		}
		// The full-text index holds exactly one entry per torrent.
		page, err := repo.Search(context.Background(), criteria(t, "torrent", 100))
		if err != nil || page.Total != int(rows) {
			t.Fatalf("full text finds %d of %d rows: %v", page.Total, rows, err)
		}
	})
}

func TestGet(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		out := upsert(t, repo, newTorrent(t, 1), newTorrent(t, 2))
		for _, ref := range []domain.TorrentRef{{ID: out[1].ID}, {InfoHash: hashOf(2)}} {
			got, err := repo.Get(ctx, ref)
			if err != nil || got.ID != out[1].ID || got.InfoHash != hashOf(2) {
				t.Fatalf("Get(%v) = %+v, %v", ref, got, err)
			}
		}
		for _, ref := range []domain.TorrentRef{{ID: 999}, {InfoHash: hashOf(3)}, {}} {
			if _, err := repo.Get(ctx, ref); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("Get(%v) = %v, want ErrNotFound", ref, err)
			}
		}
	})
}

func TestLatest(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := numberedTorrents(t, 30, func(i int, tor *domain.Torrent) {
			// Pairs share an upload time, so ties are broken by id.
			tor.UploadedAt = baseTime.Add(time.Duration(i/2) * time.Minute)
			if i%3 == 0 {
				tor.Category = domain.CategoryRef{Slug: "tv", Name: "TV"}
			}
		})
		rand.Shuffle(len(torrents), func(i, j int) { torrents[i], torrents[j] = torrents[j], torrents[i] })
		upsert(t, repo, torrents...)

		check := func(category string, limit, want int) {
			t.Helper()
			got, err := repo.Latest(ctx, category, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Fatalf("Latest(%q, %d): %d items, want %d", category, limit, len(got), want)
			}
			for i, s := range got {
				if category != "" && s.Category.Slug != category {
					t.Fatalf("item of category %s", s.Category.Slug)
				}
				if len(s.Trackers) != 1 || s.Name == "" || s.InfoHash.IsZero() {
					t.Fatalf("summary %+v", s)
				}
				if i == 0 {
					continue
				}
				prev := got[i-1]
				if prev.UploadedAt.Before(s.UploadedAt) || prev.UploadedAt.Equal(s.UploadedAt) && prev.ID < s.ID {
					t.Fatalf("order broken at %d: %v/%d then %v/%d", i, prev.UploadedAt, prev.ID, s.UploadedAt, s.ID)
				}
			}
		}
		check("", 100, 30)
		check("", 5, 5)
		check("tv", 100, 10)
		check("movies", 3, 3)
		check("nope", 10, 0)
	})
}

// Renaming re-indexes; a seeders-only refresh leaves the index alone and still finds the torrent.
func TestFullTextFollowsUpdates(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		upsert(t, repo, newTorrent(t, 1, func(tor *domain.Torrent) { tor.Name = "Alpha Centauri" }))
		upsert(t, repo, newTorrent(t, 1, func(tor *domain.Torrent) { tor.Name = "Alpha Centauri"; tor.Seeders = 50 }))
		if n := searchCount(t, repo, "centauri"); n != 1 {
			t.Fatalf("after a seeders refresh: %d hits", n)
		}
		upsert(t, repo, newTorrent(t, 1, func(tor *domain.Torrent) {
			tor.Name = "Beta Pictoris"
			tor.Files = []domain.File{{Path: "season/episode-one.mkv", Size: 1000}}
		}))
		for text, want := range map[string]int{"centauri": 0, "pictoris": 1, "episode one": 1, "file": 0} {
			if n := searchCount(t, repo, text); n != want {
				t.Errorf("%q: %d hits, want %d", text, n, want)
			}
		}
		if n := scalar(t, db, "SELECT count(*) FROM torrents_fts WHERE torrents_fts MATCH 'alpha'"); n != 0 {
			t.Fatal("the old name is still indexed")
		}
	})
}

func searchCount(t testing.TB, repo *TorrentRepository, text string) int {
	t.Helper()
	page, err := repo.Search(context.Background(), criteria(t, text, 100))
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

func criteria(t testing.TB, text string, limit int, mutate ...func(*domain.SearchCriteria)) domain.SearchCriteria {
	t.Helper()
	c := domain.SearchCriteria{Text: text, Limit: limit}
	for _, m := range mutate {
		m(&c)
	}
	if err := c.Normalize(); err != nil {
		t.Fatalf("criteria: %v", err)
	}
	return c
}

func TestCategoryEnsure(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewCategoryRepository(db)
		var refs []domain.CategoryRef
		for i := range 130 {
			refs = append(refs, domain.CategoryRef{Slug: fmt.Sprint("c", i), Name: fmt.Sprint("C ", i)})
		}
		refs = append(refs, domain.CategoryRef{Slug: "movies", Name: "Films"}, domain.CategoryRef{Slug: "c1", Name: "dup"})
		if err := repo.Ensure(ctx, refs); err != nil {
			t.Fatal(err)
		}
		list, err := repo.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 138 {
			t.Fatalf("%d categories", len(list))
		}
		for i, c := range list {
			if i > 0 && strings.Compare(list[i-1].Slug, c.Slug) >= 0 {
				t.Fatal("not ordered by slug")
			}
			if c.Slug == "movies" && c.Name != "Movies" || c.Slug == "c1" && c.Name != "C 1" {
				t.Fatalf("an existing category changed its name: %+v", c)
			}
		}
		if err := repo.Ensure(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := repo.Ensure(ctx, []domain.CategoryRef{{Name: "no slug"}}); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("empty slug: %v", err)
		}
	})
}

// Two processes writing one file: the write lock and busy timeout serialize them, and the upsert
// keeps one row per hash.
func TestUpsertFromTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	var repos []*TorrentRepository
	for range 2 {
		db, err := OpenFile(ctx, path, LocalOptions{ParamsAsText: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		repos = append(repos, NewTorrentRepository(db))
	}
	var (
		wg      sync.WaitGroup
		written atomic.Int64 // outcomes created or updated, not unchanged
	)
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			var batch []domain.Torrent
			for i := range 30 {
				batch = append(batch, newTorrent(t, (i*7+g)%40, func(tor *domain.Torrent) { tor.Seeders = int64(g % 3) }))
			}
			out, err := repos[g%2].Upsert(ctx, batch)
			for _, o := range out {
				if !o.Unchanged {
					written.Add(1)
				}
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db := repos[0].db
	if n := scalar(t, db, "SELECT count(*) FROM torrents"); n != 40 {
		t.Fatalf("%d rows, want 40", n)
	}
	if n := scalar(t, db, "SELECT sum(revision) FROM torrents"); n != written.Load() || n < 40 {
		t.Fatalf("revisions sum to %d, want %d (the upserts that wrote)", n, written.Load())
	}
	if counts := categoryCounts(t, db); counts["movies"] != 40 {
		t.Fatalf("movies: %d", counts["movies"])
	}
}

func TestInvalidUTF8NeverReachesTheStore(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		bad := newTorrent(t, 1, func(tor *domain.Torrent) { tor.Category = domain.CategoryRef{Slug: "x", Name: "bad \xff"} })
		_, err := repo.Upsert(ctx, []domain.Torrent{bad})
		if !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("invalid category name: %v", err)
		}
		upsert(t, repo, newTorrent(t, 2))
		page, err := repo.Search(ctx, criteria(t, "", 10, func(c *domain.SearchCriteria) { c.Categories = []string{"\xff"} }))
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("invalid slug filter: %+v %v", page, err)
		}
		if items, err := repo.Latest(ctx, "mov\xffies", 10); err != nil || len(items) != 0 {
			t.Fatalf("Latest with an invalid slug: %v %v", items, err)
		}
	})
}
