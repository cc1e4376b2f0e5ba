package rest

import (
	"bytes"
	"os"
	"testing"
)

// The binary embeds openapi.json gzipped; an edit of the document without `go generate
// ./adapters/rest` (or `make client`) would serve the old one.
func TestTheEmbeddedOpenAPIIsOpenapiJSON(t *testing.T) {
	source, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(openAPIDocument, source) {
		t.Fatal("openapi.json.gz is not openapi.json gzipped: run `go generate ./adapters/rest` (or `make client`) and commit openapi.json.gz")
	}
}
