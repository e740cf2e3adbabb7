package woocommerce

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
	"github.com/dinterowoo/dinterowoo/internal/jsonscan/jsonscantest"
)

func checkAllShapes(t *testing.T, b []byte) {
	jsonscantest.AgreesWithEncodingJSON(t, b, decOrder)
	jsonscantest.AgreesWithEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Order) error { return jsonscan.PtrSlice(s, v, decOrder) })
	jsonscantest.AgreesWithEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Refund) error { return jsonscan.PtrSlice(s, v, decRefund) })
	jsonscantest.AgreesWithEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Note) error { return jsonscan.PtrSlice(s, v, decNote) })
	jsonscantest.AgreesWithEncodingJSON(t, b, decRefund)
	jsonscantest.AgreesWithEncodingJSON(t, b, decNote)
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
	jsonscantest.KnowsEveryField(t, "decode.go",
		jsonscantest.Decoder{Type: Order{}, Func: "decOrder"}, jsonscantest.Decoder{Type: LineItem{}, Func: "decLineItem"},
		jsonscantest.Decoder{Type: ShippingLine{}, Func: "decShippingLine"}, jsonscantest.Decoder{Type: FeeLine{}, Func: "decFeeLine"},
		jsonscantest.Decoder{Type: TaxLine{}, Func: "decTaxLine"}, jsonscantest.Decoder{Type: CouponLine{}, Func: "decCouponLine"},
		jsonscantest.Decoder{Type: OrderRefund{}, Func: "decOrderRefund"}, jsonscantest.Decoder{Type: Meta{}, Func: "decMeta"},
		jsonscantest.Decoder{Type: Address{}, Func: "decAddress"}, jsonscantest.Decoder{Type: Refund{}, Func: "decRefund"},
		jsonscantest.Decoder{Type: Note{}, Func: "decNote"}, jsonscantest.Decoder{Type: Image{}, Func: "decImage"},
		jsonscantest.Decoder{Type: Tax{}, Func: "decTax"})
}
