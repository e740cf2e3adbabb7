package ordermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

func TestPaymentCallbackMovesOrderToProcessing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	tx := w.tx(o)
	if o.Status != woocommerce.StatusProcessing || o.TransactionID != tx.ID {
		t.Fatalf("after payment: %s, tx %q", o.Status, o.TransactionID)
	}
	if tx.Amount != 339801 || tx.Status != dintero.StatusAuthorized {
		t.Errorf("transaction: %d %s", tx.Amount, tx.Status)
	}
	w.wantNotes(o, fmt.Sprintf("The order was placed successfully via Dintero Checkout. Transaction ID: %s", tx.ID),
		"Order status changed from Pending payment to Processing.")
}

func TestCaptureOnCompleted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	ctx := context.Background()
	res, err := w.engine.Capture(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	tx := w.tx(o)
	if tx.Status != dintero.StatusCaptured || tx.CapturedAmount() != 339801 || countEvents(tx, dintero.EventCapture) != 1 {
		t.Fatalf("after capture: %s captured %d (%d events)", tx.Status, tx.CapturedAmount(), countEvents(tx, dintero.EventCapture))
	}
	e := tx.FindEvent(dintero.EventCapture, fmt.Sprintf("wc-%d-capture", o.ID))
	if e == nil || len(e.Items) != 4 {
		t.Fatalf("capture event: %+v", e)
	}
	if res.Status != woocommerce.StatusCompleted {
		t.Errorf("status %s", res.Status)
	}
	notes := w.notes(o)
	if got := notes[len(notes)-2:]; got[0] != "Order status changed from Processing to Completed." ||
		got[1] != "The Dintero order has been captured. Captured amount: 3398.01 NOK." {
		t.Errorf("notes: %q", notes)
	}
	// Reconciling again only records that the capture note is written
	// (its key is recorded lazily, and Plan says so), then does nothing.
	for i := range 3 {
		res, err := w.engine.Reconcile(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && (len(res.Done) != 1 || res.Done[0].Kind != ordermgmt.ActRecordNote) || i > 0 && len(res.Done) != 0 {
			t.Fatalf("reconcile again (%d): %+v", i, res)
		}
	}
	if n := len(w.notes(o)); n != len(notes) {
		t.Errorf("notes grew from %d to %d", len(notes), n)
	}
}

func TestAlreadyCapturedAtDintero(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Captured) // Swish: captured at once
	if o.Status != woocommerce.StatusProcessing {
		t.Fatalf("status %s", o.Status)
	}
	ctx := context.Background()
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	w.engine.Reconcile(ctx, o.ID)
	tx := w.tx(o)
	if countEvents(tx, dintero.EventCapture) != 1 || w.dt.Requests(dinterotest.RouteCapture) != 0 {
		t.Errorf("capture sent for a captured transaction")
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been captured. Captured amount: 3398.01 NOK." {
		t.Errorf("notes %q", notes)
	}
}

func TestManualReviewThenCapture(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.OnHold)
	tx := w.tx(o)
	if o.Status != woocommerce.StatusManualReview {
		t.Fatalf("status %s, want manual-review", o.Status)
	}
	// Completing it before Dintero decides does not capture.
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.order(o); got.Status != woocommerce.StatusOnHold {
		t.Errorf("status %s, want on-hold", got.Status)
	}
	if w.dt.Requests(dinterotest.RouteCapture) != 0 {
		t.Error("an ON_HOLD transaction was captured")
	}
	notes := w.notes(o)
	if notes[len(notes)-2] != "The order must be authorized by Dintero before it can be captured." {
		t.Errorf("notes %q", notes)
	}
	// Dintero authorizes; the callback brings the order back.
	if _, err := w.dt.ResolveOnHold(ctx, tx.ID, true); err != nil {
		t.Fatal(err)
	}
	// The order is on-hold (not manual review) now: set it back as a
	// merchant would, then complete it.
	w.store.SetStatus(o.ID, woocommerce.StatusManualReview)
	w.engine.Reconcile(ctx, o.ID)
	if got := w.order(o); got.Status != woocommerce.StatusProcessing {
		t.Fatalf("after authorization: %s", got.Status)
	}
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.Status != dintero.StatusCaptured {
		t.Errorf("after capture: %s", tx.Status)
	}
}

func TestManualReviewAuthorizedByCallback(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.OnHold)
	tx := w.tx(o)
	if _, err := w.dt.ResolveOnHold(context.Background(), tx.ID, true); err != nil {
		t.Fatal(err)
	}
	got := w.order(o)
	if got.Status != woocommerce.StatusProcessing {
		t.Fatalf("status %s", got.Status)
	}
	w.wantNotes(o,
		fmt.Sprintf("The order was placed successfully, but requires further authorization by Dintero. Transaction ID: %s", tx.ID),
		"Order status changed from Pending payment to Manual review.",
		"The order has been authorized.",
		"Order status changed from Manual review to Processing.")
}

func TestManualReviewRejected(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.OnHold)
	w.dt.ResolveOnHold(context.Background(), w.tx(o).ID, false)
	if got := w.order(o); got.Status != woocommerce.StatusFailed {
		t.Fatalf("status %s", got.Status)
	}
	notes := w.notes(o)
	if notes[len(notes)-2] != "The order was not approved by Dintero." {
		t.Errorf("notes %q", notes)
	}
}

func TestFailedPayment(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, outcome := range []dinterotest.Outcome{dinterotest.Failed, dinterotest.Declined} {
		o := w.store.SeedOrder(nokOrder())
		tx := w.pay(o, outcome)
		// The error callback names the transaction; the order learns of it.
		if _, err := w.engine.ReconcileTransaction(context.Background(), o.ID, tx.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.order(o); got.Status != woocommerce.StatusFailed {
			t.Errorf("%s: status %s", outcome, got.Status)
		}
	}
}

func TestCaptureFailurePutsOrderOnHold(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 400, Times: 1})
	res, err := w.engine.Capture(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) != 1 || w.order(o).Status != woocommerce.StatusOnHold {
		t.Errorf("refused %v, status %s", res.Refused, w.order(o).Status)
	}
	notes := w.notes(o)
	if notes[len(notes)-2] != "The Dintero order could not be captured: [400] injected fault" {
		t.Errorf("notes %q", notes)
	}
	// The merchant completes it again: now it works.
	if _, err := w.engine.Capture(context.Background(), o.ID); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.Status != dintero.StatusCaptured || countEvents(tx, dintero.EventCapture) != 1 {
		t.Errorf("second try: %s", tx.Status)
	}
}

func TestCaptureDroppedConnectionCapturesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{DropAfterCommit: true, Times: 1})
	if _, err := w.engine.Capture(context.Background(), o.ID); err != nil {
		t.Fatalf("a capture that happened is a success: %v", err)
	}
	tx := w.tx(o)
	if countEvents(tx, dintero.EventCapture) != 1 || w.dt.Requests(dinterotest.RouteCapture) != 1 {
		t.Errorf("captures %d, requests %d", countEvents(tx, dintero.EventCapture), w.dt.Requests(dinterotest.RouteCapture))
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been captured. Captured amount: 3398.01 NOK." {
		t.Errorf("notes %q", notes)
	}
}

func TestCaptureOutcomeUnknownThenReconciled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	// A 503 on the capture: unknown outcome, nothing happened at Dintero.
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 503, Times: 1})
	if _, err := w.engine.Capture(ctx, o.ID); !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	if got := w.order(o); got.Status != woocommerce.StatusCompleted {
		t.Errorf("an unknown outcome must not put the order on hold: %s", got.Status)
	}
	// A reconcile while the capture is in doubt only reads: Dintero may
	// still complete it. It says what it waits for.
	res, err := w.engine.Reconcile(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Done) != 0 || len(res.Waiting) != 1 || res.Waiting[0].Action.Kind != ordermgmt.ActCapture ||
		!res.Waiting[0].Until.Equal(res.Waiting[0].Since.Add(ordermgmt.DefaultInDoubtWait)) {
		t.Fatalf("in doubt: %+v", res)
	}
	if n := countEvents(w.tx(o), dintero.EventCapture); n != 0 {
		t.Fatalf("captured %d times while in doubt", n)
	}
	// After the wait, the next reconcile (a webhook, the poller) captures.
	w.pastDoubt()
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); countEvents(tx, dintero.EventCapture) != 1 || tx.Status != dintero.StatusCaptured {
		t.Errorf("captures %d", countEvents(tx, dintero.EventCapture))
	}
}

func TestPendingCapture202(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Pending: true, Times: 1})
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	// While pending, reconciling does not capture again.
	w.engine.Reconcile(ctx, o.ID)
	if n := w.dt.Requests(dinterotest.RouteCapture); n != 1 {
		t.Errorf("captures sent: %d", n)
	}
	w.dt.CompletePending()
	w.engine.Reconcile(ctx, o.ID)
	tx := w.tx(o)
	if tx.Status != dintero.StatusCaptured || countEvents(tx, dintero.EventCapture) != 1 {
		t.Errorf("after completion: %s, %d", tx.Status, countEvents(tx, dintero.EventCapture))
	}
	n := w.countNote(o, "The Dintero order has been captured. Captured amount: 3398.01 NOK.")
	if n != 1 {
		t.Errorf("capture notes: %d", n)
	}
}

func TestCancelVoids(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	if _, err := w.engine.Cancel(context.Background(), o.ID); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.Status != dintero.StatusAuthorizationVoided {
		t.Errorf("tx %s", tx.Status)
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been canceled." || w.order(o).Status != woocommerce.StatusCancelled {
		t.Errorf("notes %q status %s", notes, w.order(o).Status)
	}
	w.engine.Reconcile(context.Background(), o.ID)
	if len(w.notes(o)) != len(notes) {
		t.Error("cancel note repeated")
	}
}

func TestCancelManualReviewVoids(t *testing.T) {
	t.Parallel()
	// The plugin silently skips the void of an unpaid (manual review)
	// order and leaves the authorization open; we void it.
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.OnHold)
	if _, err := w.engine.Cancel(context.Background(), o.ID); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.Status != dintero.StatusAuthorizationVoided {
		t.Errorf("tx %s", tx.Status)
	}
}

func TestCancelCaptured(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.engine.Capture(ctx, o.ID)
	if _, err := w.engine.Cancel(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	tx := w.tx(o)
	if tx.Status != dintero.StatusCaptured || w.dt.Requests(dinterotest.RouteVoid) != 0 {
		t.Errorf("tx %s", tx.Status)
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been captured, and can therefore no longer be canceled." {
		t.Errorf("notes %q", notes)
	}
}

func TestCancelSwishRefunds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Captured)
	if _, err := w.engine.Cancel(context.Background(), o.ID); err != nil {
		t.Fatal(err)
	}
	tx := w.tx(o)
	e := tx.FindEvent(dintero.EventRefund, fmt.Sprintf("wc-%d-cancel", o.ID))
	if tx.Status != dintero.StatusRefunded || e == nil || e.Amount != 339801 {
		t.Fatalf("tx %s event %+v", tx.Status, e)
	}
	w.engine.Reconcile(context.Background(), o.ID)
	if countEvents(w.tx(o), dintero.EventRefund) != 1 {
		t.Error("Swish cancellation refunded twice")
	}
}

func TestVoidedInDinteroCancelsOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	if _, _, err := w.dc.Transactions.Void(ctx, w.tx(o).ID); err != nil { // in Backoffice
		t.Fatal(err)
	}
	w.engine.Reconcile(ctx, o.ID)
	if got := w.order(o); got.Status != woocommerce.StatusCancelled {
		t.Fatalf("status %s", got.Status)
	}
	notes := w.notes(o)
	want := []string{"The order was CANCELED in the Dintero.", "Order status changed from Processing to Cancelled.", "The Dintero order has been canceled."}
	if len(notes) < 3 || fmt.Sprint(notes[len(notes)-3:]) != fmt.Sprint(want) {
		t.Errorf("notes %q", notes)
	}
}

func TestOtherGatewaysLeftAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	spec := nokOrder()
	spec.PaymentMethod = "bacs"
	spec.Status = woocommerce.StatusProcessing
	o := w.store.SeedOrder(spec)
	res, err := w.engine.Capture(context.Background(), o.ID)
	if err != nil || res.Skipped == "" || len(res.Done) != 0 {
		t.Errorf("res %+v err %v", res, err)
	}
	if _, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("1")}); !errors.Is(err, ordermgmt.ErrNotDintero) {
		t.Errorf("refund: %v", err)
	}
}

func TestRealLookingOrdersCaptureAndRefund(t *testing.T) {
	t.Parallel()
	specs := map[string]wctest.OrderSpec{
		"prices incl. tax, coupon, fee": {Currency: "NOK", PricesIncludeTax: true, CouponCode: "SPRING10", CouponPercent: d("10"),
			Lines: []wctest.LineSpec{{Name: "Sweater", Quantity: 3, UnitPrice: d("599.90"), TaxRate: d("25")},
				{Name: "Book", Quantity: 1, UnitPrice: d("349.00"), TaxRate: d("0")},
				{Name: "Coffee", Quantity: 2, UnitPrice: d("89.90"), TaxRate: d("15")}},
			Fees:     []wctest.FeeSpec{{Name: "Gift wrap", Total: d("49.00"), TaxRate: d("25")}},
			Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("99.00"), TaxRate: d("25")}}},
		"12 % and 25 %, prices excl. tax": {Currency: "SEK",
			Lines: []wctest.LineSpec{{Name: "Ticket", Quantity: 2, UnitPrice: d("84.82"), TaxRate: d("12")},
				{Name: "Poster", Quantity: 1, UnitPrice: d("159.20"), TaxRate: d("25")}},
			Shipping: []wctest.ShippingSpec{{Title: "PostNord", Total: d("39.20"), TaxRate: d("25")}}},
		"three decimals": {Currency: "KWD",
			Lines:    []wctest.LineSpec{{Name: "Lamp", Quantity: 3, UnitPrice: d("12.345"), TaxRate: d("5")}},
			Shipping: []wctest.ShippingSpec{{Title: "Aramex", Total: d("1.500"), TaxRate: d("0")}}},
		"no decimals": {Currency: "JPY",
			Lines:    []wctest.LineSpec{{Name: "Tea", Quantity: 4, UnitPrice: d("1280"), TaxRate: d("8")}},
			Shipping: []wctest.ShippingSpec{{Title: "Yamato", Total: d("800"), TaxRate: d("10")}}},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			spec.Status = woocommerce.StatusPending
			o := w.paid(spec, dinterotest.Authorized)
			if _, err := w.engine.Capture(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			tx := w.tx(o)
			cur, _ := money.Lookup(o.Currency)
			total, _ := cur.ToMinor(o.Total)
			e := tx.FindEvent(dintero.EventCapture, fmt.Sprintf("wc-%d-capture", o.ID))
			if tx.Status != dintero.StatusCaptured || tx.CapturedAmount() != total || e == nil {
				t.Fatalf("%s: captured %d of %d (%s)", o.Currency, tx.CapturedAmount(), total, tx.Status)
			}
			sum := int64(0)
			for _, it := range e.Items {
				sum += it.Amount
			}
			if sum != total {
				t.Errorf("capture lines add up to %d, not %d", sum, total)
			}
			res, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			after := w.tx(o)
			if got := after.RefundedAmount(); got != res.Amount || res.Amount <= 0 {
				t.Errorf("refunded %d, Refund said %d", got, res.Amount)
			}
		})
	}
}

func TestCaptureNoteAfterCancelRefused(t *testing.T) {
	t.Parallel()
	// Captured in Backoffice (no note), cancelled in WooCommerce (refused:
	// "captured, and can therefore no longer be canceled"), then completed:
	// the capture note is still owed, and that other note is not it.
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	tx := w.tx(o)
	if _, _, err := w.dc.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Cancel(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := w.countNote(o, "The Dintero order has been captured. Captured amount: 3398.01 NOK."); n != 1 {
		t.Errorf("capture notes %d: %q", n, w.notes(o))
	}
}
