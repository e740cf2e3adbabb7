package ordermgmt

import (
	"strconv"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// order20 is a 20-line NOK order with three tax rates and shipping.
func order20() *woocommerce.Order {
	rates := []decimal.Decimal{dec("25"), dec("15"), dec("12")}
	o := &woocommerce.Order{ID: 1, Currency: "NOK", Total: decimal.Zero}
	for i, r := range rates {
		o.TaxLines = append(o.TaxLines, woocommerce.TaxLine{RateID: woocommerce.ID(i + 1), RatePercent: r})
	}
	for i := range 20 {
		net := decimal.New(int64(1999+i*137), -2).Mul(decimal.NewFromInt(int64(1 + i%3)))
		tax := net.Mul(rates[i%3]).Div(decimal.NewFromInt(100)).Round(2)
		o.LineItems = append(o.LineItems, woocommerce.LineItem{ID: int64(100 + i), Name: "item " + strconv.Itoa(i),
			Quantity: decimal.NewFromInt(int64(1 + i%3)), Total: net, TotalTax: tax,
			Taxes: []woocommerce.Tax{{ID: woocommerce.ID(i%3 + 1), Total: tax}}})
		o.Total = o.Total.Add(net).Add(tax)
	}
	o.ShippingLines = []woocommerce.ShippingLine{{ID: 200, MethodID: "flat_rate", InstanceID: "1", Total: dec("79.20"), TotalTax: dec("19.80"),
		Taxes: []woocommerce.Tax{{ID: 1, Total: dec("19.80")}}}}
	o.Total = o.Total.Add(dec("99.00"))
	return o
}

// BenchmarkCaptureItems20Lines: reading a 20-line order and building its
// capture lines.
func BenchmarkCaptureItems20Lines(b *testing.B) {
	o := order20()
	tx := &dintero.Transaction{Status: dintero.StatusAuthorized}
	b.ReportAllocs()
	for b.Loop() {
		ls, err := NewLines(o, nil)
		if err != nil {
			b.Fatal(err)
		}
		amount, _ := ls.Currency.ToMinor(o.Total)
		if items := captureItems(ls, tx, amount); len(items) != 21 {
			b.Fatalf("%d items", len(items))
		}
	}
}

// BenchmarkRefundPlan20Lines: validating and allocating a refund of units,
// a partial sum with tax and shipping on a 20-line order.
func BenchmarkRefundPlan20Lines(b *testing.B) {
	o := order20()
	total, tax := dec("10.00"), dec("2.50")
	req := RefundRequest{Items: []RefundItem{{ItemID: 102, Quantity: 1}, {ItemID: 105, Total: &total, Tax: &tax}, {ItemID: 200, Quantity: 1}}}
	b.ReportAllocs()
	for b.Loop() {
		ls, err := NewLines(o, nil)
		if err != nil {
			b.Fatal(err)
		}
		p, err := planRefund(ls, req, 1<<40, 1<<40)
		if err != nil {
			b.Fatal(err)
		}
		if wr := p.wooRefund(ls, "r", "m"); len(wr.LineItems) != 3 {
			b.Fatal("lines")
		}
	}
}
