package apispec

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const doc = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "servers": [{"url": "/"}],
  "paths": {
    "/things/{id}": {
      "get": {
        "operationId": "getThing", "summary": "A thing",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {
            "description": "ok",
            "headers": {"X-Request-ID": {"required": true, "schema": {"type": "string", "minLength": 1}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
          },
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/feed": {
      "get": {
        "operationId": "feed", "summary": "A feed",
        "responses": {"200": {"description": "ok", "content": {"application/rss+xml": {"schema": {"type": "string"}}}}}
      }
    }
  },
  "components": {
    "schemas": {
      "Thing": {"type": "object", "required": ["name", "size"], "properties": {"name": {"type": "string"}, "size": {"type": ["integer", "null"]}}, "additionalProperties": false},
      "Problem": {"type": "object", "required": ["status"], "properties": {"status": {"type": "integer"}}, "additionalProperties": false}
    },
    "responses": {
      "NotFound": {"description": "no", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "MethodNotAllowed": {"description": "no", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    }
  }
}`

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestCheck(t *testing.T) {
	v, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	json := header("Content-Type", "application/json", "X-Request-ID", "r1")
	problem := header("Content-Type", "application/problem+json")
	for _, c := range []struct {
		name, method, target string
		status               int
		header               http.Header
		body                 string
		wantErr              string // "" for a valid answer
	}{
		{"valid", "GET", "/things/1", 200, json, `{"name":"a","size":null}`, ""},
		{"3.1 type array", "GET", "/things/1", 200, json, `{"name":"a","size":3}`, ""},
		{"a field the document does not have", "GET", "/things/1", 200, json, `{"name":"a","size":1,"extra":true}`, "extra"},
		{"a missing field", "GET", "/things/1", 200, json, `{"name":"a"}`, "size"},
		{"a wrong type", "GET", "/things/1", 200, json, `{"name":1,"size":1}`, "name"},
		{"a missing required header", "GET", "/things/1", 200, header("Content-Type", "application/json"), `{"name":"a","size":1}`, "X-Request-ID"},
		{"an undocumented content type", "GET", "/things/1", 200, header("Content-Type", "text/html", "X-Request-ID", "r"), `<p>`, "text/html"},
		{"an undocumented status", "GET", "/things/1", 418, json, `{}`, "status is not supported"},
		{"a documented error", "GET", "/things/1", 404, problem, `{"status":404}`, ""},
		{"HEAD is its GET without a body", "HEAD", "/things/1", 200, json, ``, ""},
		{"HEAD still needs its headers", "HEAD", "/things/1", 200, header("Content-Type", "application/json"), ``, "X-Request-ID"},
		{"HEAD with an undocumented status", "HEAD", "/things/1", 418, json, ``, "status is not supported"},
		{"an unknown path answered 404 with a problem", "GET", "/nowhere", 404, problem, `{"status":404}`, ""},
		{"an unknown path answered 200", "GET", "/nowhere", 200, json, `{}`, "not the contract's 404"},
		{"an unknown path with a wrong problem", "GET", "/nowhere", 404, problem, `{"status":"x"}`, "status"},
		{"an unknown method answered 405", "DELETE", "/things/1", 405, problem, `{"status":405}`, ""},
		{"an unknown method answered 404", "DELETE", "/things/1", 404, problem, `{"status":404}`, "not the contract's 405"},
		{"well-formed XML", "GET", "/feed", 200, header("Content-Type", "application/rss+xml; charset=utf-8"), `<rss><channel/></rss>`, ""},
		{"broken XML", "GET", "/feed", 200, header("Content-Type", "application/rss+xml"), `<rss><channel></rss>`, "XML"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := v.Check(httptest.NewRequest(c.method, c.target, nil), c.status, c.header, []byte(c.body))
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("no error, want one about %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("error %q does not mention %q", err, c.wantErr)
			}
		})
	}
}

func TestPreflightsAreSkipped(t *testing.T) {
	v, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	before := Counts().Skipped
	req := httptest.NewRequest(http.MethodOptions, "/things/1", nil)
	req.Header.Set("Access-Control-Request-Method", "GET")
	if err := v.Check(req, 204, http.Header{}, nil); err != nil {
		t.Fatal(err)
	}
	if Counts().Skipped != before+1 {
		t.Fatal("the preflight was not counted as skipped")
	}
}

func TestLint(t *testing.T) {
	for name, broken := range map[string]string{
		"no operationId":        strings.Replace(doc, `"operationId": "getThing", `, ``, 1),
		"duplicate operationId": strings.Replace(doc, `"operationId": "feed"`, `"operationId": "getThing"`, 1),
		"no summary":            strings.Replace(doc, `"summary": "A feed"`, `"description": "x"`, 1),
		"dangling reference":    strings.Replace(doc, `"$ref": "#/components/schemas/Thing"`, `"$ref": "#/components/schemas/Nothing"`, 1),
		"not OpenAPI":           `{"swagger": "2.0"}`,
	} {
		if _, err := Load([]byte(broken)); err == nil {
			t.Errorf("%s: the document loaded", name)
		}
	}
	if _, err := For([]byte(doc)); err != nil {
		t.Fatal(err)
	}
}
