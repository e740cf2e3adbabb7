package jsonscan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// manyKeys is an object of n distinct keys and, when repeat is not empty,
// that key once more at the end.
func manyKeys(n int, repeat string) []byte {
	var b strings.Builder
	b.WriteString(`{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	if repeat != "" {
		fmt.Fprintf(&b, `,%q:0`, repeat)
	}
	b.WriteString(`}`)
	return []byte(b.String())
}

// TestObjectFindsRepeatsPastTheScan: a repeated key is found (and sent to
// the slow path) whether it comes within the keys checked by scanning or
// after the set has taken over, folded as encoding/json folds it; an
// object of many distinct keys reads every one. A review found the scan
// alone quadratic: 160,000 keys took 45 s against 24 ms for encoding/json.
func TestObjectFindsRepeatsPastTheScan(t *testing.T) {
	for _, tc := range []struct {
		n      int
		repeat string
		want   error
	}{
		{n: scanKeys / 2, repeat: "k3", want: ErrSlowPath},
		{n: scanKeys, repeat: "K5", want: ErrSlowPath},
		{n: scanKeys + 1, repeat: "", want: nil},
		{n: 3 * scanKeys, repeat: "k7", want: ErrSlowPath},
		{n: 3 * scanKeys, repeat: fmt.Sprintf("k%d", 3*scanKeys-1), want: ErrSlowPath},
		{n: 200_000, repeat: "", want: nil},
		{n: 200_000, repeat: "k199999", want: ErrSlowPath},
	} {
		s := New(manyKeys(tc.n, tc.repeat))
		fields := 0
		err := s.Object(func([]byte) error { fields++; return s.Skip() })
		if err != tc.want {
			t.Errorf("%d keys, then %q: %v, want %v", tc.n, tc.repeat, err, tc.want)
		}
		if tc.want == nil && fields != tc.n {
			t.Errorf("%d keys: %d read", tc.n, fields)
		}
		if len(s.keys) != 0 {
			t.Errorf("%d keys: %d left on the key stack", tc.n, len(s.keys))
		}
	}
}

// TestDepthCountsFromTheTop: nesting is bounded over the whole document,
// as encoding/json bounds it; whatever the fast path accepts near the
// limit, encoding/json accepts too (a review found values nested 10,000
// deep inside an order accepted by the fast path alone).
func TestDepthCountsFromTheTop(t *testing.T) {
	for n := maxDepth - 3; n <= maxDepth+2; n++ {
		for _, body := range []string{
			`{"meta_data":[{"value":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}]}`,
			`{"metadata":` + strings.Repeat(`{"a":`, n) + `1` + strings.Repeat("}", n) + `}`,
		} {
			s := New([]byte(body))
			var m map[string]any
			fast := AnyMap(s, &m)
			skip := New([]byte(body)).Skip()
			jerr := json.Unmarshal([]byte(body), &m)
			if (fast == nil || skip == nil) && jerr != nil {
				t.Errorf("depth %d: the fast path took what encoding/json refuses (%v)", n, jerr)
			}
			if fast != nil && fast != ErrSlowPath || skip != nil && skip != ErrSlowPath {
				t.Errorf("depth %d: %v / %v, want nil or ErrSlowPath", n, fast, skip)
			}
		}
	}
}

// TestDecodeReplacesOnlyOnSuccess: on either path the value is decoded
// afresh; out is replaced when decoding succeeds and left as it was when
// it fails (encoding/json alone would merge, and leave half a value).
func TestDecodeReplacesOnlyOnSuccess(t *testing.T) {
	type pair struct {
		A string `json:"a"`
		B string `json:"b"`
	}
	slow := func(*Scanner, *pair) error { return ErrSlowPath }
	fast := func(s *Scanner, p *pair) error {
		return s.Object(func(key []byte) error {
			switch string(key) {
			case "a":
				return String(s, &p.A)
			case "b":
				return String(s, &p.B)
			}
			return s.Skip()
		})
	}
	for name, f := range map[string]func(*Scanner, *pair) error{"fast": fast, "slow": slow} {
		out := pair{A: "old", B: "old"}
		if err := Decode([]byte(`{"a":"new"}`), &out, f); err != nil || out != (pair{A: "new"}) {
			t.Errorf("%s: %+v %v, want only the new value", name, out, err)
		}
		out = pair{A: "old", B: "old"}
		if err := Decode([]byte(`{"a":"new","b":1}`), &out, f); err == nil || out != (pair{A: "old", B: "old"}) {
			t.Errorf("%s: %+v %v, want an error and out untouched", name, out, err)
		}
	}
}
