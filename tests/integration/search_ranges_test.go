package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/option"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
)

// Migration 0027 (the upload date and the size as bucketed tokens of the full-text index) on D1:
// the triggers write the tokens of the torrents stored after it and write them again when an
// upsert brings another size or date, and the rebuild, applied again over a stored catalog (its
// record removed, the next Migrate applies it), indexes those stored before it. Text searches
// filtered by size and date ranges (on bucket edges, inside one bucket, open, before 1970), whose
// totals are counted from the buckets (more matches than the probe counts), find the same torrents
// as the local file and the totals counted one by one, every time.
func TestD1SearchRangesAtMigrate(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	db := d1Store(tg)(t)
	repo := r1.NewTorrentRepository(db)
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()
	now := time.Now().UTC()
	day := 24 * time.Hour
	edge := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	dates := []time.Time{edge, edge.Add(-time.Second), edge.Add(time.Second), edge.Add(16 * day), edge.Add(-300 * day),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(1960, 6, 1, 0, 0, 0, 0, time.UTC), now.Add(-time.Hour)}
	sizes := []int64{0, 9, 10, 999_999_999, 1_000_000_000, 1_000_000_001, 8_000_000_000, 8_589_934_592, 1 << 30, domain.MaxSize}
	slugs := []string{"movies", "tv", "books"}
	type stored struct {
		date      time.Time
		size      int64
		tv, books bool
	}
	var list []domain.Torrent
	var all []stored
	for i := range roundTripTorrents {
		category, err := domain.NewCategoryRef(slugs[i%3])
		if err != nil {
			t.Fatal(err)
		}
		s := stored{date: dates[i%len(dates)].Add(-time.Duration(i/len(dates)) * time.Hour), size: sizes[(i*3)%len(sizes)], tv: i%3 == 1, books: i%3 == 2}
		tr := domain.Torrent{InfoHash: domain.InfoHash{byte(i), byte(i >> 8), 27}, Name: fmt.Sprintf("Common Range %d", i), Category: category,
			Size: s.size, UploadedAt: s.date}
		if err := tr.Normalize(now); err != nil {
			t.Fatal(err)
		}
		list, all = append(list, tr), append(all, s)
	}
	plain := storedOnBoth(t, ctx, repo, list)
	i64 := func(v int64) *int64 { return &v }
	searches := []struct {
		name   string
		mutate func(*domain.SearchCriteria)
	}{
		{"1-8 GB", func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = i64(1_000_000_000), i64(8_000_000_000) }},
		{"1-8 GiB", func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = i64(1<<30), i64(8<<30) }},
		{"inside one bucket", func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = i64(1_000_000_000), i64(1_000_000_001) }},
		{"at least 10 bytes", func(c *domain.SearchCriteria) { c.MinSize = i64(10) }},
		{"at most a billion", func(c *domain.SearchCriteria) { c.MaxSize = i64(1_000_000_000) }},
		{"after an edge", func(c *domain.SearchCriteria) { c.After = edge }},
		{"before an edge", func(c *domain.SearchCriteria) { c.Before = edge }},
		{"before 1970", func(c *domain.SearchCriteria) { c.Before = time.Unix(0, 0) }},
		{"a day", func(c *domain.SearchCriteria) { c.After, c.Before = edge, edge.Add(day) }},
		{"in tv after an edge", func(c *domain.SearchCriteria) { c.After, c.Categories = edge.Add(-300*day), []string{"tv"} }},
		{"in tv or books before an edge", func(c *domain.SearchCriteria) { c.Before, c.Categories = edge, []string{"tv", "books"} }},
		{"after, in tv, 1-8 GB", func(c *domain.SearchCriteria) {
			c.After, c.Categories, c.MinSize, c.MaxSize = edge.Add(-300*day), []string{"tv"}, i64(1_000_000_000), i64(8_000_000_000)
		}},
	}
	check := func(when string) {
		t.Helper()
		for _, s := range searches {
			// Four letters, within the prefix index: checking a match is cheap (on D1 a longer last
			// word is not written out), which the buckets of a category's dates need to pay.
			c := domain.SearchCriteria{Text: "rang", Limit: 20}
			s.mutate(&c)
			if err := c.Normalize(); err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, st := range all {
				if (c.MinSize == nil || st.size >= *c.MinSize) && (c.MaxSize == nil || st.size <= *c.MaxSize) &&
					(c.After.IsZero() || !st.date.Before(c.After)) && (c.Before.IsZero() || st.date.Before(c.Before)) &&
					(len(c.Categories) == 0 || st.tv || len(c.Categories) == 2 && st.books) {
					want++
				}
			}
			got, err := repo.Search(ctx, c)
			if err != nil {
				t.Fatalf("%s, %s: %v", when, s.name, err)
			}
			local, err := plain.Search(ctx, c)
			if err != nil {
				t.Fatalf("%s, %s, local: %v", when, s.name, err)
			}
			if got.Total != want || !got.TotalExact || local.Total != want || !slices.Equal(pageNames(got), pageNames(local)) {
				t.Fatalf("%s, %s: D1's total %d (exact %v) %v, the local file's %d %v, want %d", when, s.name, got.Total, got.TotalExact,
					pageNames(got), local.Total, pageNames(local), want)
			}
		}
	}
	check("written by the triggers")

	// An upsert that brings another size and date re-indexes the torrent (the update triggers).
	for i := range 200 {
		tr := list[i]
		tr.Size, tr.UploadedAt = sizes[(i*3+1)%len(sizes)], dates[(i+1)%len(dates)]
		list[i], all[i].size, all[i].date = tr, tr.Size, tr.UploadedAt
	}
	for _, r := range []*r1.TorrentRepository{repo, plain} {
		if _, err := r.Upsert(ctx, list[:200]); err != nil {
			t.Fatal(err)
		}
	}
	check("written again by an upsert")

	client, _ := tg.client()
	var raw []byte
	var params d1.DatabaseQueryParams
	params.AccountID.Value = tg.account
	forget, _ := json.Marshal(map[string]string{"sql": "DELETE FROM d1_migrations WHERE name = '0027_search_ranges.sql'"})
	if _, err := client.D1.Query(ctx, tg.database, params, option.WithRequestBody("application/json", forget), cfOption(&raw)); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migration 0027 again over a stored catalog: %v", err)
	}
	check("rebuilt by the migration")
}
