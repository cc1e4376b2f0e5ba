package rest_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The served document is OpenAPI 3.1, and it describes exactly the routes the app has: with the
// accounts use cases, with accounts but no activity listing, and with neither.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	for name, options := range map[string][]harnessOption{
		"full":             {withAccounts(true)},
		"without activity": {withAccounts(false)},
		"without accounts": nil,
	} {
		t.Run(name, func(t *testing.T) { openAPIMatchesRoutes(t, newHarness(t, options...)) })
	}
}

func openAPIMatchesRoutes(t *testing.T, h *harness) {
	r := h.get("/api/openapi.json")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:(\w+)`)
	var routes []string
	for _, route := range h.app.GetRoutes(true) {
		if route.Method == "HEAD" { // Fiber adds HEAD beside every GET
			continue
		}
		routes = append(routes, route.Method+" "+param.ReplaceAllString(route.Path, "{$1}"))
	}
	var documented []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "options", "head", "trace":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(routes)
	routes = slices.Compact(routes)
	slices.Sort(documented)
	if !slices.Equal(routes, documented) {
		t.Fatalf("routes and document differ:\nroutes     %v\ndocumented %v", routes, documented)
	}
}

// Every $ref of the document points at something it defines.
func TestOpenAPIReferencesResolve(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	body := h.get("/api/openapi.json").body
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(body), -1)
	if len(refs) == 0 {
		t.Fatal("no $ref at all")
	}
	for _, ref := range refs {
		var node any = doc
		for _, part := range strings.Split(ref[1], "/") {
			m, ok := node.(map[string]any)
			if !ok {
				t.Fatalf("$ref #/%s does not resolve", ref[1])
			}
			if node, ok = m[part]; !ok {
				t.Fatalf("$ref #/%s does not resolve", ref[1])
			}
		}
	}
}
