package rest_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

var day = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// seedCatalog stores five torrents over three categories, one a day from day-4 to day.
func seedCatalog(h *harness) {
	h.seed(
		torrent(1, "Ubuntu 24.04 Desktop", "software", day.Add(-96*time.Hour)),
		torrent(2, "Big Buck Bunny", "movies", day.Add(-72*time.Hour)),
		torrent(3, "Sintel", "movies", day.Add(-48*time.Hour)),
		torrent(4, "Planet Earth S01", "tv", day.Add(-24*time.Hour)),
		torrent(5, "Free Music Archive", "music", day),
	)
}

func items(t *testing.T, doc map[string]any) []map[string]any {
	t.Helper()
	list, ok := doc["items"].([]any)
	if !ok {
		t.Fatalf("items is not a list: %v", doc)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

func names(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i], _ = x["name"].(string)
	}
	return out
}

func assertSummary(t *testing.T, s map[string]any) {
	t.Helper()
	assertKeys(t, "summary", s, "id", "infoHash", "name", "size", "category", "seeders", "leechers", "uploadedAt", "magnet", "release", "webSeeds")
	if _, ok := s["id"].(float64); !ok {
		t.Fatalf("id is not a number: %v", s["id"])
	}
	hash, _ := s["infoHash"].(string)
	if len(hash) != 40 || strings.ToLower(hash) != hash {
		t.Fatalf("infoHash %q is not 40 lowercase hex", hash)
	}
	for _, k := range []string{"size", "seeders", "leechers"} {
		if _, ok := s[k].(float64); !ok {
			t.Fatalf("%s is not a number: %v", k, s[k])
		}
	}
	cat, ok := s["category"].(map[string]any)
	if !ok {
		t.Fatalf("category is not an object: %v", s["category"])
	}
	assertKeys(t, "category", cat, "slug", "name")
	assertTimestamp(t, "uploadedAt", s["uploadedAt"])
	magnet, _ := s["magnet"].(string)
	m, err := domain.ParseMagnet(magnet)
	if err != nil {
		t.Fatalf("magnet %q: %v", magnet, err)
	}
	if m.InfoHash.String() != hash || m.Name != s["name"] || float64(m.Size) != s["size"] || len(m.Trackers) == 0 {
		t.Fatalf("magnet %q does not carry xt, dn, xl and tr of the torrent %v", magnet, s)
	}
}

func TestSearchShape(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	r := h.get("/api/torrents/search")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q: %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "search", doc, "items", "total", "totalIsEstimate", "page", "limit", "nextCursor")
	if doc["total"] != 5.0 || doc["totalIsEstimate"] != false || doc["page"] != 1.0 || doc["limit"] != 20.0 || doc["nextCursor"] != "" {
		t.Fatalf("search envelope %s", r.body)
	}
	list := items(t, doc)
	if got := strings.Join(names(list), "|"); got != "Free Music Archive|Planet Earth S01|Sintel|Big Buck Bunny|Ubuntu 24.04 Desktop" {
		t.Fatalf("without q the newest come first, got %s", got)
	}
	for _, s := range list {
		assertSummary(t, s)
	}
	if first := list[0]; first["uploadedAt"] != "2026-11-20T12:00:00Z" {
		t.Fatalf("uploadedAt %v", first["uploadedAt"])
	}
}

func TestSearchEmptyResultIsAnEmptyList(t *testing.T) {
	h := newHarness(t)
	r := h.get("/api/torrents/search?q=nothing")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	if doc := r.json(t); len(items(t, doc)) != 0 || doc["total"] != 0.0 || doc["nextCursor"] != "" {
		t.Fatalf("empty search %s", r.body)
	}
}

func TestSearchFiltersAndText(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	cases := []struct {
		query string
		want  string
	}{
		{"q=sintel", "Sintel"},
		{"q=BUNNY+big", "Big Buck Bunny"},
		{"category=movies&category=tv", "Planet Earth S01|Sintel|Big Buck Bunny"},
		{"category=movies,tv", "Planet Earth S01|Sintel|Big Buck Bunny"},
		{"category=Movies,%20tv&sort=name", "Big Buck Bunny|Planet Earth S01|Sintel"},
		{"minSeeders=40", "Free Music Archive|Planet Earth S01"},
		{"minSize=300&maxSize=405", "Planet Earth S01|Sintel"},
		// after is inclusive, before exclusive; dates are midnight UTC.
		{"after=2026-11-18T12:00:00Z&before=2026-11-20T12:00:00Z", "Planet Earth S01|Sintel"},
		{"after=2026-11-19", "Free Music Archive|Planet Earth S01"},
		{"before=2026-11-17", "Ubuntu 24.04 Desktop"},
		{"after=2026-11-19T14:00:00%2B02:00", "Free Music Archive|Planet Earth S01"},
		{"after=2026-11-19T14:00:00+02:00", "Free Music Archive|Planet Earth S01"},
		{"sort=seeders&order=asc&limit=2", "Ubuntu 24.04 Desktop|Big Buck Bunny"},
		{"unknown=1&utm_source=x", "Free Music Archive|Planet Earth S01|Sintel|Big Buck Bunny|Ubuntu 24.04 Desktop"},
		{"limit=&q=", "Free Music Archive|Planet Earth S01|Sintel|Big Buck Bunny|Ubuntu 24.04 Desktop"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := h.get("/api/torrents/search?" + c.query)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got := strings.Join(names(items(t, r.json(t))), "|"); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	var seen []string
	target := "/api/torrents/search?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the cursor never ends")
		}
		r := h.get(target)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		doc := r.json(t)
		if doc["page"] != float64(pages+1) {
			t.Fatalf("page %v, want %d", doc["page"], pages+1)
		}
		seen = append(seen, names(items(t, doc))...)
		next, _ := doc["nextCursor"].(string)
		if next == "" {
			break
		}
		target = "/api/torrents/search?limit=2&cursor=" + url.QueryEscape(next)
	}
	if got := strings.Join(seen, "|"); got != "Free Music Archive|Planet Earth S01|Sintel|Big Buck Bunny|Ubuntu 24.04 Desktop" {
		t.Fatalf("cursor paging gave %s", got)
	}
	r := h.get("/api/torrents/search?limit=2&page=2")
	if got := strings.Join(names(items(t, r.json(t))), "|"); got != "Sintel|Big Buck Bunny" {
		t.Fatalf("page 2 gave %s", got)
	}
}

// Every malformed parameter is a 400 naming it.
func TestSearchRejectsMalformedParameters(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	first := h.get("/api/torrents/search?limit=2").json(t)
	cursor := url.QueryEscape(first["nextCursor"].(string))
	cases := []struct{ query, field string }{
		{"limit=abc", "limit"},
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=-5", "limit"},
		{"limit=1&limit=2", "limit"},
		{"minSize=-1x", "minSize"},
		{"minSize=-1", "minSize"},
		{"minSize=1e3", "minSize"},
		{"maxSize=big", "maxSize"},
		{"minSize=10&maxSize=5", "maxSize"},
		{"minSeeders=1.5", "minSeeders"},
		{"after=yesterday", "after"},
		{"after=2026-13-01", "after"},
		{"before=2026-11-20T25:00:00Z", "before"},
		{"after=2026-11-20&before=2026-11-19", "before"},
		{"page=0", "page"},
		{"page=abc", "page"},
		{"page=99999999999999999999", "page"},
		{"page=600&limit=20", "page"},
		{"sort=best", "sort"},
		{"order=up", "order"},
		{"q=" + strings.Repeat("a", 201), "q"},
		{"q=" + strings.Repeat("é", 201), "q"},
		{"q=%ff%fe", "q"},
		{"category=nope", "category"},
		{"category=movies,nope", "category"},
		{"page=2&cursor=" + cursor, "cursor"},
		{"cursor=garbage", "cursor"},
		{"limit=3&cursor=" + cursor, "cursor"},
	}
	for _, c := range cases {
		t.Run(c.query[:min(len(c.query), 40)], func(t *testing.T) {
			errs := expectProblem(t, h.get("/api/torrents/search?"+c.query), 400, "validation_failed")
			fields := fieldsOf(errs)
			found := false
			for _, f := range fields {
				found = found || f == c.field
			}
			if !found {
				t.Fatalf("errors name %v, want %s", fields, c.field)
			}
			for _, e := range errs {
				if msg, _ := e["message"].(string); msg == "" {
					t.Fatalf("error without message: %v", e)
				}
			}
		})
	}
}

// One answer names every bad parameter, each once.
func TestSearchReportsEveryBadParameter(t *testing.T) {
	h := newHarness(t)
	errs := expectProblem(t, h.get("/api/torrents/search?limit=abc&page=0&sort=best&after=soon&minSize=1&maxSize=x"), 400, "validation_failed")
	if got := strings.Join(fieldsOf(errs), ","); got != "limit,after,maxSize,sort,page" {
		t.Fatalf("errors name %s", got)
	}
}

// No character of q is query syntax: hostile text is searched for, never interpreted.
func TestSearchHostileText(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	for _, q := range []string{
		`"unbalanced`, `NEAR(a b)`, `*`, `name:x`, `^start`, `a OR b AND NOT c`, `-sintel`,
		`'; DROP TABLE torrents; --`, `1' OR '1'='1`, `%`, `_`, `\`, `🎬 movie 🍿`, `(((`, `{}[]`,
		strings.Repeat("x", 200), strings.Repeat("é", 200), strings.Repeat("🎬", 200),
	} {
		t.Run(q[:min(len(q), 20)], func(t *testing.T) {
			r := h.get("/api/torrents/search?q=" + url.QueryEscape(q))
			if r.status != 200 {
				t.Fatalf("q=%q: status %d: %s", q, r.status, r.body)
			}
			assertNoNull(t, r.body)
		})
	}
	r := h.get("/api/torrents/search?q=" + url.QueryEscape(`"Sintel"`))
	if got := strings.Join(names(items(t, r.json(t))), "|"); got != "Sintel" {
		t.Fatalf("quotes are plain characters: got %s", got)
	}
}

func TestLatest(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	r := h.get("/api/torrents/latest")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "latest", doc, "items")
	list := items(t, doc)
	if got := strings.Join(names(list), "|"); got != "Free Music Archive|Planet Earth S01|Sintel|Big Buck Bunny|Ubuntu 24.04 Desktop" {
		t.Fatalf("latest gave %s", got)
	}
	for _, s := range list {
		assertSummary(t, s)
	}
	r = h.get("/api/torrents/latest?category=movies&limit=1")
	if got := strings.Join(names(items(t, r.json(t))), "|"); got != "Sintel" {
		t.Fatalf("latest movies limit 1 gave %s", got)
	}
	r = h.get("/api/torrents/latest?category=books")
	if r.status != 200 || string(r.body) != "{\"items\":[]}\n" {
		t.Fatalf("an empty category must give items [], got %d %s", r.status, r.body)
	}
	for _, c := range []struct{ query, field string }{
		{"limit=abc", "limit"}, {"limit=0", "limit"}, {"limit=500", "limit"},
		{"category=nope", "category"}, {"category=movies&category=tv", "category"},
	} {
		errs := expectProblem(t, h.get("/api/torrents/latest?"+c.query), 400, "validation_failed")
		if fields := fieldsOf(errs); len(fields) == 0 || fields[0] != c.field {
			t.Fatalf("%s: errors name %v, want %s", c.query, fields, c.field)
		}
	}
}

func TestDetails(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	out := h.seed(torrent(6, "With Description", "books", day))
	id := out[0].ID
	hash := hashOf(6).String()
	for _, ref := range []string{itoa(id), hash, strings.ToUpper(hash), base32Of(hashOf(6))} {
		r := h.get("/api/torrents/" + ref)
		if r.status != 200 {
			t.Fatalf("%s: status %d: %s", ref, r.status, r.body)
		}
		assertNoNull(t, r.body)
		doc := r.json(t)
		assertKeys(t, "torrent", doc, "id", "infoHash", "name", "size", "category", "seeders", "leechers",
			"uploadedAt", "magnet", "release", "webSeeds", "description", "files", "fileCount", "trackers", "createdAt", "updatedAt")
		summary := map[string]any{}
		for _, k := range []string{"id", "infoHash", "name", "size", "category", "seeders", "leechers", "uploadedAt", "magnet", "release", "webSeeds"} {
			summary[k] = doc[k]
		}
		assertSummary(t, summary)
		assertTimestamp(t, "createdAt", doc["createdAt"])
		assertTimestamp(t, "updatedAt", doc["updatedAt"])
		if doc["infoHash"] != hash || doc["id"] != float64(id) || doc["fileCount"] != 2.0 || doc["size"] != 605.0 {
			t.Fatalf("details %s", r.body)
		}
		files := doc["files"].([]any)
		if f := files[0].(map[string]any); f["path"] != "With Description/a.bin" || f["size"] != 600.0 {
			t.Fatalf("files %v", files)
		}
		assertKeys(t, "file", files[0].(map[string]any), "path", "size", "mediaType", "playable")
		if trackers := doc["trackers"].([]any); len(trackers) != 2 || trackers[1] != "https://t.example/announce?x=1&y=2" {
			t.Fatalf("trackers %v", trackers)
		}
	}
	for _, bad := range []string{"abc", "0", "-1", "12345678901234567890", strings.Repeat("z", 40), "1.5"} {
		errs := expectProblem(t, h.get("/api/torrents/"+bad), 400, "validation_failed")
		if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != "id" {
			t.Fatalf("%s: errors name %v, want id", bad, fields)
		}
	}
	expectProblem(t, h.get("/api/torrents/999999"), 404, "not_found")
	expectProblem(t, h.get("/api/torrents/"+hashOf(77).String()), 404, "not_found")
}

func TestDetailsWithoutFilesOrTrackersHasEmptyLists(t *testing.T) {
	h := newHarness(t)
	out := h.seed(domain.Torrent{InfoHash: hashOf(9), Name: "Bare", Size: 1})
	r := h.get("/api/torrents/" + itoa(out[0].ID))
	assertNoNull(t, r.body)
	doc := r.json(t)
	if files, ok := doc["files"].([]any); !ok || len(files) != 0 || doc["fileCount"] != 0.0 {
		t.Fatalf("files %s", r.body)
	}
	if trackers, ok := doc["trackers"].([]any); !ok || len(trackers) != 0 || doc["description"] != "" {
		t.Fatalf("trackers/description %s", r.body)
	}
	if !strings.HasPrefix(doc["magnet"].(string), "magnet:?xt=urn:btih:"+hashOf(9).String()) {
		t.Fatalf("magnet %v", doc["magnet"])
	}
}

func TestCategories(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	r := h.get("/api/categories")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "categories", doc, "items")
	counts := map[string]float64{}
	for _, c := range items(t, doc) {
		assertKeys(t, "category", c, "id", "slug", "name", "torrentCount")
		counts[c["slug"].(string)] = c["torrentCount"].(float64)
	}
	for _, slug := range []string{"movies", "tv", "music", "games", "software", "anime", "books", "other"} {
		if _, ok := counts[slug]; !ok {
			t.Fatalf("category %s missing: %v", slug, counts)
		}
	}
	if counts["movies"] != 2 || counts["games"] != 0 {
		t.Fatalf("counts %v", counts)
	}
}
