package dinterotest_test

import (
	"context"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
)

// TestClientListFiltersAgainstServer sends each of the client's list
// filters to the server, which parses them from its own reading of the
// spec: a filter the client spells wrong comes back unfiltered and fails.
func TestClientListFiltersAgainstServer(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	pay := func(ref, product string, amount int64, customer string) *dintero.Transaction {
		o := order(ref)
		created, _, err := c.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
			URL: dintero.SessionURLs{ReturnURL: "https://r"}, Order: o, ProfileID: "default",
			Customer: &dintero.Customer{CustomerID: customer, Email: ref + "@shop.test"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := srv.PayWith(ctx, created.ID, dinterotest.Authorized, dinterotest.PayOptions{PaymentProductType: product})
		if err != nil {
			t.Fatal(err)
		}
		if amount > 0 {
			if tx, _, err = c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: amount}); err != nil {
				t.Fatal(err)
			}
		}
		return tx
	}
	a := pay("wc-1", "dintero_psp.creditcard", 0, "c-1")
	b := pay("wc-2", "klarna.klarna", 33890, "c-2")
	cc := pay("wc-3", "vipps", 1000, "c-3")
	if _, _, err := c.Transactions.Refund(ctx, cc.ID, &dintero.RefundRequest{Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		opts dintero.ListOptions
		want []string // ids, newest first
	}{
		{"all", dintero.ListOptions{}, []string{cc.ID, b.ID, a.ID}},
		{"ids", dintero.ListOptions{IDs: []string{a.ID, cc.ID}}, []string{cc.ID, a.ID}},
		{"statuses", dintero.ListOptions{Statuses: []dintero.Status{dintero.StatusCaptured}}, []string{b.ID}},
		{"payment products", dintero.ListOptions{PaymentProducts: []string{"klarna", "vipps"}}, []string{cc.ID, b.ID}},
		{"payment product types", dintero.ListOptions{PaymentProductTypes: []string{"dintero_psp.creditcard"}}, []string{a.ID}},
		{"session ids", dintero.ListOptions{SessionIDs: []string{b.SessionID}}, []string{b.ID}},
		{"currencies", dintero.ListOptions{Currencies: []string{"SEK"}}, nil},
		{"merchant reference", dintero.ListOptions{MerchantReference: "wc-2"}, []string{b.ID}},
		{"search", dintero.ListOptions{Search: "wc-3@shop.test"}, []string{cc.ID}},
		{"customer id", dintero.ListOptions{CustomerID: "c-1"}, []string{a.ID}},
		{"created from", dintero.ListOptions{CreatedFrom: start}, []string{cc.ID, b.ID, a.ID}},
		{"created from the future", dintero.ListOptions{CreatedFrom: future}, nil},
		{"created to the past", dintero.ListOptions{CreatedTo: start}, nil},
		{"captured from", dintero.ListOptions{CapturedFrom: start}, []string{cc.ID, b.ID}},
		{"captured to the past", dintero.ListOptions{CapturedTo: start}, nil},
		{"refunded from", dintero.ListOptions{RefundedFrom: start}, []string{cc.ID}},
		{"refunded to the future", dintero.ListOptions{RefundedTo: future}, []string{cc.ID}},
		{"amount from", dintero.ListOptions{AmountFrom: 33891}, nil},
		{"amount to", dintero.ListOptions{AmountTo: 33890}, []string{cc.ID, b.ID, a.ID}},
		{"amount exact", dintero.ListOptions{Amount: 33890}, []string{cc.ID, b.ID, a.ID}},
		{"card brands", dintero.ListOptions{CardBrands: []string{"visa"}}, nil},
		{"token ids", dintero.ListOptions{TokenIDs: []string{"tok"}}, nil},
		{"payout correlation ids", dintero.ListOptions{PayoutCorrelationIDs: []string{"p1"}}, nil},
	}
	for _, tt := range tests {
		var got []string
		for tx, err := range c.Transactions.ListIter(ctx, &tt.opts) {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got = append(got, tx.ID)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
}
