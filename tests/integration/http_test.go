package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestTheServiceOnCloudflareAnswersAsTheEmbeddedDefault drives the service wired to the Cloudflare
// adapters (bootstrap's Cloudflare mode: R1 on D1, Workers KV behind the process cache) and the
// embedded default (a local SQLite file) through the same requests, one after the other, and
// expects the same answers: the same status, and the same JSON once what must differ (tokens, user
// ids, timestamps) is set aside. The main flows have explicit expectations too.
func TestTheServiceOnCloudflareAnswersAsTheEmbeddedDefault(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	cf := &flowClient{svc: startService(t, tg.config()), name: "cloudflare"}
	local := &flowClient{svc: startService(t, localConfig(t)), name: "embedded"}
	both := func(name string, want int, req func(c *flowClient) (string, string, any)) map[string]any {
		t.Helper()
		return compare(t, name, want, cf, local, req)
	}
	get := func(path string) func(*flowClient) (string, string, any) {
		return func(*flowClient) (string, string, any) { return http.MethodGet, path, nil }
	}

	// An empty catalog.
	categories := both("categories of a fresh database", 200, get("/api/categories"))
	if n := len(categories["items"].([]any)); n != 8 {
		t.Fatalf("a fresh database has %d categories, want 8", n)
	}
	both("search of an empty catalog", 200, get("/api/torrents/search"))
	both("latest of an empty catalog", 200, get("/api/torrents/latest"))

	// Ingest: the sample catalog and a few more, one of them bad.
	ingest := ingestBody(t)
	report := both("ingest", 200, func(*flowClient) (string, string, any) {
		return http.MethodPost, "/api/ingest", ingest
	})
	if report["created"] != float64(len(ingest["torrents"].([]any))-1) || report["failed"] != 1.0 {
		t.Fatalf("ingest report %v", report)
	}
	again := both("the same ingest again updates", 200, func(*flowClient) (string, string, any) {
		return http.MethodPost, "/api/ingest", ingest
	})
	if again["created"] != 0.0 || again["updated"] != report["created"] {
		t.Fatalf("second ingest report %v", again)
	}
	both("categories after ingest", 200, get("/api/categories"))

	// Search, latest, details.
	sintel := both("search", 200, get("/api/torrents/search?q=sintel"))
	if items := sintel["items"].([]any); len(items) != 1 || items[0].(map[string]any)["infoHash"] != "08ada5a7a6183aae1e09d831df6748d566095a10" {
		t.Fatalf("search sintel: %v", sintel)
	}
	first := both("search, a page by name", 200, get("/api/torrents/search?sort=name&order=asc&limit=2"))
	cursor, _ := first["nextCursor"].(string)
	if cursor == "" {
		t.Fatalf("no next page: %v", first)
	}
	both("search, the next page by cursor", 200, get("/api/torrents/search?sort=name&order=asc&limit=2&cursor="+url.QueryEscape(cursor)))
	both("search, categories and a sort", 200, get("/api/torrents/search?category=movies,music&sort=size&order=desc"))
	both("search, by page", 200, get("/api/torrents/search?sort=seeders&limit=3&page=2"))
	both("search, hostile text", 200, get("/api/torrents/search?q="+url.QueryEscape(`"bunny* OR name:x) AND NEAR(a b) ' ; DROP TABLE torrents; --`)))
	both("search, a malformed parameter", 400, get("/api/torrents/search?minSeeders=many"))
	both("search, an unknown category", 400, get("/api/torrents/search?category=nope"))
	both("latest", 200, get("/api/torrents/latest?limit=3"))
	both("latest of a category", 200, get("/api/torrents/latest?category=music"))
	bunny := both("details by hash", 200, get("/api/torrents/DD8255ECDC7CA55FB0BBF81323D87062DB1F6D1C"))
	if bunny["name"] != "Big Buck Bunny" {
		t.Fatalf("details: %v", bunny)
	}
	both("details by id", 200, get(fmt.Sprintf("/api/torrents/%d", int64(bunny["id"].(float64)))))
	both("details with files and trackers", 200, get("/api/torrents/"+extraHash))
	both("details of an unknown torrent", 404, get("/api/torrents/999999"))
	both("details of a malformed id", 400, get("/api/torrents/not-an-id"))

	// Accounts.
	signUp := map[string]string{"email": "Ada@Example.com", "password": "correct horse battery", "name": "Ada"}
	both("sign-up", 201, func(c *flowClient) (string, string, any) { return http.MethodPost, "/api/auth/sign-up", signUp })
	both("sign-up with a taken email", 409, func(c *flowClient) (string, string, any) {
		return http.MethodPost, "/api/auth/sign-up", map[string]string{"email": "ada@example.com", "password": "another password", "name": "Eve"}
	})
	both("sign-in with a wrong password", 401, func(c *flowClient) (string, string, any) {
		return http.MethodPost, "/api/auth/sign-in", map[string]string{"email": "ada@example.com", "password": "wrong password"}
	})
	both("sign-in", 200, func(c *flowClient) (string, string, any) {
		return http.MethodPost, "/api/auth/sign-in", map[string]string{"email": "ada@example.com", "password": "correct horse battery"}
	})
	me := both("me", 200, func(c *flowClient) (string, string, any) { return http.MethodGet, "/api/auth/me", nil })
	if me["user"].(map[string]any)["email"] != "ada@example.com" {
		t.Fatalf("me: %v", me)
	}
	both("a signed-in search", 200, get("/api/torrents/search?q=bunny"))
	both("a signed-in view", 200, get("/api/torrents/"+extraHash))
	for _, c := range []*flowClient{cf, local} {
		c.awaitActivities(t, 2)
	}
	both("activity", 200, func(c *flowClient) (string, string, any) { return http.MethodGet, "/api/auth/me/activity", nil })
	both("profile update", 200, func(c *flowClient) (string, string, any) {
		return http.MethodPut, "/api/auth/me", map[string]string{"name": "Ada Lovelace"}
	})
	both("logout", 204, func(c *flowClient) (string, string, any) { return http.MethodPost, "/api/auth/logout", nil })
	both("me after logout", 401, func(c *flowClient) (string, string, any) { return http.MethodGet, "/api/auth/me", nil })

	// An update by ingest shows at once: the catalog's cache generation moved on.
	update := map[string]any{"torrents": []any{map[string]any{"infoHash": "08ada5a7a6183aae1e09d831df6748d566095a10",
		"name": "Sintel", "category": "movies", "seeders": 4242, "leechers": 7, "uploadedAt": "2010-09-27T00:00:00Z"}}}
	both("ingest an update", 200, func(*flowClient) (string, string, any) { return http.MethodPost, "/api/ingest", update })
	updated := both("search after the update", 200, get("/api/torrents/search?q=sintel"))
	if seeders := updated["items"].([]any)[0].(map[string]any)["seeders"]; seeders != 4242.0 {
		t.Fatalf("seeders after the update: %v", seeders)
	}

	// Takedown: gone at once through every cache tier (the process tier, and KV on Cloudflare), and
	// blocked for ingest until it is unblocked. Every read is warm in the caches first.
	const sintelHash, preventive = "08ada5a7a6183aae1e09d831df6748d566095a10", "3333333333333333333333333333333333333333"
	both("details before the takedown", 200, get("/api/torrents/"+sintelHash))
	both("latest before the takedown", 200, get("/api/torrents/latest?limit=50"))
	both("categories before the takedown", 200, get("/api/categories"))
	takedown := both("takedown", 200, func(*flowClient) (string, string, any) {
		return http.MethodPost, "/api/torrents/takedown", map[string]any{"infoHashes": []string{sintelHash, preventive, "nope"}}
	})
	if takedown["removed"] != 1.0 || takedown["blocked"] != 1.0 || takedown["failed"] != 1.0 {
		t.Fatalf("takedown report %v", takedown)
	}
	if found := both("search after the takedown", 200, get("/api/torrents/search?q=sintel")); len(found["items"].([]any)) != 0 {
		t.Fatalf("search finds a taken-down torrent: %v", found)
	}
	both("details after the takedown", 404, get("/api/torrents/"+sintelHash))
	for _, it := range both("latest after the takedown", 200, get("/api/torrents/latest?limit=50"))["items"].([]any) {
		if it.(map[string]any)["infoHash"] == sintelHash {
			t.Fatal("latest lists a taken-down torrent")
		}
	}
	both("categories after the takedown", 200, get("/api/categories"))
	blocked := both("ingest of blocked hashes", 200, func(*flowClient) (string, string, any) { return http.MethodPost, "/api/ingest", update })
	if blocked["blocked"] != 1.0 || blocked["results"].([]any)[0].(map[string]any)["status"] != "blocked" {
		t.Fatalf("ingest of a blocked hash: %v", blocked)
	}
	both("unblock", 204, func(*flowClient) (string, string, any) {
		return http.MethodDelete, "/api/torrents/takedown/" + sintelHash, nil
	})
	both("unblock again", 404, func(*flowClient) (string, string, any) {
		return http.MethodDelete, "/api/torrents/takedown/" + sintelHash, nil
	})
	if back := both("ingest after the unblock", 200, func(*flowClient) (string, string, any) { return http.MethodPost, "/api/ingest", update }); back["created"] != 1.0 {
		t.Fatalf("ingest after the unblock: %v", back)
	}
	both("details after the return", 200, get("/api/torrents/"+sintelHash))
	both("take one down by id", 204, func(*flowClient) (string, string, any) {
		return http.MethodDelete, fmt.Sprintf("/api/torrents/%d", int64(bunny["id"].(float64))), nil
	})
	both("take it down again", 404, func(*flowClient) (string, string, any) {
		return http.MethodDelete, "/api/torrents/" + bunny["infoHash"].(string), nil
	})
	both("categories after both takedowns", 200, get("/api/categories"))

	// Account deletion: the password is required, and every token of the user is refused at once.
	both("sign-in before the deletion", 200, func(c *flowClient) (string, string, any) {
		return http.MethodPost, "/api/auth/sign-in", map[string]string{"email": "ada@example.com", "password": "correct horse battery"}
	})
	both("a search to leave an activity", 200, get("/api/torrents/search?q=bunny"))
	both("deletion with a wrong password", 403, func(c *flowClient) (string, string, any) {
		return http.MethodDelete, "/api/auth/me", map[string]string{"currentPassword": "wrong password"}
	})
	both("deletion", 204, func(c *flowClient) (string, string, any) {
		return http.MethodDelete, "/api/auth/me", map[string]string{"currentPassword": "correct horse battery"}
	})
	both("me after the deletion", 401, func(c *flowClient) (string, string, any) { return http.MethodGet, "/api/auth/me", nil })
	both("sign-in after the deletion", 401, func(c *flowClient) (string, string, any) {
		return http.MethodPost, "/api/auth/sign-in", map[string]string{"email": "ada@example.com", "password": "correct horse battery"}
	})
	both("the email is free again", 201, func(c *flowClient) (string, string, any) { return http.MethodPost, "/api/auth/sign-up", signUp })

	// Health: the stores answer, and the Cloudflare mode counted its calls.
	health := cf.svc.get(t, "/api/health").json(t)
	upstream := health["upstream"].(map[string]any)
	r1, kv := upstream["r1"].(map[string]any), upstream["kv"].(map[string]any)
	if health["status"] != "ok" || r1["calls"].(float64) < 10 || kv["calls"].(float64) < 1 || r1["errors"] != 0.0 || kv["errors"] != 0.0 {
		t.Fatalf("cloudflare health %v", health)
	}
	if localUp := local.svc.get(t, "/api/health").json(t)["upstream"].(map[string]any); localUp["r1"].(map[string]any)["calls"] != 0.0 {
		t.Fatalf("the embedded default counts upstream calls: %v", localUp)
	}
	metrics := string(cf.svc.get(t, "/metrics").body)
	if !strings.Contains(metrics, `streamer_upstream_calls_total{service="r1"}`) || !strings.Contains(metrics, `streamer_upstream_calls_total{service="kv"}`) {
		t.Fatalf("metrics:\n%s", metrics)
	}
}

// flowClient is one service and the session it signed in with.
type flowClient struct {
	svc   *service
	name  string
	token string
}

func (c *flowClient) do(t *testing.T, method, path string, body any) answer {
	t.Helper()
	var header []string
	if c.token != "" {
		header = []string{"Authorization", "Bearer " + c.token}
	}
	if (method == http.MethodPost && path == "/api/ingest") || strings.HasPrefix(path, "/api/torrents/takedown") ||
		(method == http.MethodDelete && strings.HasPrefix(path, "/api/torrents/")) {
		header = append(header, "X-API-Key", testIngestKey)
	}
	a := c.svc.call(t, method, path, body, header...)
	if a.status < 300 && strings.HasPrefix(path, "/api/auth/sign-") {
		var signed struct {
			Session struct {
				Token string `json:"token"`
			} `json:"session"`
		}
		_ = json.Unmarshal(a.body, &signed)
		c.token = signed.Session.Token
	}
	return a
}

// awaitActivities waits until the recorder wrote n activities (it writes in the background).
func (c *flowClient) awaitActivities(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := c.do(t, http.MethodGet, "/api/auth/me/activity", nil)
		if a.status == 200 && len(a.json(t)["items"].([]any)) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d activities not written within 15 s: %d %s", c.name, n, a.status, a.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// compare sends the request to both services and expects the same answer from each.
func compare(t *testing.T, name string, want int, a, b *flowClient, req func(*flowClient) (string, string, any)) map[string]any {
	t.Helper()
	answers := make([]answer, 2)
	for i, c := range []*flowClient{a, b} {
		method, path, body := req(c)
		answers[i] = c.do(t, method, path, body)
		if answers[i].status != want {
			t.Fatalf("%s: %s answered %d, want %d: %s", name, c.name, answers[i].status, want, answers[i].body)
		}
	}
	if len(answers[0].body) == 0 && len(answers[1].body) == 0 {
		return nil
	}
	docs := make([]any, 2)
	for i := range answers {
		if err := json.Unmarshal(answers[i].body, &docs[i]); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", name, err, answers[i].body)
		}
		docs[i] = comparable(docs[i], "")
	}
	if !reflect.DeepEqual(docs[0], docs[1]) {
		t.Fatalf("%s: the answers differ\n%s: %s\n%s: %s", name, a.name, answers[0].body, b.name, answers[1].body)
	}
	m, _ := answers[0].json(t), 0
	return m
}

// comparable drops what differs between two correct services: the store's timestamps, session
// tokens and their expiry, user ids (random).
func comparable(v any, parent string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			switch {
			case k == "createdAt" || k == "updatedAt" || k == "expiresAt" || k == "token":
				continue
			case k == "id" && parent == "user":
				continue
			}
			out[k] = comparable(val, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = comparable(x[i], parent)
		}
		return out
	}
	return v
}

// extraHash is a torrent of the ingest body with files and trackers of its own.
const extraHash = "0123456789abcdef0123456789abcdef01234567"

// ingestBody is the sample catalog, a torrent with files and trackers, one in a new category, and
// one without a name (which fails).
func ingestBody(t *testing.T) map[string]any {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "bootstrap", "sample", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	torrents := body["torrents"].([]any)
	torrents = append(torrents,
		map[string]any{"infoHash": extraHash, "name": "Ubuntu-like 24.04 Desktop (amd64) — «open movie» edition", "category": "Linux ISOs",
			"seeders": 900, "leechers": 12, "uploadedAt": "2024-04-25T12:00:00Z", "description": "A test torrent: files, trackers, accents.",
			"files":    []any{map[string]any{"path": "ubuntu/ubuntu.iso", "size": 6000000000}, map[string]any{"path": "ubuntu/SHA256SUMS", "size": 100}},
			"trackers": []any{"udp://tracker.example.org:6969/announce", "https://tracker.example.net/announce"}},
		map[string]any{"infoHash": "1111111111111111111111111111111111111111", "name": "Der Große Film", "category": "movies",
			"size": 123456789, "seeders": 3, "uploadedAt": "2020-01-01T00:00:00Z"},
		map[string]any{"infoHash": "2222222222222222222222222222222222222222", "category": "movies"},
	)
	body["torrents"] = torrents
	return body
}
