package rest_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

func ingestRequest(body string, header ...string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/ingest", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

const oneTorrent = `{"torrents":[{"infoHash":"` + "0000000000000000000000000000000000000001" + `","name":"One","size":1}]}`

func TestIngestKey(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name    string
		headers []string
	}{
		{"no key", nil},
		{"wrong key", []string{"X-API-Key", "nope"}},
		{"longer wrong key", []string{"X-API-Key", testKey + "x"}},
		{"wrong bearer", []string{"Authorization", "Bearer nope"}},
		{"basic scheme", []string{"Authorization", "Basic " + testKey}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(ingestRequest(oneTorrent, c.headers...))
			expectProblem(t, r, 401, "unauthenticated")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	for _, headers := range [][]string{
		{"X-API-Key", testKey},
		{"Authorization", "Bearer " + testKey},
		{"Authorization", "bearer  " + testKey},
	} {
		if r := h.do(ingestRequest(oneTorrent, headers...)); r.status != 200 {
			t.Fatalf("%v: status %d: %s", headers, r.status, r.body)
		}
	}
}

func TestIngestDisabledWithoutKey(t *testing.T) {
	h := newHarness(t, withOptions(rest.Options{}))
	r := h.do(ingestRequest(oneTorrent, "X-API-Key", ""))
	expectProblem(t, r, 503, "unavailable")
	if doc := r.json(t); !strings.Contains(doc["detail"].(string), "INGEST_API_KEY") {
		t.Fatalf("the 503 must say how to enable ingest: %s", r.body)
	}
	r = h.do(ingestRequest(oneTorrent, "Authorization", "Bearer anything"))
	expectProblem(t, r, 503, "unavailable")
}

func TestIngestRejectsBodiesOfTheWrongShape(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name, body, code, field string
	}{
		{"empty", ``, "invalid_json", ""},
		{"not json", `{"torrents": [`, "invalid_json", ""},
		{"trailing garbage", `{"torrents": []} x`, "invalid_json", ""},
		{"array", `[{"infoHash":"x"}]`, "validation_failed", ""},
		{"string", `"hello"`, "validation_failed", ""},
		{"no torrents", `{}`, "validation_failed", "torrents"},
		{"null torrents", `{"torrents": null}`, "validation_failed", "torrents"},
		{"empty torrents", `{"torrents": []}`, "validation_failed", "torrents"},
		{"torrents not a list", `{"torrents": "x"}`, "validation_failed", "torrents"},
		{"torrents an object", `{"torrents": {"a": 1}}`, "validation_failed", "torrents"},
		{"too many", `{"torrents": [` + strings.Repeat(`{},`, 1000) + `{}]}`, "validation_failed", "torrents"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := expectProblem(t, h.ingest(c.body), 400, c.code)
			if c.field != "" {
				if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != c.field {
					t.Fatalf("errors name %v, want %s", fields, c.field)
				}
			}
		})
	}
}

func TestIngestRefusesBodiesThatAreNotJSON(t *testing.T) {
	h := newHarness(t)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		r := h.do(ingestRequest(oneTorrent, "X-API-Key", testKey, "Content-Type", ct))
		expectProblem(t, r, 415, "unsupported_media_type")
	}
	for _, ct := range []string{"application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.streamer+json"} {
		if r := h.do(ingestRequest(oneTorrent, "X-API-Key", testKey, "Content-Type", ct)); r.status != 200 {
			t.Fatalf("%s: status %d: %s", ct, r.status, r.body)
		}
	}
	r := h.do(ingestRequest(oneTorrent, "X-API-Key", testKey, "Content-Encoding", "gzip"))
	expectProblem(t, r, 415, "unsupported_media_type")
}

type reportJSON struct {
	Created, Updated, Failed, Blocked float64
	Results                           []map[string]any
}

func readReport(t *testing.T, r response) reportJSON {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "report", doc, "created", "updated", "failed", "blocked", "results")
	rep := reportJSON{Created: doc["created"].(float64), Updated: doc["updated"].(float64),
		Failed: doc["failed"].(float64), Blocked: doc["blocked"].(float64)}
	for _, x := range doc["results"].([]any) {
		rep.Results = append(rep.Results, x.(map[string]any))
	}
	return rep
}

// One bad item never fails the batch, whatever is wrong with it: its JSON types included.
func TestIngestReportsEachItem(t *testing.T) {
	h := newHarness(t)
	hash := func(n int) string { return fmt.Sprintf("%040x", n) }
	body := `{"torrents": [
		{"infoHash": "` + hash(1) + `", "name": "Good One", "size": 10, "category": "Movies", "seeders": 3, "leechers": 1,
		 "uploadedAt": "2026-11-20T10:00:00Z", "description": "d", "files": [{"path": "a", "size": 4}, {"path": "b", "size": 6}],
		 "trackers": ["udp://t.example:80"]},
		{"infoHash": "` + hash(2) + `", "name": "Big", "size": "big"},
		{"infoHash": "` + hash(3) + `", "name": "Bad file", "files": [{"path": "a", "size": 1}, {"path": "b", "size": "x"}]},
		{"infoHash": "nothex", "name": "Bad hash"},
		{"name": "No identity"},
		5,
		{"magnet": "magnet:?xt=urn:btih:` + hash(7) + `&dn=From+Magnet&xl=99&tr=udp%3A%2F%2Fm.example%3A1"},
		{"torrentFile": "` + base64.StdEncoding.EncodeToString([]byte("file:8:FromFile")) + `", "category": "Sci-Fi Stuff"},
		{"infoHash": "` + hash(9) + `", "name": "Wrong sum", "size": 5, "files": [{"path": "a", "size": 4}]},
		{"infoHash": "` + hash(10) + `", "name": "Negative", "seeders": -1},
		{"infoHash": "` + hash(11) + `", "name": "Bad date", "uploadedAt": "yesterday"},
		{"infoHash": "` + hash(12) + `", "name": "Date only", "uploadedAt": "2026-11-01", "trackers": "udp://x"},
		{"infoHash": "` + hash(13) + `", "name": "Empty path", "files": [{"path": "", "size": 1}]}
	]}`
	rep := readReport(t, h.ingest(body))
	if len(rep.Results) != 13 {
		t.Fatalf("%d results for 13 items", len(rep.Results))
	}
	want := []struct{ status, field string }{
		{"created", ""}, {"failed", "size"}, {"failed", "files[1].size"}, {"failed", "infoHash"}, {"failed", "infoHash"},
		{"failed", ""}, {"created", ""}, {"created", ""}, {"failed", "size"}, {"failed", "seeders"}, {"failed", "uploadedAt"},
		{"failed", "trackers"}, {"failed", "files[0].path"},
	}
	for i, w := range want {
		r := rep.Results[i]
		if r["index"] != float64(i) || r["status"] != w.status {
			t.Fatalf("result %d: %v, want %s", i, r, w.status)
		}
		if _, ok := r["infoHash"].(string); !ok {
			t.Fatalf("result %d has no infoHash string: %v", i, r)
		}
		if w.status != "failed" {
			assertKeys(t, "success result", r, "index", "infoHash", "status")
			continue
		}
		e, ok := r["error"].(map[string]any)
		if !ok {
			t.Fatalf("failed result %d without error: %v", i, r)
		}
		assertKeys(t, "error", e, "field", "message")
		if e["field"] != w.field || e["message"] == "" {
			t.Fatalf("result %d: error %v, want field %q", i, e, w.field)
		}
	}
	if rep.Created != 3 || rep.Updated != 0 || rep.Failed != 10 {
		t.Fatalf("counts %+v", rep)
	}
	if rep.Results[1]["infoHash"] != hash(2) || rep.Results[6]["infoHash"] != hash(7) || rep.Results[7]["infoHash"] != hash(8) {
		t.Fatalf("info hashes %v", rep.Results)
	}
	if msg := rep.Results[1]["error"].(map[string]any)["message"]; msg != "must be an integer" {
		t.Fatalf("a wrong type says what it should be: %v", msg)
	}

	// The created torrents are served, with what the magnet and the file filled in.
	r := h.get("/api/torrents/" + hash(7))
	if doc := r.json(t); doc["name"] != "From Magnet" || doc["size"] != 99.0 {
		t.Fatalf("magnet item %s", r.body)
	}
	r = h.get("/api/torrents/" + hash(8))
	if doc := r.json(t); doc["name"] != "FromFile" || doc["fileCount"] != 2.0 || doc["category"].(map[string]any)["slug"] != "sci-fi-stuff" {
		t.Fatalf("file item %s", r.body)
	}
}

// Ingest is an upsert: the same info hash again updates, and the catalog shows the change at once.
func TestIngestUpsert(t *testing.T) {
	h := newHarness(t)
	hash := fmt.Sprintf("%040x", 42)
	first := readReport(t, h.ingest(`{"torrents":[{"infoHash":"`+hash+`","name":"Answer","size":1,"seeders":1}]}`))
	if first.Created != 1 || first.Results[0]["status"] != "created" || first.Results[0]["infoHash"] != hash {
		t.Fatalf("first %+v", first)
	}
	if r := h.get("/api/torrents/" + hash); r.json(t)["seeders"] != 1.0 {
		t.Fatalf("details %s", r.body)
	}
	second := readReport(t, h.ingest(`{"torrents":[{"infoHash":"`+strings.ToUpper(hash)+`","name":"Answer","size":1,"seeders":99}]}`))
	if second.Updated != 1 || second.Created != 0 || second.Results[0]["status"] != "updated" {
		t.Fatalf("second %+v", second)
	}
	if r := h.get("/api/torrents/" + hash); r.json(t)["seeders"] != 99.0 {
		t.Fatalf("ingest must invalidate the cached details: %s", r.body)
	}
	// The same again: the store writes nothing, and the answer keeps API.md's statuses ("updated").
	third := readReport(t, h.ingest(`{"torrents":[{"infoHash":"`+hash+`","name":"Answer","size":1,"seeders":99}]}`))
	if third.Updated != 1 || third.Created != 0 || third.Results[0]["status"] != "updated" {
		t.Fatalf("third (unchanged) %+v", third)
	}
	if doc := h.get("/api/torrents/search").json(t); doc["total"] != 1.0 {
		t.Fatalf("an upsert never duplicates: total %v", doc["total"])
	}
}

func TestIngestAllItemsFailing(t *testing.T) {
	h := newHarness(t)
	rep := readReport(t, h.ingest(`{"torrents":[{"size":"x"},{"name":"no id"}]}`))
	if rep.Failed != 2 || rep.Created != 0 || len(rep.Results) != 2 {
		t.Fatalf("%+v", rep)
	}
}
