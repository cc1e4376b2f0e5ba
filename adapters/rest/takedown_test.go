package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// withKey sends the ingest key with a request.
func withKey(headers ...string) []string { return append([]string{"X-API-Key", testKey}, headers...) }

func (h *harness) takedown(body string) response {
	h.t.Helper()
	return h.call(http.MethodPost, "/api/torrents/takedown", body, withKey()...)
}

// catalogView is what an anonymous client sees of the catalog, read through every cache.
type catalogView struct {
	searchTotal   float64
	searchHashes  []string
	latestHashes  []string
	categoryCount map[string]float64
}

func (h *harness) view(q string) catalogView {
	h.t.Helper()
	v := catalogView{categoryCount: map[string]float64{}}
	search := h.get("/api/torrents/search?q=" + q).json(h.t)
	v.searchTotal = search["total"].(float64)
	for _, it := range search["items"].([]any) {
		v.searchHashes = append(v.searchHashes, it.(map[string]any)["infoHash"].(string))
	}
	for _, it := range h.get("/api/torrents/latest?limit=100").json(h.t)["items"].([]any) {
		v.latestHashes = append(v.latestHashes, it.(map[string]any)["infoHash"].(string))
	}
	for _, it := range h.get("/api/categories").json(h.t)["items"].([]any) {
		c := it.(map[string]any)
		v.categoryCount[c["slug"].(string)] = c["torrentCount"].(float64)
	}
	return v
}

func ingestBody(hashes ...string) string {
	items := make([]string, len(hashes))
	for i, hash := range hashes {
		items[i] = `{"infoHash":"` + hash + `","name":"Takedown Sample ` + hash[36:] + `","size":10,"category":"movies"}`
	}
	return `{"torrents":[` + strings.Join(items, ",") + `]}`
}

func hexHash(n int) string { return fmt.Sprintf("%040x", n) }

// The takedown routes need the ingest key, as ingest does.
func TestTakedownNeedsTheIngestKey(t *testing.T) {
	h := newHarness(t)
	h.ingest(ingestBody(hexHash(1)))
	for _, c := range []struct{ method, path, body string }{
		{http.MethodDelete, "/api/torrents/1", ""},
		{http.MethodPost, "/api/torrents/takedown", `{"infoHashes":["` + hexHash(1) + `"]}`},
		{http.MethodDelete, "/api/torrents/takedown/" + hexHash(1), ""},
	} {
		for name, headers := range map[string][]string{
			"no key":        nil,
			"wrong key":     {"X-API-Key", "not-the-key"},
			"wrong bearer":  bearer("not-the-key"),
			"session token": {"Cookie", "session_token=" + testKey},
		} {
			r := h.call(c.method, c.path, c.body, headers...)
			expectProblem(t, r, http.StatusUnauthorized, "unauthenticated")
			if name == "no key" && !strings.Contains(r.json(t)["detail"].(string), "X-API-Key") {
				t.Fatalf("%s %s: the 401 must say how to authenticate: %s", c.method, c.path, r.body)
			}
		}
	}
	if r := h.get("/api/torrents/1"); r.status != http.StatusOK {
		t.Fatalf("a refused takedown removed the torrent: %d", r.status)
	}
	// The bearer form of the key works as for ingest.
	if r := h.call(http.MethodDelete, "/api/torrents/1", "", bearer(testKey)...); r.status != http.StatusNoContent {
		t.Fatalf("DELETE with the key as a bearer token: %d %s", r.status, r.body)
	}
}

func TestTakedownDisabledWithoutKey(t *testing.T) {
	h := newHarness(t, withOptions(rest.Options{}))
	r := h.call(http.MethodPost, "/api/torrents/takedown", `{"infoHashes":["`+hexHash(1)+`"]}`, withKey()...)
	expectProblem(t, r, http.StatusServiceUnavailable, "unavailable")
	expectProblem(t, h.call(http.MethodDelete, "/api/torrents/1", "", withKey()...), http.StatusServiceUnavailable, "unavailable")
}

func TestTakedownRejectsBadBodies(t *testing.T) {
	h := newHarness(t)
	tooMany := make([]string, 1001)
	for i := range tooMany {
		tooMany[i] = `"` + hexHash(i+1) + `"`
	}
	for body, field := range map[string]string{
		`{}`:                   "infoHashes",
		`{"infoHashes":[]}`:    "infoHashes",
		`{"infoHashes":"abc"}`: "infoHashes",
		`{"infoHashes":[1,2]}`: "infoHashes",
		`[]`:                   "",
		`{"infoHashes":[` + strings.Join(tooMany, ",") + `]}`: "infoHashes",
	} {
		errs := expectProblem(t, h.takedown(body), http.StatusBadRequest, "validation_failed")
		if fields := fieldsOf(errs); len(fields) != 1 || !strings.HasPrefix(fields[0], field) {
			t.Fatalf("%.40s: errors name %v, want %q", body, fields, field)
		}
	}
	expectProblem(t, h.takedown(`{"infoHashes":[`), http.StatusBadRequest, "invalid_json")
	r := h.call(http.MethodPost, "/api/torrents/takedown", "", withKey()...)
	expectProblem(t, r, http.StatusBadRequest, "invalid_json")
	r = h.call(http.MethodPost, "/api/torrents/takedown", `{"infoHashes":["`+hexHash(1)+`"]}`, withKey("Content-Type", "text/plain")...)
	expectProblem(t, r, http.StatusUnsupportedMediaType, "unsupported_media_type")
	// Malformed ids and hashes in the path are a 400 naming them.
	errs := expectProblem(t, h.call(http.MethodDelete, "/api/torrents/not-an-id", "", withKey()...), http.StatusBadRequest, "validation_failed")
	if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != "id" {
		t.Fatalf("DELETE /api/torrents/not-an-id names %v", fields)
	}
	errs = expectProblem(t, h.call(http.MethodDelete, "/api/torrents/takedown/xyz", "", withKey()...), http.StatusBadRequest, "validation_failed")
	if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != "infoHash" {
		t.Fatalf("DELETE /api/torrents/takedown/xyz names %v", fields)
	}
}

// The whole life of a takedown, seen by an anonymous client whose every read goes through the
// caches (the encoded answers and the tiered store): removal shows on the very next read, the hash
// stays blocked for ingest, and an unblock lets it in again.
func TestTakedownRemovesEverywhereAtOnceAndBlocks(t *testing.T) {
	h := newHarness(t)
	a, b, c, never := hexHash(0xa1), hexHash(0xb2), hexHash(0xc3), hexHash(0xd4)
	if rep := readReport(t, h.ingest(ingestBody(a, b, c))); rep.Created != 3 {
		t.Fatalf("seed: %+v", rep)
	}
	before := h.view("takedown")
	if before.searchTotal != 3 || len(before.latestHashes) != 3 || before.categoryCount["movies"] != 3 {
		t.Fatalf("before: %+v", before)
	}
	// Warm the details of a by id and by hash, in every case the client may use.
	idOfA := h.get("/api/torrents/" + a).json(t)["id"].(float64)
	detailsByID := fmt.Sprintf("/api/torrents/%d", int64(idOfA))
	for _, path := range []string{detailsByID, "/api/torrents/" + a, "/api/torrents/" + strings.ToUpper(a)} {
		if r := h.get(path); r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.status)
		}
	}

	// a is in the catalog; "nope" is malformed; never is not in the catalog; a again.
	r := h.takedown(`{"infoHashes":["` + strings.ToUpper(a) + `","nope","` + never + `","` + a + `"]}`)
	if r.status != http.StatusOK {
		t.Fatalf("takedown: %d %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "takedown report", doc, "removed", "blocked", "failed", "results")
	if doc["removed"] != 2.0 || doc["blocked"] != 1.0 || doc["failed"] != 1.0 {
		t.Fatalf("counts: %s", r.body)
	}
	results := doc["results"].([]any)
	want := []struct {
		hash, status string
		keys         []string
	}{
		{a, "removed", []string{"index", "infoHash", "status", "id"}},
		{"", "failed", []string{"index", "infoHash", "status", "error"}},
		{never, "blocked", []string{"index", "infoHash", "status"}},
		{a, "removed", []string{"index", "infoHash", "status", "id"}},
	}
	for i, w := range want {
		res := results[i].(map[string]any)
		assertKeys(t, fmt.Sprintf("result %d", i), res, w.keys...)
		if res["index"] != float64(i) || res["infoHash"] != w.hash || res["status"] != w.status {
			t.Fatalf("result %d = %v, want %s %s", i, res, w.hash, w.status)
		}
		if w.status == "removed" && res["id"] != idOfA {
			t.Fatalf("result %d: id %v, want %v", i, res["id"], idOfA)
		}
	}
	if e := results[1].(map[string]any)["error"].(map[string]any); e["field"] != "infoHashes[1]" || e["message"] == "" {
		t.Fatalf("the failed hash's error: %v", e)
	}

	// Gone from every read at once, though each was cached a moment ago.
	after := h.view("takedown")
	if after.searchTotal != 2 || len(after.searchHashes) != 2 || len(after.latestHashes) != 2 ||
		after.categoryCount["movies"] != 2 {
		t.Fatalf("after the takedown: %+v", after)
	}
	for _, list := range [][]string{after.searchHashes, after.latestHashes} {
		for _, hash := range list {
			if hash == a {
				t.Fatalf("a taken-down torrent is still listed: %+v", after)
			}
		}
	}
	for _, path := range []string{detailsByID, "/api/torrents/" + a, "/api/torrents/" + strings.ToUpper(a)} {
		expectProblem(t, h.get(path), http.StatusNotFound, "not_found")
	}

	// The single form, by id: 204, then 404 (it is gone); a torrent never known is a 404 too.
	idOfB := int64(h.get("/api/torrents/" + b).json(t)["id"].(float64))
	if r := h.call(http.MethodDelete, fmt.Sprintf("/api/torrents/%d", idOfB), "", withKey()...); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE by id: %d %s", r.status, r.body)
	}
	expectProblem(t, h.call(http.MethodDelete, fmt.Sprintf("/api/torrents/%d", idOfB), "", withKey()...), http.StatusNotFound, "not_found")
	expectProblem(t, h.call(http.MethodDelete, "/api/torrents/"+b, "", withKey()...), http.StatusNotFound, "not_found")
	expectProblem(t, h.call(http.MethodDelete, "/api/torrents/999999", "", withKey()...), http.StatusNotFound, "not_found")
	if v := h.view("takedown"); v.searchTotal != 1 || len(v.latestHashes) != 1 || v.categoryCount["movies"] != 1 {
		t.Fatalf("after DELETE of b: %+v", v)
	}
	// The single form by hash of an unknown torrent blocks nothing: e is still ingestible.
	e := hexHash(0xe5)
	expectProblem(t, h.call(http.MethodDelete, "/api/torrents/"+e, "", withKey()...), http.StatusNotFound, "not_found")

	// Ingest again: the blocked hashes (taken down, and preventively blocked) are reported, not stored.
	rep := readReport(t, h.ingest(ingestBody(a, b, never, c, e)))
	if rep.Blocked != 3 || rep.Updated != 1 || rep.Created != 1 || rep.Failed != 0 {
		t.Fatalf("re-ingest: %+v", rep)
	}
	for i, status := range []string{"blocked", "blocked", "blocked", "updated", "created"} {
		res := rep.Results[i]
		if res["status"] != status {
			t.Fatalf("re-ingest result %d: %v, want %s", i, res, status)
		}
		if status == "blocked" {
			e, _ := res["error"].(map[string]any)
			if e == nil || e["field"] != "infoHash" || !strings.Contains(e["message"].(string), "unblock") {
				t.Fatalf("a blocked item must say why and how to unblock: %v", res)
			}
		} else if _, ok := res["error"]; ok {
			t.Fatalf("result %d has an error: %v", i, res)
		}
	}
	expectProblem(t, h.get("/api/torrents/"+a), http.StatusNotFound, "not_found")
	if v := h.view("takedown"); v.searchTotal != 2 || v.categoryCount["movies"] != 2 {
		t.Fatalf("after the blocked re-ingest: %+v", v)
	}

	// Unblock a: 204, then 404 (no longer blocked); the next ingest brings it back.
	if r := h.call(http.MethodDelete, "/api/torrents/takedown/"+strings.ToUpper(a), "", withKey()...); r.status != http.StatusNoContent {
		t.Fatalf("unblock: %d %s", r.status, r.body)
	}
	expectProblem(t, h.call(http.MethodDelete, "/api/torrents/takedown/"+a, "", withKey()...), http.StatusNotFound, "not_found")
	expectProblem(t, h.call(http.MethodDelete, "/api/torrents/takedown/"+e, "", withKey()...), http.StatusNotFound, "not_found")
	if r := h.get("/api/torrents/" + a); r.status != http.StatusNotFound {
		t.Fatalf("an unblock brings nothing back by itself: %d", r.status)
	}
	rep = readReport(t, h.ingest(ingestBody(a, never)))
	if rep.Created != 1 || rep.Blocked != 1 || rep.Results[0]["status"] != "created" || rep.Results[1]["status"] != "blocked" {
		t.Fatalf("ingest after the unblock: %+v", rep)
	}
	if r := h.get("/api/torrents/" + a); r.status != http.StatusOK {
		t.Fatalf("a is back: %d", r.status)
	}
	if v := h.view("takedown"); v.searchTotal != 3 || v.categoryCount["movies"] != 3 {
		t.Fatalf("after the unblock and ingest: %+v", v)
	}
}

// Takedown shares the ingest key's rate limit: one budget for every write to the catalog.
func TestTakedownSharesTheIngestRateLimit(t *testing.T) {
	h := newHarness(t, withOptions(rest.Options{IngestAPIKey: testKey,
		RateLimits: rest.RateLimits{IngestPerKey: rest.RateLimit{Max: 2, Window: time.Minute}}}))
	if r := h.ingest(ingestBody(hexHash(1))); r.status != http.StatusOK {
		t.Fatalf("ingest: %d", r.status)
	}
	if r := h.takedown(`{"infoHashes":["` + hexHash(1) + `"]}`); r.status != http.StatusOK {
		t.Fatalf("takedown: %d", r.status)
	}
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/torrents/takedown", `{"infoHashes":["` + hexHash(2) + `"]}`},
		{http.MethodDelete, "/api/torrents/takedown/" + hexHash(1), ""},
		{http.MethodDelete, "/api/torrents/1", ""},
	} {
		r := h.call(c.method, c.path, c.body, withKey()...)
		expectProblem(t, r, http.StatusTooManyRequests, "rate_limited")
		if r.header.Get("Retry-After") == "" {
			t.Fatalf("%s %s: 429 without Retry-After", c.method, c.path)
		}
	}
}

// A report is valid JSON of the documented shape even when every hash fails.
func TestTakedownAllHashesFailing(t *testing.T) {
	h := newHarness(t)
	r := h.takedown(`{"infoHashes":["", "xyz", "` + strings.Repeat("g", 40) + `"]}`)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var rep struct {
		Removed, Blocked, Failed int
		Results                  []struct {
			Index    int
			InfoHash string
			Status   string
			Error    struct{ Field, Message string }
		}
	}
	if err := json.Unmarshal(r.body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 3 || rep.Removed != 0 || rep.Blocked != 0 || len(rep.Results) != 3 {
		t.Fatalf("%s", r.body)
	}
	for i, res := range rep.Results {
		if res.Status != "failed" || res.InfoHash != "" || res.Error.Field != fmt.Sprintf("infoHashes[%d]", i) || res.Error.Message == "" {
			t.Fatalf("result %d: %+v", i, res)
		}
	}
}

// The blocklist can be read back, a page at a time, with the ingest key only.
func TestTakedownBlocklistListing(t *testing.T) {
	h := newHarness(t)
	h.ingest(ingestBody(hexHash(7)))
	expectProblem(t, h.get("/api/torrents/takedown"), http.StatusUnauthorized, "unauthenticated")
	r := h.call(http.MethodGet, "/api/torrents/takedown", "", withKey()...)
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("empty list: %d %v %s", r.status, r.header, r.body)
	}
	assertNoNull(t, r.body)
	if doc := r.json(t); len(doc["items"].([]any)) != 0 || doc["next"] != "" {
		t.Fatalf("empty list: %s", r.body)
	}
	h.takedown(`{"infoHashes":["` + hexHash(3) + `","` + hexHash(1) + `","` + hexHash(2) + `"]}`)
	r = h.call(http.MethodGet, "/api/torrents/takedown?limit=2", "", withKey()...)
	doc := r.json(t)
	assertKeys(t, "blocklist page", doc, "items", "next")
	items := doc["items"].([]any)
	if len(items) != 2 || doc["next"] != hexHash(2) {
		t.Fatalf("first page: %s", r.body)
	}
	for i, it := range items {
		m := it.(map[string]any)
		assertKeys(t, "blocked hash", m, "infoHash", "blockedAt")
		assertTimestamp(t, "blockedAt", m["blockedAt"])
		if m["infoHash"] != hexHash(i+1) {
			t.Fatalf("item %d: %v", i, m)
		}
	}
	doc = h.call(http.MethodGet, "/api/torrents/takedown?limit=2&after="+strings.ToUpper(hexHash(2)), "", withKey()...).json(t)
	if items := doc["items"].([]any); len(items) != 1 || items[0].(map[string]any)["infoHash"] != hexHash(3) || doc["next"] != "" {
		t.Fatalf("last page: %v", doc)
	}
	for query, field := range map[string]string{
		"limit=0": "limit", "limit=101": "limit", "limit=x": "limit", "after=xyz": "after", "limit=1&limit=2": "limit",
	} {
		errs := expectProblem(t, h.call(http.MethodGet, "/api/torrents/takedown?"+query, "", withKey()...), http.StatusBadRequest, "validation_failed")
		if f := fieldsOf(errs); len(f) != 1 || f[0] != field {
			t.Fatalf("%s names %v", query, f)
		}
	}
	// The catalog's details route still answers beside it.
	if r := h.get("/api/torrents/" + hexHash(7)); r.status != http.StatusOK {
		t.Fatalf("details: %d", r.status)
	}
	expectProblem(t, h.get("/api/torrents/takedowns"), http.StatusBadRequest, "validation_failed")
}
