package woocommerce

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// The fixtures are the example payloads of WooCommerce's REST API
// documentation, copied from shared/fixtures/woocommerce.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func assertDec(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestEveryFixtureDecodes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fixtures", "*.json"))
	if len(files) != 20 {
		t.Fatalf("found %d fixtures, want 20", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		name := filepath.Base(f)
		var err error
		switch {
		case strings.HasPrefix(name, "orders--batch"):
			var v OrderBatchResult
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "orders--list"):
			var v []Order
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "orders--"):
			var v Order
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "order-notes--list"):
			var v []Note
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "order-notes--"):
			var v Note
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "order-refunds--list"):
			var v []Refund
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "order-refunds--"):
			var v Refund
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "webhooks--batch"):
			var v struct{ Create, Delete []Webhook }
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "webhooks--list"):
			var v []Webhook
			err = json.Unmarshal(b, &v)
		case strings.HasPrefix(name, "webhooks--"):
			var v Webhook
			err = json.Unmarshal(b, &v)
		default:
			t.Errorf("no decoder for %s", name)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRetrieveOrderFixtureExactValues(t *testing.T) {
	var o Order
	if err := json.Unmarshal(fixture(t, "orders--retrieve-an-order--1.json"), &o); err != nil {
		t.Fatal(err)
	}
	if o.ID != 727 || o.Number != "727" || o.Status != StatusProcessing || o.Currency != "USD" || o.PricesIncludeTax {
		t.Errorf("order header: %+v", o)
	}
	for what, c := range map[string]struct {
		got  decimal.Decimal
		want string
	}{
		"total": {o.Total, "29.35"}, "total_tax": {o.TotalTax, "1.35"}, "cart_tax": {o.CartTax, "1.35"},
		"shipping_total": {o.ShippingTotal, "10.00"}, "discount_total": {o.DiscountTotal, "0"},
		"line 315 total": {o.LineItems[0].Total, "6.00"}, "line 315 tax": {o.LineItems[0].TotalTax, "0.45"},
		"line 315 qty": {o.LineItems[0].Quantity, "2"}, "line 315 price": {o.LineItems[0].Price, "3"},
		"line 316 raw tax": {o.LineItems[1].Taxes[0].Total, "0.9"}, "shipping 317": {o.ShippingLines[0].Total, "10.00"},
		"tax line total": {o.TaxLines[0].TaxTotal, "1.35"},
	} {
		assertDec(t, what, c.got, c.want)
	}
	if o.LineItems[1].Taxes[0].ID != 75 || o.TaxLines[0].RateID != 75 || o.TaxLines[0].ID != 318 {
		t.Errorf("tax ids: %+v %+v", o.LineItems[1].Taxes, o.TaxLines[0])
	}
	if !o.DateCreated.Equal(time.Date(2017, 3, 22, 19, 28, 2, 0, time.UTC)) || !o.DateCompleted.IsZero() {
		t.Errorf("dates: created %v completed %v", o.DateCreated, o.DateCompleted)
	}
	if m, ok := o.Meta("_download_permissions_granted"); !ok || m.StringValue() != "yes" || m.ID != 13106 {
		t.Errorf("meta: %+v", m)
	}
	if o.LineItems[1].MetaData[0].Key != "pa_color" || o.LineItems[1].MetaData[0].StringValue() != "black" {
		t.Errorf("line meta: %+v", o.LineItems[1].MetaData)
	}
	assertDec(t, "remaining refundable", o.RemainingRefundable(), "29.35")
}

func TestRefundAndNoteFixtures(t *testing.T) {
	var r Refund
	if err := json.Unmarshal(fixture(t, "order-refunds--retrieve-a-refund--1.json"), &r); err != nil {
		t.Fatal(err)
	}
	assertDec(t, "refund amount", r.Amount, "10.00")
	if r.ID != 726 || r.RefundedBy != 1 || r.RefundedPayment {
		t.Errorf("refund: %+v", r)
	}
	var notes []Note
	json.Unmarshal(fixture(t, "order-notes--list-all-order-notes--2.json"), &notes)
	if len(notes) != 3 || notes[1].Note != "Order status changed from On hold to Completed." || notes[1].Author != "system" {
		t.Errorf("notes: %+v", notes)
	}
}

func TestQuirkyShapes(t *testing.T) {
	// Shapes WooCommerce sends that its schema does not admit.
	const body = `{"id":1,"status":"some-plugin-status","total":29.35,"discount_total":"0",
	  "date_paid_gmt":null,"date_created_gmt":"2026-11-29T10:00:00",
	  "line_items":[{"id":5,"quantity":3,"total":"42.93","total_tax":"10.73","subtotal":"42.93","subtotal_tax":"10.73",
	    "price":14.309999999999999,"sku":null,"parent_name":null,
	    "taxes":[{"id":"7","total":"10.7325","subtotal":"10.7325"}],
	    "meta_data":[{"id":1,"key":"n","value":5},{"id":2,"key":"o","value":{"a":[1]}},{"id":3,"key":"b","value":true}]}],
	  "shipping_lines":[{"id":9,"total":"39.00","total_tax":"9.75","taxes":[{"id":7,"total":"9.75","subtotal":""}]}],
	  "tax_lines":[{"id":11,"rate_id":7,"rate_percent":25}]}`
	var o Order
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	if o.Status != "some-plugin-status" {
		t.Errorf("unknown status not kept: %q", o.Status)
	}
	assertDec(t, "numeric total", o.Total, "29.35")
	assertDec(t, "float price kept exactly as sent", o.LineItems[0].Price, "14.309999999999999")
	assertDec(t, "raw tax", o.LineItems[0].Taxes[0].Total, "10.7325")
	if o.LineItems[0].Taxes[0].ID != 7 {
		t.Errorf("string tax id: %d", o.LineItems[0].Taxes[0].ID)
	}
	if !o.ShippingLines[0].Taxes[0].Subtotal.IsZero() {
		t.Error(`"" subtotal should be zero`)
	}
	if !o.DatePaid.IsZero() {
		t.Error("null date should be zero")
	}
	if got := o.LineItems[0].MetaData[1].StringValue(); got != `{"a":[1]}` {
		t.Errorf("object meta value = %s", got)
	}
	assertDec(t, "rate percent", o.TaxLines[0].RatePercent, "25")
}

func TestOrderUpdateEncodesOnlyWhatIsSet(t *testing.T) {
	tx := "T12345678.abc"
	b, _ := json.Marshal(&OrderUpdate{Status: StatusCompleted, TransactionID: &tx,
		MetaData: []Meta{MetaString("_dintero_captured", "yes"), MetaDelete("_old")}})
	want := `{"status":"completed","transaction_id":"T12345678.abc","meta_data":[{"key":"_dintero_captured","value":"yes"},{"key":"_old","value":null}]}`
	if string(b) != want {
		t.Errorf("update body =\n%s\nwant\n%s", b, want)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	var tm Time
	for _, in := range []string{`"2026-11-29T10:00:00"`, `"2026-11-29T11:00:00+01:00"`, `"2026-11-29T10:00:00Z"`} {
		if err := json.Unmarshal([]byte(in), &tm); err != nil || !tm.Equal(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("%s -> %v %v", in, tm, err)
		}
	}
	b, _ := json.Marshal(tm)
	if string(b) != `"2026-11-29T10:00:00"` {
		t.Errorf("marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`"yesterday"`), &tm); err == nil {
		t.Error("bad date accepted")
	}
}
