// Package jsonscantest holds the checks that keep a fast decoder built on
// jsonscan honest, for the decoders' tests: it must agree with
// encoding/json, and read every field of the types it decodes.
package jsonscantest

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
)

// AgreesWithEncodingJSON checks fast against encoding/json (with the
// types' own UnmarshalJSON) on b: whatever the fast path accepts,
// encoding/json accepts too, with a deeply equal result; whatever it does
// not, it gives up with jsonscan.ErrSlowPath; and jsonscan.Decode gives
// encoding/json's result either way.
func AgreesWithEncodingJSON[T any](t testing.TB, b []byte, fast func(*jsonscan.Scanner, *T) error) {
	t.Helper()
	var want T
	werr := json.Unmarshal(b, &want)
	s := jsonscan.New(b)
	var got T
	ferr := fast(s, &got)
	if ferr == nil {
		ferr = s.End()
	}
	if ferr != nil {
		if !errors.Is(ferr, jsonscan.ErrSlowPath) {
			t.Fatalf("the fast decoder failed with %v, not jsonscan.ErrSlowPath", ferr)
		}
		return
	}
	if werr != nil {
		t.Fatalf("the fast decoder accepted what encoding/json refuses (%v): %q", werr, b)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the decoders differ on %q:\nfast:          %+v\nencoding/json: %+v", b, got, want)
	}
	var body T
	if err := jsonscan.Decode(b, &body, fast); err != nil || !reflect.DeepEqual(body, want) {
		t.Fatalf("jsonscan.Decode: %+v, %v", body, err)
	}
}

// Decoder names a type and the function in a source file that decodes it.
type Decoder struct {
	Type any
	Func string
}

// KnowsEveryField checks that each decoder function in the source file has
// a case for every JSON field of its type: a field added to the type and
// not to its decoder would be silently empty on the fast path.
func KnowsEveryField(t testing.TB, file string, decoders ...Decoder) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range decoders {
		body := regexp.MustCompile(`(?s)func ` + d.Func + `\(.*?\n}\n`).Find(src)
		if body == nil {
			t.Fatalf("no %s in %s", d.Func, file)
		}
		rt := reflect.TypeOf(d.Type)
		for i := range rt.NumField() {
			tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if tag == "-" {
				continue
			}
			if !strings.Contains(string(body), `case "`+tag+`":`) {
				t.Errorf("%s does not read %s.%s (%q)", d.Func, rt.Name(), rt.Field(i).Name, tag)
			}
		}
	}
}
