package ordermgmt

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

func sumItems(items []dintero.Item) int64 {
	n := int64(0)
	for _, it := range items {
		n += it.Amount
	}
	return n
}

func hasRounding(items []dintero.Item) bool {
	for _, it := range items {
		if it.LineID == dintero.RoundingLineID {
			return true
		}
	}
	return false
}

func TestLinesFromDocsFixture(t *testing.T) {
	b, err := os.ReadFile("../woocommerce/testdata/fixtures/orders--retrieve-an-order--1.json")
	if err != nil {
		t.Fatal(err)
	}
	var o woocommerce.Order
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	ls, err := NewLines(&o, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 6.00 + 0.45, 12.00 + 0.90, shipping 10.00: 29.35 USD.
	want := []struct {
		gross, tax int64
		vat        string
	}{{645, 45, "7.5"}, {1290, 90, "7.5"}, {1000, 0, "0"}}
	if len(ls.Lines) != 3 {
		t.Fatalf("lines %d", len(ls.Lines))
	}
	for i, w := range want {
		l := ls.Lines[i]
		if l.Gross != w.gross || l.Tax != w.tax || l.VAT.String() != w.vat {
			t.Errorf("line %d: gross %d tax %d vat %s, want %+v", i, l.Gross, l.Tax, l.VAT, w)
		}
	}
	items := ls.CaptureItems(2935, nil)
	if sumItems(items) != 2935 || hasRounding(items) || items[2].LineID != "flat_rate:" || items[2].Type != "shipping" {
		t.Errorf("capture items %+v", items)
	}
}

// order builds an order from (net, tax, rate) lines in a currency.
func order(cur string, total string, lines ...[3]string) *woocommerce.Order {
	o := &woocommerce.Order{ID: 1, Currency: cur, Total: dec(total)}
	for i, l := range lines {
		rate := dec(l[2])
		o.LineItems = append(o.LineItems, woocommerce.LineItem{ID: int64(10 + i), Name: "x", Quantity: dec("1"),
			Total: dec(l[0]), TotalTax: dec(l[1]), Taxes: []woocommerce.Tax{{ID: woocommerce.ID(100 + i), Total: dec(l[1])}}})
		o.TaxLines = append(o.TaxLines, woocommerce.TaxLine{RateID: woocommerce.ID(100 + i), RatePercent: rate})
	}
	return o
}

func TestLinesRealLookingOrders(t *testing.T) {
	tests := []struct {
		name     string
		o        *woocommerce.Order
		amount   int64
		rounding bool
	}{
		{"four rates", order("NOK", "262.35",
			[3]string{"80.00", "20.00", "25"}, [3]string{"86.96", "13.04", "15"}, [3]string{"44.64", "5.36", "12"}, [3]string{"12.35", "0", "0"}),
			26235, false},
		{"prices incl. tax: shown net+tax off by a cent", order("NOK", "99.90",
			[3]string{"86.87", "13.03", "15"}), 9990, false},
		{"total rounded apart from lines", order("SEK", "30.01",
			[3]string{"8.00", "2.00", "25"}, [3]string{"8.00", "2.00", "25"}, [3]string{"8.01", "2.00", "25"}), 3001, false},
		{"three-decimal currency", order("KWD", "1.235", [3]string{"1.000", "0.235", "23.5"}), 1235, false},
		{"zero-decimal currency", order("JPY", "1100", [3]string{"1000", "100", "10"}), 1100, false},
		{"lines over the total by rounding", order("NOK", "100.01",
			[3]string{"40.004", "10.001", "25"}, [3]string{"40.004", "10.001", "25"}), 10001, true},
	}
	for _, tt := range tests {
		ls, err := NewLines(tt.o, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		items := ls.CaptureItems(tt.amount, nil)
		if sumItems(items) != tt.amount || hasRounding(items) != tt.rounding {
			t.Errorf("%s: items %+v sum %d, rounding %v", tt.name, items, sumItems(items), hasRounding(items))
		}
		for _, it := range items {
			if it.LineID != dintero.RoundingLineID && (it.Amount < 0 || it.VATAmount < 0 || it.VATAmount > it.Amount) {
				t.Errorf("%s: bad item %+v", tt.name, it)
			}
		}
	}
	ls, _ := NewLines(order("NOK", "262.35", [3]string{"44.64", "5.36", "12"}), nil)
	if ls.Lines[0].VAT.String() != "12" || ls.Lines[0].Gross != 5000 {
		t.Errorf("12 %% line: %+v", ls.Lines[0])
	}
	if _, err := NewLines(order("XYZ", "1"), nil); err == nil {
		t.Error("unknown currency accepted")
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		total   int64
		weights []string
		want    []int64
	}{
		{100, []string{"1", "1", "1"}, []int64{34, 33, 33}},
		{10, []string{"0.5", "0.25", "0.25"}, []int64{5, 3, 2}},
		{7, []string{"0", "0"}, []int64{7, 0}},
		{0, []string{"3", "1"}, []int64{0, 0}},
		{1, []string{"10.7325", "0.0001"}, []int64{1, 0}},
	}
	for _, tt := range tests {
		w := make([]decimal.Decimal, len(tt.weights))
		for i, s := range tt.weights {
			w[i] = dec(s)
		}
		got := allocate(tt.total, w)
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("allocate(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
				break
			}
		}
	}
}

// randomOrder is an order with 1..6 product lines, random rates, a fee and
// shipping, in a 2-decimal currency, whose total is the displayed line sum
// give or take a few øre, as WooCommerce's rounding makes it.
func randomOrder(r *rand.Rand) *woocommerce.Order {
	rates := []string{"25", "15", "12", "0"}
	o := &woocommerce.Order{ID: 1, Currency: "NOK"}
	total := decimal.Zero
	for i := range 1 + r.IntN(6) {
		rate := dec(rates[r.IntN(len(rates))])
		qty := int64(1 + r.IntN(5))
		net := decimal.New(int64(100+r.IntN(200000)), -2).Mul(decimal.NewFromInt(qty))
		tax := net.Mul(rate).Div(decimal.NewFromInt(100)).Round(2)
		o.LineItems = append(o.LineItems, woocommerce.LineItem{ID: int64(10 + i), Name: "p", Quantity: decimal.NewFromInt(qty),
			Total: net, TotalTax: tax, Taxes: []woocommerce.Tax{{ID: woocommerce.ID(100 + i), Total: tax}}})
		o.TaxLines = append(o.TaxLines, woocommerce.TaxLine{RateID: woocommerce.ID(100 + i), RatePercent: rate})
		total = total.Add(net).Add(tax)
	}
	ship := decimal.New(int64(r.IntN(20000)), -2)
	shipTax := ship.Mul(dec("0.25")).Round(2)
	o.ShippingLines = []woocommerce.ShippingLine{{ID: 90, MethodID: "flat_rate", InstanceID: "1", Total: ship, TotalTax: shipTax,
		Taxes: []woocommerce.Tax{{ID: 99, Total: shipTax}}}}
	o.TaxLines = append(o.TaxLines, woocommerce.TaxLine{RateID: 99, RatePercent: dec("25")})
	total = total.Add(ship).Add(shipTax)
	o.Total = total.Add(decimal.New(int64(r.IntN(5)-2), -2)) // rounding drift
	return o
}

// TestPropertyCaptureItemsSumToAmount: whatever the order, capture items
// add up to the amount, and the rounding line is there only when needed.
func TestPropertyCaptureItemsSumToAmount(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		o := randomOrder(r)
		ls, err := NewLines(o, nil)
		if err != nil {
			t.Fatal(err)
		}
		amount, _ := ls.Currency.ToMinor(o.Total)
		items := ls.CaptureItems(amount, nil)
		lineSum := int64(0)
		for _, l := range ls.Lines {
			lineSum += l.Gross
		}
		if sumItems(items) != amount {
			t.Fatalf("items add up to %d, not %d", sumItems(items), amount)
		}
		if hasRounding(items) != (lineSum != amount) {
			t.Fatalf("rounding line %v with lines %d and amount %d", hasRounding(items), lineSum, amount)
		}
	}
}

// TestPropertyRefundsNeverExceedWhatIsLeft: random refund sequences (units,
// partial sums, shipping, amounts alone) are either refused or fit what is
// left per line, per tax and in total; refunds never add up to more than
// was captured, and refunding every unit returns each line exactly.
func TestPropertyRefundsNeverExceedWhatIsLeft(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		o := randomOrder(r)
		captured, _ := mustLines(t, o).Currency.ToMinor(o.Total)
		var refunds []*woocommerce.Refund
		refunded := int64(0)
		for step := range 8 {
			ls := mustLines(t, o, refunds...)
			req := randomRefund(r, ls)
			p, err := planRefund(ls, req, captured-refunded, captured-refunded)
			if err != nil {
				continue
			}
			for _, pl := range p.lines {
				if pl.gross < 0 || pl.tax < 0 || pl.gross > pl.line.LeftGross() || pl.tax > pl.line.LeftTax() ||
					pl.quantity > pl.line.LeftQuantity() || pl.gross-pl.tax > pl.line.LeftGross()-pl.line.LeftTax() {
					t.Fatalf("planned %+v beyond what is left of %+v", pl, pl.line)
				}
				rateSum := int64(0)
				for _, rt := range pl.taxes {
					rateSum += rt.minor
				}
				if len(pl.taxes) > 0 && rateSum != pl.tax {
					t.Fatalf("per-rate taxes %v do not add up to %d", pl.taxes, pl.tax)
				}
			}
			refunded += p.amount
			if refunded > captured {
				t.Fatalf("refunded %d of %d captured", refunded, captured)
			}
			refunds = append(refunds, recordOf(ls, p, int64(1000+step)))
		}
	}
}

func TestPropertyUnitByUnitAddsUpToTheLine(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		o := randomOrder(r)
		var refunds []*woocommerce.Refund
		first := mustLines(t, o)
		for i := range 20 {
			ls := mustLines(t, o, refunds...)
			var items []RefundItem
			for _, l := range ls.Lines {
				if l.Kind == ProductLine && l.LeftQuantity() > 0 {
					items = append(items, RefundItem{ItemID: l.ItemID, Quantity: 1})
				}
			}
			if len(items) == 0 {
				break
			}
			p, err := planRefund(ls, RefundRequest{Items: items}, 1<<50, 1<<50)
			if err != nil {
				t.Fatal(err)
			}
			refunds = append(refunds, recordOf(ls, p, int64(1000+i)))
		}
		last := mustLines(t, o, refunds...)
		for i, l := range last.Lines {
			if l.Kind == ProductLine && (l.RefundedGross != first.Lines[i].Gross || l.RefundedTax != first.Lines[i].Tax) {
				t.Fatalf("line refunded %d/%d of %d/%d", l.RefundedGross, l.RefundedTax, first.Lines[i].Gross, first.Lines[i].Tax)
			}
		}
	}
}

func mustLines(t *testing.T, o *woocommerce.Order, refunds ...*woocommerce.Refund) *Lines {
	t.Helper()
	ls, err := NewLines(o, refunds)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func randomRefund(r *rand.Rand, ls *Lines) RefundRequest {
	if r.IntN(6) == 0 {
		return RefundRequest{Amount: decimal.New(int64(1+r.IntN(50000)), -2)}
	}
	var req RefundRequest
	for _, l := range ls.Lines {
		if r.IntN(2) == 0 {
			continue
		}
		switch {
		case l.Kind == ProductLine && r.IntN(2) == 0:
			req.Items = append(req.Items, RefundItem{ItemID: l.ItemID, Quantity: int64(r.IntN(4))})
		default:
			net := decimal.New(int64(r.IntN(int(max(l.LeftGross(), 1))+50)), -2)
			tax := decimal.New(int64(r.IntN(int(max(l.LeftTax(), 1))+5)), -2)
			req.Items = append(req.Items, RefundItem{ItemID: l.ItemID, Total: &net, Tax: &tax})
		}
	}
	return req
}

// recordOf is the WooCommerce refund record a plan makes, as the store
// would keep it (negative copies with _refunded_item_id).
func recordOf(ls *Lines, p *refundPlan, id int64) *woocommerce.Refund {
	wr := p.wooRefund(ls, "x", "m")
	rec := &woocommerce.Refund{ID: id, Amount: wr.Amount}
	for _, l := range wr.LineItems {
		taxTotal := decimal.Zero
		var taxes []woocommerce.Tax
		for _, t := range l.Taxes {
			taxTotal = taxTotal.Add(t.Amount)
			taxes = append(taxes, woocommerce.Tax{ID: woocommerce.ID(t.RateID), Total: t.Amount.Neg()})
		}
		meta := []woocommerce.Meta{woocommerce.MetaString("_refunded_item_id", decimal.NewFromInt(l.ItemID).String())}
		li := woocommerce.LineItem{Quantity: decimal.NewFromInt(-l.Quantity), Total: l.Total.Neg(), TotalTax: taxTotal.Neg(), Taxes: taxes, MetaData: meta}
		if ls.Find(l.ItemID).Kind == ShippingLine {
			rec.ShippingLines = append(rec.ShippingLines, woocommerce.ShippingLine{Total: li.Total, TotalTax: li.TotalTax, Taxes: taxes, MetaData: meta})
		} else {
			rec.LineItems = append(rec.LineItems, li)
		}
	}
	return rec
}

func FuzzRefundPlan(f *testing.F) {
	f.Add(uint64(1), int64(2), "10.00", "2.50", int64(0))
	f.Add(uint64(7), int64(0), "0.01", "0", int64(0))
	f.Add(uint64(9), int64(-1), "-5", "1", int64(3))
	f.Fuzz(func(t *testing.T, seed uint64, qty int64, total, tax string, pick int64) {
		o := randomOrder(rand.New(rand.NewPCG(seed, seed)))
		ls := mustLines(t, o)
		tot, err1 := decimal.NewFromString(total)
		tx, err2 := decimal.NewFromString(tax)
		if err1 != nil || err2 != nil {
			return
		}
		l := ls.Lines[int(uint64(pick)%uint64(len(ls.Lines)))]
		item := RefundItem{ItemID: l.ItemID, Quantity: qty}
		if qty%2 == 0 {
			item.Total, item.Tax = &tot, &tx
		}
		captured, _ := ls.Currency.ToMinor(o.Total)
		p, err := planRefund(ls, RefundRequest{Items: []RefundItem{item}}, captured, captured)
		if err != nil {
			return
		}
		pl := p.lines[0]
		if p.amount <= 0 || p.amount > captured || pl.gross > l.LeftGross() || pl.tax > l.LeftTax() || pl.tax < 0 || pl.gross-pl.tax < 0 {
			t.Fatalf("accepted %+v: %+v", item, pl)
		}
	})
}
