package apispec

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed TypeScript types (clients/typescript) were generated from the document as it is:
// `make client` records the document's SHA-256 beside them. This runs in every `go test`, without
// Node, so a change of adapters/rest/openapi.json without `make client` fails at once; CI's `make
// client-check` then regenerates and compares the types themselves.
func TestTheTypeScriptTypesFollowTheDocument(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "adapters", "rest", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := os.ReadFile(filepath.Join(root, "clients", "typescript", "src", "openapi.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(doc)
	if got := hex.EncodeToString(sum[:]); strings.TrimSpace(string(recorded)) != got {
		t.Fatalf("adapters/rest/openapi.json changed since clients/typescript was generated: run `make client` and commit clients/typescript")
	}
}
