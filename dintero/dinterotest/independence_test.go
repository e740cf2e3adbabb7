package dinterotest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWirePathIsIndependent keeps the server a witness: only accessors.go,
// which hands test code the client's types, may import package dintero;
// no file may import the client's internals (its money, transport or
// validation). The request and response path is written from the spec.
func TestWirePathIsIndependent(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case path == "github.com/dinterowoo/dinterowoo/dintero" && f == "accessors.go":
			case path == "github.com/dinterowoo/dinterowoo/internal/faultinject":
				// Fault timing, shared with wctest; no wire format in it.
			case strings.HasPrefix(path, "github.com/dinterowoo/"):
				t.Errorf("%s imports %s: the wire path must not reuse the client", f, path)
			}
		}
	}
	if checked < 8 {
		t.Fatalf("checked only %d files", checked)
	}
}
