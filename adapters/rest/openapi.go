package rest

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"io"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument is the OpenAPI 3.1 description of every route, written by hand beside the code
// (openapi.json) and embedded, so the binary always serves the document of its own routes. A test
// holds the two to each other.
var openAPIDocument = gunzipped(openAPIGzipped)

// openAPIGzipped is openapi.json gzipped by `go generate ./adapters/rest` (which `make client` runs):
// the binary carries 21 KB instead of 132 of indented JSON, under the image's 30 MB. A test fails
// when the two differ, naming the command.
//
//go:generate gzip -9 -n -k -f openapi.json
//go:embed openapi.json.gz
var openAPIGzipped []byte

func gunzipped(b []byte) []byte {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err == nil {
		b, err = io.ReadAll(r)
	}
	if err != nil {
		panic("rest: the embedded openapi.json.gz does not decompress: " + err.Error()) // the tests read it
	}
	return b
}

// openAPIFor returns the document of the routes a server has: the whole of it with accounts and
// activity, and otherwise the document without the optional /api/auth paths, so a server never
// describes a route it does not serve. Only those paths are ever dropped; any other difference
// between routes and document stays visible to the test.
func openAPIFor(withAccounts, withActivity bool) []byte {
	switch {
	case withAccounts && withActivity:
		return openAPIDocument
	case withAccounts:
		return openAPIWithoutActivity()
	}
	return openAPIWithoutAccounts()
}

var (
	openAPIWithoutAccounts = sync.OnceValue(func() []byte {
		return openAPIDropping(func(path string) bool { return strings.HasPrefix(path, "/api/auth/") })
	})
	openAPIWithoutActivity = sync.OnceValue(func() []byte {
		return openAPIDropping(func(path string) bool { return path == "/api/auth/me/activity" })
	})
)

func openAPIDropping(drop func(path string) bool) []byte {
	var doc map[string]json.RawMessage
	var paths map[string]json.RawMessage
	if json.Unmarshal(openAPIDocument, &doc) != nil || json.Unmarshal(doc["paths"], &paths) != nil {
		panic("rest: the embedded openapi.json is not a JSON document with paths") // the tests read it
	}
	for p := range paths {
		if drop(p) {
			delete(paths, p)
		}
	}
	raw, err := json.Marshal(paths)
	if err != nil {
		panic(err)
	}
	doc["paths"] = raw
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return out
}

// serveOpenAPI serves the document. It loosens the API's Content-Security-Policy for itself: a
// browser may render it (a JSON viewer), and tools on other origins read it.
func serveOpenAPI(doc []byte) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		c.Set(fiber.HeaderContentSecurityPolicy, "frame-ancestors 'none'")
		c.Set("Cross-Origin-Resource-Policy", "cross-origin")
		return c.Send(doc)
	}
}
