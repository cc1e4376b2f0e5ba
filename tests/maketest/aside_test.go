package maketest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/tests/modulesrc"
)

func TestEveryTestSteppingAsideUnderRaceRunsWithoutIt(t *testing.T) {
	root := filepath.Join("..", "..")
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	names, dirs := asideRun(t, string(makefile)), asideDirs(t, string(makefile))
	aside := stepAside(t, root)
	if len(aside) < 5 {
		t.Fatalf("found only %d tests that step aside under the race detector: is the walk rooted at the module?", len(aside))
	}
	for name, in := range aside {
		if !slices.Contains(names, name) {
			t.Errorf("%s (%s) steps aside under the race detector but is not in the Makefile's ASIDE_RUN: make test never runs it", name, strings.Join(in, ", "))
		}
		for _, dir := range in {
			if !slices.Contains(dirs, dir) {
				t.Errorf("%s steps aside under the race detector but its package, %s, is not in the Makefile's ASIDE: make test never runs it", name, dir)
			}
		}
	}
	for _, name := range names {
		if _, ok := aside[name]; !ok {
			t.Errorf("the Makefile's ASIDE_RUN names %s, which steps aside under the race detector nowhere: it runs twice, or is gone", name)
		}
	}
}

// asideRun is the test names of the Makefile's ASIDE_RUN := ^(A|B|...)$$.
func asideRun(t *testing.T, makefile string) []string {
	m := regexp.MustCompile(`(?m)^ASIDE_RUN\s*:=\s*\^\(([^)]*)\)\$\$\s*$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile has no ASIDE_RUN := ^(TestA|TestB)$$ line")
	}
	return strings.Split(m[1], "|")
}

// asideDirs is the package directories of the Makefile's ASIDE := ./a/ ./b/, as a/ and b/.
func asideDirs(t *testing.T, makefile string) []string {
	m := regexp.MustCompile(`(?m)^ASIDE\s*:=(.*)$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile has no ASIDE := line")
	}
	var dirs []string
	for _, d := range strings.Fields(m[1]) {
		dirs = append(dirs, strings.TrimSuffix(strings.TrimPrefix(d, "./"), "/"))
	}
	return dirs
}

// stepAside finds every test function of the module whose body reads raceEnabled, by name, with
// the directories of the packages that have one of that name (ASIDE_RUN runs it in every package
// of ASIDE).
func stepAside(t *testing.T, root string) map[string][]string {
	found := map[string][]string{}
	err := modulesrc.Walk(root, func(path, dir string) error {
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Name.Name == "TestMain" {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && id.Name == "raceEnabled" {
					found[fn.Name.Name] = append(found[fn.Name.Name], dir)
					return false
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
