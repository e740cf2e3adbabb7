package dinterowoo_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// benchOnly are imports only the peer baseline (internal/peerbench) may
// have: json-iterator, and the baseline itself. A module's users get
// checksums for the test dependencies of every package they import, so
// one of these imported by any other package, even by its tests, lands in
// every user's go.sum.
var benchOnly = []string{"github.com/json-iterator/", "github.com/modern-go/", "github.com/dinterowoo/dinterowoo/internal/peerbench"}

// TestBenchmarkDependenciesStayInPeerbench: no package but
// internal/peerbench imports json-iterator or the baseline, in code or in
// tests.
func TestBenchmarkDependenciesStayInPeerbench(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (path == filepath.Join("internal", "peerbench") || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, mod := range benchOnly {
				if strings.HasPrefix(p, mod) {
					t.Errorf("%s imports %s: only internal/peerbench may (it would reach every user's go.sum)", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
