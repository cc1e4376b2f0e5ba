package rest_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/tests/apispec"
)

// TestMain reports how many answers the contract validation checked. A whole run (no -run) that
// checked none fails, so the hook cannot silently fall off the harness.
func TestMain(m *testing.M) {
	code := m.Run()
	stats := apispec.Counts()
	fmt.Fprintln(os.Stderr, stats.Summary())
	if run := flag.Lookup("test.run"); code == 0 && stats.Validated == 0 && (run == nil || run.Value.String() == "") {
		fmt.Fprintln(os.Stderr, "FAIL: the OpenAPI contract validation checked no answer: is the harness hook gone?")
		code = 1
	}
	os.Exit(code)
}

// The validation sees drift: against a document that lacks one field the handlers send, or one
// status they answer, the answers of this very app fail.
func TestContractCatchesDrift(t *testing.T) {
	h := newHarness(t)
	seedCatalog(h)
	served := h.get("/api/openapi.json").body
	latest := httptest.NewRequest(http.MethodGet, "/api/torrents/latest", nil)
	r := h.do(latest)
	if r.status != 200 {
		t.Fatalf("latest: %d", r.status)
	}
	for name, mutate := range map[string]func(doc map[string]any){
		"a field the handler sends is not documented": func(doc map[string]any) {
			summary := dig(doc, "components", "schemas", "TorrentSummary")
			delete(summary["properties"].(map[string]any), "seeders")
			summary["required"] = slices.DeleteFunc(summary["required"].([]any), func(v any) bool { return v == "seeders" })
		},
		"a documented field is no longer sent": func(doc map[string]any) {
			summary := dig(doc, "components", "schemas", "TorrentSummary")
			summary["properties"].(map[string]any)["rating"] = map[string]any{"type": "number"}
			summary["required"] = append(summary["required"].([]any), "rating")
		},
		"the status is not documented": func(doc map[string]any) {
			delete(dig(doc, "paths", "/api/torrents/latest", "get", "responses"), "200")
		},
		"a header is documented as required": func(doc map[string]any) {
			headers := dig(doc, "paths", "/api/torrents/latest", "get", "responses", "200", "headers")
			headers["X-Drift"] = map[string]any{"required": true, "schema": map[string]any{"type": "string"}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(served, &doc); err != nil {
				t.Fatal(err)
			}
			mutate(doc)
			raw, _ := json.Marshal(doc)
			v, err := apispec.Load(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Check(latest, r.status, r.header, r.body); err == nil {
				t.Fatal("the answer passed a document that does not describe it")
			}
		})
	}
}

func dig(doc map[string]any, keys ...string) map[string]any {
	node := doc
	for _, k := range keys {
		node = node[k].(map[string]any)
	}
	return node
}
