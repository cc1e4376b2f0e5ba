package integration

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/d1"
	"github.com/cloudflare/cloudflare-go/v7/option"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
)

// torznabItems are release names as the *arr apps meet them: with and without a resolution, a
// daily show named by air dates, a movie known by its IMDb id.
func torznabItems() map[string]any {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	list := []map[string]any{
		{"name": "Pioneer.One.S01E01.720p.HDTV.x264-GRP", "category": "tv", "tvdbId": 81189},
		{"name": "Pioneer.One.S01E02.HDTV.XviD-GRP", "category": "tv", "tvdbId": 81189},
		{"name": "Nightly.Newsreel.2024.05.01.WEB.h264-GRP", "category": "tv", "tvdbId": 70000},
		{"name": "Nightly.Newsreel.2024.05.02.Recap.Of.05.01.WEB.h264-GRP", "category": "tv", "tvdbId": 70000},
		{"name": "Sintel.2010.2160p.BluRay.x265-OPEN", "category": "movies", "imdbId": "tt1727587"},
		{"name": "Night.of.the.Living.Dead.1968.DVDRip.XviD-GRP", "category": "movies"},
	}
	var torrents []any
	for i, it := range list {
		it["infoHash"] = fmt.Sprintf("%040x", 0xabc000+i)
		it["size"] = (i + 1) << 20
		it["uploadedAt"] = at.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		torrents = append(torrents, it)
	}
	return map[string]any{"torrents": torrents}
}

// TestTorznabAndAPIKeysOnCloudflare runs the *arr apps' flow on the service wired to D1 and KV, and
// on the embedded default, and expects the same items from both: a user makes an API key, Sonarr's
// and Radarr's connection tests (names without a resolution count as SD), a daily show's episode by
// its air date, an id search, the REST filters with the key as Bearer, a key refused on an account
// route, and a revoked key refused by Torznab (error 100).
func TestTorznabAndAPIKeysOnCloudflare(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	for _, svc := range []*service{startService(t, tg.config()), startService(t, localConfig(t))} {
		if a := svc.call(t, http.MethodPost, "/api/ingest", torznabItems(), "X-API-Key", testIngestKey); a.status != 200 {
			t.Fatalf("ingest: %d %s", a.status, a.body)
		}
		signed := svc.call(t, http.MethodPost, "/api/auth/sign-up", map[string]string{"email": "sonarr@example.com", "password": "correct horse battery", "name": "S"})
		if signed.status != 201 {
			t.Fatalf("sign-up: %d %s", signed.status, signed.body)
		}
		session := signed.json(t)["session"].(map[string]any)["token"].(string)
		created := svc.call(t, http.MethodPost, "/api/auth/api-keys", map[string]string{"name": "Sonarr"}, "Authorization", "Bearer "+session)
		if created.status != 201 {
			t.Fatalf("create a key: %d %s", created.status, created.body)
		}
		key, id := created.json(t)["key"].(string), created.json(t)["id"].(string)
		torznab := func(params string) []string {
			t.Helper()
			a := svc.get(t, "/torznab/api?"+params+"&apikey="+url.QueryEscape(key))
			var feed struct {
				Items []struct {
					Title string `xml:"title"`
				} `xml:"channel>item"`
			}
			if a.status != 200 || strings.Contains(string(a.body), "<error") || xml.Unmarshal(a.body, &feed) != nil {
				t.Fatalf("%s: %d %s", params, a.status, a.body)
			}
			var titles []string
			for _, it := range feed.Items {
				titles = append(titles, it.Title)
			}
			slices.Sort(titles)
			return titles
		}
		if a := svc.get(t, "/torznab/api?t=caps"); a.status != 200 || !strings.Contains(string(a.body), `<subcat id="5030"`) {
			t.Fatalf("caps: %d %s", a.status, a.body)
		}
		for params, want := range map[string][]string{
			"t=tvsearch&cat=5030,5040&extended=1&offset=0&limit=100": {"Nightly.Newsreel.2024.05.01.WEB.h264-GRP",
				"Nightly.Newsreel.2024.05.02.Recap.Of.05.01.WEB.h264-GRP", "Pioneer.One.S01E01.720p.HDTV.x264-GRP", "Pioneer.One.S01E02.HDTV.XviD-GRP"},
			"t=movie&cat=2030,2040,2045&extended=1":              {"Night.of.the.Living.Dead.1968.DVDRip.XviD-GRP", "Sintel.2010.2160p.BluRay.x265-OPEN"},
			"t=tvsearch&tvdbid=70000&season=2024&ep=05/01":       {"Nightly.Newsreel.2024.05.01.WEB.h264-GRP"},
			"t=tvsearch&q=nightly+newsreel&season=2024&ep=05/02": {"Nightly.Newsreel.2024.05.02.Recap.Of.05.01.WEB.h264-GRP"},
			"t=tvsearch&q=pioneer&season=1&ep=2":                 {"Pioneer.One.S01E02.HDTV.XviD-GRP"},
			"t=movie&imdbid=1727587":                             {"Sintel.2010.2160p.BluRay.x265-OPEN"},
		} {
			if got := torznab(params); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", params, got, want)
			}
		}
		for query, want := range map[string]int{"airDate=2024-05": 2, "airDate=2024-05-02": 1, "resolution=unknown&category=tv": 3, "season=2024": 2} {
			a := svc.get(t, "/api/torrents/search?"+query, "Authorization", "Bearer "+key)
			if a.status != 200 || len(a.json(t)["items"].([]any)) != want {
				t.Errorf("REST %s with the key: %d %s, want %d items", query, a.status, a.body, want)
			}
		}
		if a := svc.call(t, http.MethodPut, "/api/auth/me", map[string]string{"name": "Mallory"}, "Authorization", "Bearer "+key); a.status != 401 {
			t.Errorf("a key changed the profile: %d %s", a.status, a.body)
		}
		if a := svc.call(t, http.MethodDelete, "/api/auth/api-keys/"+id, nil, "Authorization", "Bearer "+session); a.status != 204 {
			t.Fatalf("revoke: %d %s", a.status, a.body)
		}
		if a := svc.get(t, "/torznab/api?t=search&apikey="+url.QueryEscape(key)); !strings.Contains(string(a.body), `code="100"`) {
			t.Errorf("a revoked key: %d %s", a.status, a.body)
		}
	}
}

// Rows as migration 0006 left them on D1 (no air date column filled, version 1 recorded) get their
// air date at the next Migrate, through D1's HTTP API in batches, and a search by air date finds
// them.
func TestD1DerivesTheAirDateAtMigrate(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	db := d1Store(tg)(t)
	repo := r1.NewTorrentRepository(db)
	const n = 512 // more than one batch of the derivation
	var list []domain.Torrent
	now := time.Now()
	tv, err := domain.NewCategoryRef("tv")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		tr := domain.Torrent{
			InfoHash: domain.InfoHash{byte(i >> 8), byte(i), 7}, Name: fmt.Sprintf("Nightly.Newsreel.2024.05.%02d.Part.%d.WEB", i%28+1, i),
			Category: tv, Size: 1 << 20, UploadedAt: now.Add(-time.Hour),
		}
		if err := tr.Normalize(now); err != nil {
			t.Fatal(err)
		}
		list = append(list, tr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if _, err := repo.Upsert(ctx, list); err != nil {
		t.Fatal(err)
	}
	client, _ := tg.client()
	var raw []byte
	var params d1.DatabaseQueryParams
	params.AccountID.Value = tg.account
	reset, _ := json.Marshal(map[string]any{"batch": []map[string]string{
		{"sql": "UPDATE torrents SET release_air_date = NULL, release_parser = 1"},
		{"sql": "UPDATE derived_versions SET version = 1 WHERE name = 'release'"},
	}})
	if _, err := client.D1.Query(ctx, tg.database, params, option.WithRequestBody("application/json", reset), cfOption(&raw)); err != nil {
		t.Fatal(err)
	}
	search := func() int {
		c := domain.SearchCriteria{AirDate: "2024-05-03", Limit: 100}
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		page, err := repo.Search(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Items)
	}
	if got := search(); got != 0 {
		t.Fatalf("the reset rows still have air dates: %d found", got)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range n {
		if i%28+1 == 3 {
			want++
		}
	}
	if got := search(); got != want {
		t.Errorf("after Migrate, airDate 2024-05-03 finds %d, want %d", got, want)
	}
}
