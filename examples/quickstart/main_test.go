package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestQuickstart runs the quickstart's flow and checks what it tells the
// reader: the notes the merchant guide promises, with the right amounts,
// and books that agree.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"note: Order status changed from Processing to Completed.",
		"note: The Dintero order has been captured. Captured amount: 3398.01 NOK.",
		"1250.00 NOK incl. 250.00 NOK VAT (25 %)",
		"note: The Dintero order has been partially refunded. Refunded amount: 1250.00 NOK.",
		"57.50 NOK incl. 7.50 NOK VAT (15 %)",
		"note: The Dintero order has been partially refunded. Refunded amount: 57.50 NOK.",
		"99.00 NOK incl. 19.80 NOK VAT (25 %)",
		"error: ordermgmt: invalid refund",
		"note: The order was placed successfully, but requires further authorization by Dintero.",
		"order status: manual-review",
		"note: The order has been authorized.",
		"note: The Dintero order has been canceled.",
		"Dintero AUTHORIZATION_VOIDED",
		"Dintero PARTIALLY_REFUNDED: authorized 3398.01 NOK, captured 3398.01 NOK, refunded 1406.50 NOK",
		"WooCommerce completed, total 3398.01, refunded 1406.50",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}
