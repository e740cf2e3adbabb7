package dinterowoo

import (
	"go/importer"
	"go/token"
	"go/types"
	"os/exec"
	"strings"
	"testing"
)

// TestExportedAPIExposesNoInternalType type-checks every public package
// and walks what it exports (functions, variables, constants, types, their
// fields, methods and signatures): a type from an internal package there
// is one outside code can receive but never name or use.
func TestExportedAPIExposesNoInternalType(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{if ne .Name \"main\"}}{{.ImportPath}}{{end}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	checked := 0
	for _, path := range strings.Fields(string(out)) {
		if strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal") {
			continue
		}
		pkg, err := imp.Import(path)
		if err != nil {
			t.Fatalf("type-checking %s: %v", path, err)
		}
		checked++
		w := apiWalker{seen: map[types.Type]bool{}}
		for _, name := range pkg.Scope().Names() {
			obj := pkg.Scope().Lookup(name)
			if !obj.Exported() {
				continue
			}
			w.where = path + "." + name
			w.typ(obj.Type())
		}
		for _, leak := range w.leaks {
			t.Errorf("%s", leak)
		}
	}
	if checked < 6 {
		t.Fatalf("checked only %d packages", checked)
	}
}

// apiWalker visits the types reachable from an exported identifier
// through exported fields and methods.
type apiWalker struct {
	where string
	seen  map[types.Type]bool
	leaks []string
}

func (w *apiWalker) typ(t types.Type) {
	if t == nil || w.seen[t] {
		return
	}
	w.seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if pkg := t.Obj().Pkg(); pkg != nil && strings.Contains(pkg.Path()+"/", "/internal/") {
			w.leaks = append(w.leaks, w.where+" exposes "+pkg.Path()+"."+t.Obj().Name())
			return
		}
		// The method set of *T holds the promoted methods too, those of an
		// unexported embedded field included.
		ms := types.NewMethodSet(types.NewPointer(t))
		for i := range ms.Len() {
			if m := ms.At(i).Obj(); m.Exported() {
				w.typ(m.Type())
			}
		}
		for i := range t.TypeArgs().Len() {
			w.typ(t.TypeArgs().At(i))
		}
		w.typeParams(t.TypeParams())
		w.typ(t.Underlying())
	case *types.Alias:
		w.typ(types.Unalias(t))
	case *types.Struct:
		for i := range t.NumFields() {
			if f := t.Field(i); f.Exported() {
				w.typ(f.Type())
			}
		}
	case *types.Pointer:
		w.typ(t.Elem())
	case *types.Slice:
		w.typ(t.Elem())
	case *types.Array:
		w.typ(t.Elem())
	case *types.Map:
		w.typ(t.Key())
		w.typ(t.Elem())
	case *types.Chan:
		w.typ(t.Elem())
	case *types.Signature:
		w.typeParams(t.TypeParams())
		w.typ(t.Params())
		w.typ(t.Results())
	case *types.Tuple:
		for i := range t.Len() {
			w.typ(t.At(i).Type())
		}
	case *types.Interface:
		for i := range t.NumMethods() {
			if m := t.Method(i); m.Exported() {
				w.typ(m.Type())
			}
		}
		for i := range t.NumEmbeddeds() {
			w.typ(t.EmbeddedType(i))
		}
	case *types.Union:
		for i := range t.Len() {
			w.typ(t.Term(i).Type())
		}
	}
}

// typeParams walks the constraints of type parameters.
func (w *apiWalker) typeParams(tps *types.TypeParamList) {
	for i := range tps.Len() {
		w.typ(tps.At(i).Constraint())
	}
}
