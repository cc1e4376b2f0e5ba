package architecture

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/tests/modulesrc"
)

func TestImportsPointInward(t *testing.T) {
	root := filepath.Join("..", "..")
	packages := map[string][]string{}
	err := modulesrc.Walk(root, func(path, dir string) error {
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := Module + "/" + dir
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			packages[pkg] = append(packages[pkg], p)
		}
		if _, ok := packages[pkg]; !ok {
			packages[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(packages) < 10 {
		t.Fatalf("found only %d packages: is the walk rooted at the module?", len(packages))
	}
	for pkg, imports := range packages {
		for _, problem := range Check(pkg, imports) {
			t.Error(problem)
		}
	}
}

func TestCheckCatchesOutwardImports(t *testing.T) {
	m := Module + "/"
	cases := []struct {
		pkg     string
		imports []string
		bad     bool
	}{
		{"domain", []string{"errors", "time"}, false},
		{"domain", []string{m + "ports"}, true},
		{"domain", []string{"github.com/google/uuid"}, true},
		{"ports", []string{m + "domain", "context"}, false},
		{"ports", []string{m + "application/catalog"}, true},
		{"application/catalog", []string{m + "domain", m + "ports", m + "application/caching"}, false},
		{"application/catalog", []string{m + "adapters/r1"}, true},
		{"application/caching", []string{"github.com/hashicorp/golang-lru/v2", "golang.org/x/sync/singleflight"}, false},
		{"application/caching", []string{"github.com/gofiber/fiber/v2"}, true},
		{"adapters/r1", []string{m + "domain", m + "ports", "modernc.org/sqlite"}, false},
		{"adapters/r1", []string{m + "application/catalog"}, true},
		{"adapters/r1", []string{m + "bootstrap"}, true},
		{"adapters/rest", []string{m + "application/catalog", m + "domain"}, false},
		{"adapters/rest", []string{m + "bootstrap"}, true},
		{"bootstrap", []string{m + "adapters/r1", m + "application/catalog"}, false},
		{"bootstrap", []string{m + "cmd/streamer"}, true},
		{"cmd/streamer", []string{m + "bootstrap"}, false},
		{"cmd/streamer", []string{m + "adapters/r1"}, true},
		{"tests/contract", []string{m + "adapters/r1", m + "bootstrap"}, false},
		{"lib", nil, true},
	}
	for _, c := range cases {
		problems := Check(m+c.pkg, c.imports)
		if (len(problems) > 0) != c.bad {
			t.Errorf("Check(%s, %v) = %v, want violation: %v", c.pkg, c.imports, problems, c.bad)
		}
	}
}
