package woocommerce

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
)

// sameAsEncodingJSON checks the fast decoder against encoding/json (with
// the types' own UnmarshalJSON) on b: whatever the fast path accepts,
// encoding/json accepts too, with a deeply equal result; whatever it does
// not, it gives up with jsonscan.ErrSlowPath (and jsonscan.Decode asks encoding/json).
func sameAsEncodingJSON[T any](t *testing.T, b []byte, fast func(*jsonscan.Scanner, *T) error) {
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
	// jsonscan.Decode gives the same, fast or slow.
	var body T
	if err := jsonscan.Decode(b, &body, fast); err != nil || !reflect.DeepEqual(body, want) {
		t.Fatalf("decodeBody: %+v, %v", body, err)
	}
}

func checkAllShapes(t *testing.T, b []byte) {
	sameAsEncodingJSON(t, b, decOrder)
	sameAsEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Order) error { return jsonscan.PtrSlice(s, v, decOrder) })
	sameAsEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Refund) error { return jsonscan.PtrSlice(s, v, decRefund) })
	sameAsEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Note) error { return jsonscan.PtrSlice(s, v, decNote) })
	sameAsEncodingJSON(t, b, decRefund)
	sameAsEncodingJSON(t, b, decNote)
}

// decoderSeeds are the payloads the fast decoder must agree on: the
// documentation's fixtures (ours and the shared ones), a page the
// in-process store writes (escaped non-ASCII, a surrogate pair), and
// every lenient form an order may take.
func decoderSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, pattern := range []string{
		filepath.Join("testdata", "fixtures", "*.json"),
		filepath.Join("testdata", "*.json"),
		filepath.Join("..", "..", "shared", "fixtures", "woocommerce", "*.json"),
	} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	for _, s := range []string{
		// bare numbers where strings are usual, a float price, a string rate_id
		`{"id":1,"total":29.35,"line_items":[{"id":3,"quantity":2,"price":14.675,"subtotal":"29.35","taxes":[{"id":7,"total":"5.87","subtotal":""}]}],"tax_lines":[{"rate_id":"7","rate_percent":25}]}`,
		// "" and null amounts in taxes, null dates, null slices and fields
		`{"date_paid_gmt":null,"date_completed_gmt":"","shipping_lines":[{"taxes":[{"id":1,"total":"19.8","subtotal":""}]}],"meta_data":null,"billing":null,"number":null}`,
		// meta values of every JSON kind, display values
		`{"meta_data":[{"id":1,"key":"a","value":"x"},{"key":"b","value":12},{"key":"c","value":{"k":[1,"2",null,true]}},{"key":"d","value":null,"display_key":"D","display_value":"<b>d</b>"}]}`,
		// escapes, a surrogate pair, upper-case keys
		`{"Customer_Note":"line\nnext \"q\" \/ \u00d8 \ud83c\udf32","STATUS":"completed"}`,
		// offsets in dates, an image with a string id, empty arrays
		`{"date_created_gmt":"2017-03-22T19:28:02+05:00","line_items":[{"image":{"id":"","src":"x"}},{"image":null}],"refunds":[],"coupon_lines":[]}`,
		// what the fast path leaves to encoding/json
		`{"id":1,"id":2}`, `{"total":"1e2"}`, `{"total":"12345678901234567890.5"}`, `{"note":"\ud800"}`, `{"K":1}`,
		`[null,{"id":1},null]`, `null`, `[]`, `{"total":-0.00}`, `{"quantity":"007.10"}`, ` {"id": 5} `,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func TestFastDecoderAgreesOnSeeds(t *testing.T) {
	seeds := decoderSeeds(t)
	if len(seeds) < 25 {
		t.Fatalf("only %d seeds: the fixtures are missing", len(seeds))
	}
	for _, b := range seeds {
		checkAllShapes(t, b)
	}
	// The fixtures take the fast path (the point of it).
	page, _ := os.ReadFile(filepath.Join("testdata", "wctest-orders-page.json"))
	s := jsonscan.New(page)
	var orders []*Order
	if err := jsonscan.PtrSlice(s, &orders, decOrder); err != nil || s.End() != nil || len(orders) != 2 {
		t.Fatalf("the store's page left the fast path: %v", err)
	}
}

// FuzzFastDecoder: on any input, the fast decoder either gives up or gives
// exactly what encoding/json gives.
func FuzzFastDecoder(f *testing.F) {
	for _, b := range decoderSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAllShapes(t, b)
	})
}

// TestFastDecoderKnowsEveryField: a field added to one of these types
// must be read by the fast decoder too, or it would be silently empty on
// the fast path.
func TestFastDecoderKnowsEveryField(t *testing.T) {
	src, err := os.ReadFile("decode.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		typ any
		fn  string
	}{{Order{}, "decOrder"}, {LineItem{}, "decLineItem"}, {ShippingLine{}, "decShippingLine"}, {FeeLine{}, "decFeeLine"},
		{TaxLine{}, "decTaxLine"}, {CouponLine{}, "decCouponLine"}, {OrderRefund{}, "decOrderRefund"}, {Meta{}, "decMeta"},
		{Address{}, "decAddress"}, {Refund{}, "decRefund"}, {Note{}, "decNote"}, {Image{}, "decImage"}, {Tax{}, "decTax"}} {
		body := regexp.MustCompile(`(?s)func ` + v.fn + `\(.*?\n}\n`).Find(src)
		if body == nil {
			t.Fatalf("no %s in decode.go", v.fn)
		}
		rt := reflect.TypeOf(v.typ)
		for i := range rt.NumField() {
			tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if tag == "-" {
				continue
			}
			if !strings.Contains(string(body), `case "`+tag+`":`) {
				t.Errorf("%s does not read %s.%s (%q)", v.fn, rt.Name(), rt.Field(i).Name, tag)
			}
		}
	}
}
