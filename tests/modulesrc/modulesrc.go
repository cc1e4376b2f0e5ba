// Package modulesrc walks the module's own Go files, for the tests that read its source
// (tests/architecture's imports, tests/maketest's tests that step aside under the race detector).
package modulesrc

import (
	"os"
	"path/filepath"
	"strings"
)

// Walk calls fn with the path of every .go file under root, the module's root, and its folder
// relative to root (slash-separated), in lexical order. It passes over hidden folders and those
// that hold no package of the module's: node_modules, testdata, data and bin.
func Walk(root string, fn func(path, dir string) error) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "data" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		return fn(path, filepath.ToSlash(rel))
	})
}
