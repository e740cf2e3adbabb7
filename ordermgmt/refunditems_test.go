package ordermgmt

import (
	"slices"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// TestRefundItemsAddUpWithARoundingLine: a refund record whose item copies
// do not add up to its amount goes with its items and one rounding-fee
// line for the difference, because Collector and Instabank need items on
// every refund; a record without items is an amount alone.
func TestRefundItemsAddUpWithARoundingLine(t *testing.T) {
	dec := decimal.RequireFromString
	order := &woocommerce.Order{Currency: "NOK", LineItems: []woocommerce.LineItem{
		{ID: 1, Name: "Chair", SKU: "CH", Quantity: dec("2"), Total: dec("2000.00"), TotalTax: dec("500.00")},
		{ID: 2, Name: "Lamp", SKU: "LA", Quantity: dec("1"), Total: dec("399.20"), TotalTax: dec("99.80")},
	}}
	ls, err := NewLines(order, nil)
	if err != nil {
		t.Fatal(err)
	}
	copyOf := func(itemID, qty, total, tax string) woocommerce.LineItem {
		return woocommerce.LineItem{Quantity: dec(qty), Total: dec(total), TotalTax: dec(tax),
			MetaData: []woocommerce.Meta{woocommerce.MetaString(metaRefundedItemID, itemID)}}
	}
	tests := []struct {
		name     string
		record   woocommerce.Refund
		lines    []string // line ids sent
		rounding int64    // the rounding line's amount, 0 for none
	}{
		{"items that add up", woocommerce.Refund{Amount: dec("1250.00"), LineItems: []woocommerce.LineItem{copyOf("1", "-1", "-1000.00", "-250.00")}},
			[]string{"CH"}, 0},
		{"amount above the items", woocommerce.Refund{Amount: dec("1300.00"), LineItems: []woocommerce.LineItem{copyOf("1", "-1", "-1000.00", "-250.00")}},
			[]string{"CH", dintero.RoundingLineID}, 5000},
		{"amount below the items", woocommerce.Refund{Amount: dec("1748.00"), LineItems: []woocommerce.LineItem{
			copyOf("1", "-1", "-1000.00", "-250.00"), copyOf("2", "-1", "-399.20", "-99.80")}},
			[]string{"CH", "LA", dintero.RoundingLineID}, -100},
		{"amount alone", woocommerce.Refund{Amount: dec("10.00")}, nil, 0},
		{"a copy of a line no longer on the order", woocommerce.Refund{Amount: dec("10.00"), LineItems: []woocommerce.LineItem{copyOf("99", "-1", "-8.00", "-2.00")}},
			nil, 0},
	}
	for _, tt := range tests {
		amount, items, err := refundItems(ls, &tt.record)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		var sum, rounding int64
		for _, it := range items {
			ids = append(ids, it.LineID)
			sum += it.Amount
			if it.LineID == dintero.RoundingLineID {
				rounding = it.Amount
			}
		}
		if len(ids) != len(tt.lines) || (len(ids) > 0 && sum != amount) || rounding != tt.rounding {
			t.Errorf("%s: lines %v (sum %d of %d, rounding %d), want %v with rounding %d", tt.name, ids, sum, amount, rounding, tt.lines, tt.rounding)
		}
		for i := range ids {
			if ids[i] != tt.lines[i] {
				t.Errorf("%s: lines %v, want %v", tt.name, ids, tt.lines)
			}
		}
	}
}

// TestAlignToTakesEachIDOnce: lines follow the transaction's ids, and two
// lines never end up with one id.
func TestAlignToTakesEachIDOnce(t *testing.T) {
	dec := decimal.RequireFromString
	order := &woocommerce.Order{Currency: "NOK", LineItems: []woocommerce.LineItem{
		{ID: 11, Name: "A", SKU: "S", ProductID: 7, Quantity: dec("1"), Total: dec("1")},
		{ID: 12, Name: "B", SKU: "S", ProductID: 7, Quantity: dec("1"), Total: dec("1")},
		{ID: 13, Name: "C", ProductID: 8, Quantity: dec("1"), Total: dec("1"),
			MetaData: []woocommerce.Meta{woocommerce.MetaString(MetaLineID, "cart-key")}},
	}}
	ls, err := NewLines(order, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls.alignTo([]dintero.Item{{LineID: "12"}, {LineID: "S"}, {LineID: "8"}})
	var got []string
	for _, l := range ls.Lines {
		got = append(got, l.LineID)
	}
	// A keeps "S" (the plugin's choice and the session's), B cannot take
	// it again and follows its item id, C's cart key is unknown: its
	// product id.
	if want := []string{"S", "12", "8"}; !slices.Equal(got, want) {
		t.Errorf("line ids %v, want %v", got, want)
	}
}
