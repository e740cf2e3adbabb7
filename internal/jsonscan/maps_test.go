package jsonscan

import (
	"encoding/json"
	"reflect"
	"testing"
)

// mapSeeds are the shapes Dintero's metadata and request headers take,
// and the edges where encoding/json's rules show: repeated keys, escaped
// keys, numbers float64 cannot hold, nesting, nulls.
var mapSeeds = []string{
	`{"session:profile_id":"p","ext_n":12.5,"ext_b":true,"ext_null":null}`,
	`{"user-agent":"dinterowoo/0.1.0 (+https://github.com/dinterowoo/dinterowoo)","dintero-system-name":"woo"}`,
	`{"a":{"b":[1,"2",{"c":null}],"d":[]},"e":-0,"f":1e308,"g":1e309}`,
	`{"k":"first","k":"second","K":"third"}`,
	`{"\u00e6\u00f8\u00e5":"\ud83c\udf32","tab\t":"x"}`,
	`{"bad":"\ud800"}`,
	`{}`, `null`, `[]`, `"s"`, `12`, `{"a":1,}`, `{"a" 1}`, `{"a":[1,2]}`,
}

// FuzzMaps holds StringMap, AnyMap and Any to encoding/json's results:
// whatever the fast path decodes, it decodes the same; anything else it
// leaves to the slow path, which is encoding/json itself.
func FuzzMaps(f *testing.F) {
	for _, s := range mapSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(name string, fast func(s *Scanner) (any, error), want func() (any, error)) {
			s := New(body)
			got, err := fast(s)
			if err == nil {
				err = s.End()
			}
			if err != nil {
				if err != ErrSlowPath {
					t.Fatalf("%s: %q: error %v, want ErrSlowPath", name, body, err)
				}
				return
			}
			exp, jerr := want()
			if jerr != nil {
				t.Fatalf("%s: %q: fast path took what encoding/json refuses: %v", name, body, jerr)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Fatalf("%s: %q:\n fast %#v\n json %#v", name, body, got, exp)
			}
		}
		check("StringMap", func(s *Scanner) (any, error) {
			var m map[string]string
			err := StringMap(s, &m)
			return m, err
		}, func() (any, error) {
			var m map[string]string
			err := json.Unmarshal(body, &m)
			return m, err
		})
		check("AnyMap", func(s *Scanner) (any, error) {
			var m map[string]any
			err := AnyMap(s, &m)
			return m, err
		}, func() (any, error) {
			var m map[string]any
			err := json.Unmarshal(body, &m)
			return m, err
		})
		check("Any", func(s *Scanner) (any, error) { return Any(s) }, func() (any, error) {
			var v any
			err := json.Unmarshal(body, &v)
			return v, err
		})
	})
}

// TestMapsKeepEncodingJSONsRules: the rules the fuzz test could only find
// by chance, stated.
func TestMapsKeepEncodingJSONsRules(t *testing.T) {
	var m map[string]any
	if err := AnyMap(New([]byte(`{"k":1,"k":{"x":[true,null]},"K":"s"}`)), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"k": map[string]any{"x": []any{true, nil}}, "K": "s"}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("repeated key: got %#v, want %#v (the last wins, keys are exact)", m, want)
	}
	existing := map[string]string{"kept": "yes"}
	if err := StringMap(New([]byte(`{"new":"v"}`)), &existing); err != nil || existing["kept"] != "yes" || existing["new"] != "v" {
		t.Errorf("an existing map is added to: %v %v", existing, err)
	}
	if err := StringMap(New([]byte(`null`)), &existing); err != nil || existing != nil {
		t.Errorf("null makes the map nil: %v %v", existing, err)
	}
	for _, in := range []string{`{"a":1e309}`, `{"a":"\ud800"}`, `{"a":1}`} {
		var m map[string]string
		var a map[string]any
		if StringMap(New([]byte(in)), &m) != ErrSlowPath && AnyMap(New([]byte(in)), &a) != ErrSlowPath {
			t.Errorf("%s: want the slow path", in)
		}
	}
	if _, err := Any(New([]byte(`1e309`))); err != ErrSlowPath {
		t.Errorf("out of float64's range: %v, want the slow path", err)
	}
}
