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

// Migration 0014 (the category and resolution as tokens of the full-text index) on D1: the triggers
// write the tokens of the torrents stored after it, and the rebuild (now migration 0027's, the
// latest that makes the index again), applied again over a stored catalog (its record removed, the
// next Migrate applies it), indexes those stored before it; a
// text search filtered by category or resolution, which the index then carries, finds the same
// torrents every time, and no others.
func TestD1SearchFacetsAtMigrate(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	db := d1Store(tg)(t)
	repo := r1.NewTorrentRepository(db)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	now := time.Now()
	names := []string{"Harbor.Lights.2019.1080p.WEB", "Harbor Lights S01E02 720p", "Harbor Docs", "Quiet Lights 1080p"}
	slugs := []string{"movies", "tv", "books"}
	var list []domain.Torrent
	for i := range 60 {
		category, err := domain.NewCategoryRef(slugs[i%3])
		if err != nil {
			t.Fatal(err)
		}
		tr := domain.Torrent{InfoHash: domain.InfoHash{byte(i), 14}, Name: fmt.Sprintf("%s %d", names[i%4], i),
			Category: category, Size: 1 << 20, UploadedAt: now.Add(-time.Duration(i) * time.Minute)}
		if err := tr.Normalize(now); err != nil {
			t.Fatal(err)
		}
		list = append(list, tr)
	}
	if _, err := repo.Upsert(ctx, list); err != nil {
		t.Fatal(err)
	}
	type search struct {
		text        string
		categories  []string
		resolutions []string
		want        func(i int) bool
	}
	searches := []search{
		{"harbor", nil, nil, func(i int) bool { return i%4 != 3 }},
		{"lights", []string{"tv"}, nil, func(i int) bool { return i%4 != 2 && i%3 == 1 }},
		{"lights", []string{"movies", "books"}, nil, func(i int) bool { return i%4 != 2 && i%3 != 1 }},
		{"lights", nil, []string{"1080p"}, func(i int) bool { return i%4 == 0 || i%4 == 3 }},
		{"harbor", []string{"books"}, []string{domain.UnknownResolution}, func(i int) bool { return i%4 == 2 && i%3 == 2 }},
	}
	check := func(when string) {
		t.Helper()
		for _, s := range searches {
			c := domain.SearchCriteria{Text: s.text, Categories: s.categories, Resolutions: s.resolutions, Limit: 100}
			if err := c.Normalize(); err != nil {
				t.Fatal(err)
			}
			page, err := repo.Search(ctx, c)
			if err != nil {
				t.Fatalf("%s: %q %v %v: %v", when, s.text, s.categories, s.resolutions, err)
			}
			var got, want []string
			for _, item := range page.Items {
				got = append(got, item.Name)
			}
			for i, tr := range list {
				if s.want(i) {
					want = append(want, tr.Name)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || page.Total != len(want) {
				t.Errorf("%s: %q %v %v: got %v (total %d), want %v", when, s.text, s.categories, s.resolutions, got, page.Total, want)
			}
		}
	}
	check("written by the triggers")

	client, _ := tg.client()
	var raw []byte
	var params d1.DatabaseQueryParams
	params.AccountID.Value = tg.account
	forget, _ := json.Marshal(map[string]string{"sql": "DELETE FROM d1_migrations WHERE name = '0027_search_ranges.sql'"})
	if _, err := client.D1.Query(ctx, tg.database, params, option.WithRequestBody("application/json", forget), cfOption(&raw)); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migration 0027 (which makes the index again as 0014 did) over a stored catalog: %v", err)
	}
	check("rebuilt by the migration")
}
