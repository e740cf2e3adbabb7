package ordermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// captured returns a paid and captured NOK order (total 3398.01).
func (w *world) captured() *woocommerce.Order {
	w.t.Helper()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	if _, err := w.engine.Capture(context.Background(), o.ID); err != nil {
		w.t.Fatal(err)
	}
	return w.order(o)
}

func refundEvent(t *testing.T, tx dintero.Transaction, ref string) *dintero.TransactionEvent {
	t.Helper()
	e := tx.FindEvent(dintero.EventRefund, ref)
	if e == nil {
		t.Fatalf("no refund event %s", ref)
	}
	return e
}

func TestRefundWholeItemComputesTax(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	chair := o.LineItems[0]
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Amount != 125000 || res.Reference != fmt.Sprintf("wc-%d-refund-%d", o.ID, res.RefundID) {
		t.Fatalf("result %+v", res)
	}
	e := refundEvent(t, w.tx(o), res.Reference)
	if len(e.Items) != 1 || e.Items[0].Amount != 125000 || e.Items[0].VATAmount != 25000 || e.Items[0].VAT.String() != "25" ||
		e.Items[0].Quantity.String() != "1" || e.Items[0].LineID != chair.SKU || chair.SKU == "" {
		t.Errorf("refund items %+v", e.Items)
	}
	refunds := w.store.Refunds(o.ID)
	if len(refunds) != 1 || !refunds[0].Amount.Equal(d("1250")) || refunds[0].RefundedPayment || refunds[0].Reason != "Refund via Dintero" {
		t.Fatalf("refund records %+v", refunds)
	}
	if !refunds[0].LineItems[0].Total.Equal(d("-1000")) || !refunds[0].LineItems[0].TotalTax.Equal(d("-250")) {
		t.Errorf("record line %+v", refunds[0].LineItems[0])
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been partially refunded. Refunded amount: 1250.00 NOK." {
		t.Errorf("notes %q", notes)
	}
	// The second chair: exactly what is left of the line.
	res2, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}})
	if err != nil || res2.Amount != 125000 {
		t.Fatalf("second chair: %+v %v", res2, err)
	}
	// A third does not exist.
	_, err = w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}})
	var rerr *ordermgmt.RefundError
	if !errors.As(err, &rerr) || rerr.ItemID != chair.ID || !errors.Is(err, ordermgmt.ErrInvalidRefund) {
		t.Errorf("third chair: %v", err)
	}
}

func TestRefundUnitsAddUpToTheLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	spec := nokOrder()
	spec.Lines = append(spec.Lines, wctest.LineSpec{Name: "Candle", Quantity: 3, UnitPrice: d("33.33"), TaxRate: d("25")})
	o := w.paid(spec, dinterotest.Authorized)
	w.engine.Capture(context.Background(), o.ID)
	candle := o.LineItems[3] // 99.99 + 24.9975 tax -> 124.99 gross shown as 99.99 + 25.00
	var sum int64
	for range 3 {
		res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
			Items: []ordermgmt.RefundItem{{ItemID: candle.ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		sum += res.Amount
	}
	gross := candle.Total.Add(candle.TotalTax)
	if want := gross.Shift(2).IntPart(); sum != want {
		t.Errorf("three single refunds = %d, the line is %d", sum, want)
	}
}

func TestRefundPartialSumWithTax(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	book := o.LineItems[2]
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: book.ID, Total: dp("50.00"), Tax: dp("7.50")}}, Reason: "Damaged cover"})
	if err != nil {
		t.Fatal(err)
	}
	e := refundEvent(t, w.tx(o), res.Reference)
	if e.Amount != 5750 || e.Items[0].VATAmount != 750 || e.Items[0].VAT.String() != "15" {
		t.Errorf("event %+v items %+v", e, e.Items)
	}
	if rec := w.store.Refunds(o.ID)[0]; rec.Reason != "Damaged cover" {
		t.Errorf("reason %q", rec.Reason)
	}
	// More tax than the line has left is refused, before anything is sent.
	before := w.dt.Requests(dinterotest.RouteRefund)
	_, err = w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: book.ID, Total: dp("1.00"), Tax: dp("40.00")}}})
	if !errors.Is(err, ordermgmt.ErrInvalidRefund) || w.dt.Requests(dinterotest.RouteRefund) != before {
		t.Errorf("over-tax: %v", err)
	}
}

func TestRefundShipping(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	ship := o.ShippingLines[0]
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: ship.ID, Total: dp("79.20"), Tax: dp("19.80")}}})
	if err != nil {
		t.Fatal(err)
	}
	e := refundEvent(t, w.tx(o), res.Reference)
	// The plugin sends the shipping refund's vat_amount negative; never here.
	if e.Amount != 9900 || e.Items[0].VATAmount != 1980 || e.Items[0].Type != "shipping" || e.Items[0].LineID != "flat_rate:1" {
		t.Errorf("shipping refund item %+v", e.Items[0])
	}
	// Shipping is gone: a second one is refused.
	_, err = w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: ship.ID, Quantity: 1}}})
	if !errors.Is(err, ordermgmt.ErrInvalidRefund) {
		t.Errorf("shipping twice: %v", err)
	}
}

func TestRefundAmountAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("0.50")})
	if err != nil {
		t.Fatal(err)
	}
	e := refundEvent(t, w.tx(o), res.Reference)
	if e.Amount != 50 || len(e.Items) != 0 {
		t.Errorf("event %+v", e)
	}
	// Below 1.00: the plugin would print ".5" as 0.50 by luck; we format.
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been partially refunded. Refunded amount: 0.50 NOK." {
		t.Errorf("notes %q", notes)
	}
}

func TestRefundValidationChangesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	chair := o.LineItems[0]
	ctx := context.Background()
	cases := map[string]ordermgmt.RefundRequest{
		"empty":             {},
		"negative amount":   {Amount: d("-1")},
		"over-precise":      {Amount: d("1.005")},
		"above order":       {Amount: d("3398.02")},
		"unknown item":      {Items: []ordermgmt.RefundItem{{ItemID: 999999, Quantity: 1}}},
		"too many units":    {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 3}}},
		"negative units":    {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: -1}}},
		"no quantity":       {Items: []ordermgmt.RefundItem{{ItemID: chair.ID}}},
		"tax alone":         {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Tax: dp("1")}}},
		"over line":         {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Total: dp("2000.01")}}},
		"twice":             {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}, {ItemID: chair.ID, Quantity: 1}}},
		"items and sum":     {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}, Amount: d("1")},
		"over-precise line": {Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Total: dp("1.001")}}},
	}
	for name, req := range cases {
		if _, err := w.engine.Refund(ctx, o.ID, req); !errors.Is(err, ordermgmt.ErrInvalidRefund) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(w.store.Refunds(o.ID)); n != 0 || w.dt.Requests(dinterotest.RouteRefund) != 0 {
		t.Errorf("refused refunds left %d records, %d Dintero requests", n, w.dt.Requests(dinterotest.RouteRefund))
	}
}

func TestRefundBeforeCaptureRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	_, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("10")})
	if !errors.Is(err, ordermgmt.ErrNotCaptured) || len(w.store.Refunds(o.ID)) != 0 {
		t.Errorf("err %v", err)
	}
}

func TestRefundRefusedByDinteroRemovesRecord(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 400, Times: 1})
	_, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("100")})
	if !errors.Is(err, ordermgmt.ErrRefundRefused) {
		t.Fatalf("err = %v", err)
	}
	if n := len(w.store.Refunds(o.ID)); n != 0 {
		t.Errorf("%d refund records left", n)
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero refund failed: [400] injected fault" {
		t.Errorf("notes %q", notes)
	}
	if got := w.order(o); got.Status != woocommerce.StatusCompleted {
		t.Errorf("a failed refund changed the status: %s", got.Status)
	}
}

func TestRefundOutcomeUnknownCompletedByReconcile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	// Dintero answers 503: the refund may or may not have happened. Here
	// it did not, so the WooCommerce record stays as the intent.
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 1})
	_, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("100")})
	if err == nil || !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	if n := len(w.store.Refunds(o.ID)); n != 1 {
		t.Fatalf("records %d", n)
	}
	res, err := w.engine.Reconcile(ctx, o.ID)
	if err != nil || len(res.Waiting) != 1 || countEvents(w.tx(o), dintero.EventRefund) != 0 {
		t.Fatalf("while in doubt: %+v %v", res, err)
	}
	w.pastDoubt()
	res, err = w.engine.Reconcile(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	tx := w.tx(o)
	if countEvents(tx, dintero.EventRefund) != 1 || tx.RefundedAmount() != 10000 {
		t.Errorf("refunds at Dintero: %d, %d", countEvents(tx, dintero.EventRefund), tx.RefundedAmount())
	}
	if len(res.Done) < 1 || res.Done[0].Kind != ordermgmt.ActRefund {
		t.Errorf("reconcile did %v", res.Done)
	}
	w.engine.Reconcile(ctx, o.ID)
	if countEvents(w.tx(o), dintero.EventRefund) != 1 {
		t.Error("refunded twice")
	}
}

func TestRefundDroppedConnectionRefundsOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{DropAfterCommit: true, Times: 1})
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("100")})
	if err != nil {
		t.Fatalf("a refund that happened is a success: %v", err)
	}
	w.engine.Reconcile(context.Background(), o.ID)
	if tx := w.tx(o); countEvents(tx, dintero.EventRefund) != 1 || tx.FindEvent(dintero.EventRefund, res.Reference) == nil {
		t.Errorf("refund events: %d", countEvents(tx, dintero.EventRefund))
	}
}

func TestRefundRecordCreateDroppedFindsMarker(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	w.store.InjectFault(wctest.RouteCreateRefund, wctest.Fault{DropAfterCommit: true, Times: 1})
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("100")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.store.Refunds(o.ID)); n != 1 || w.store.Requests(wctest.RouteCreateRefund) != 1 {
		t.Errorf("records %d", n)
	}
	if countEvents(w.tx(o), dintero.EventRefund) != 1 || res.RefundID != w.store.Refunds(o.ID)[0].ID {
		t.Error("refund not made once")
	}
}

func TestRefundNoteLostIsWrittenByReconcile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	w.store.InjectFault(wctest.RouteCreateNote, wctest.Fault{Status: 500, Times: 1})
	if _, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("100")}); err == nil {
		t.Fatal("a lost note must be reported")
	}
	w.engine.Reconcile(context.Background(), o.ID)
	w.engine.Reconcile(context.Background(), o.ID)
	n := w.countNote(o, "The Dintero order has been partially refunded. Refunded amount: 100.00 NOK.")
	if n != 1 || countEvents(w.tx(o), dintero.EventRefund) != 1 {
		t.Errorf("notes %d, refunds %d", n, countEvents(w.tx(o), dintero.EventRefund))
	}
}

func TestFullRefundViaDintero(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks)
	o := w.captured()
	res, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{Amount: d("3398.01")})
	if err != nil {
		t.Fatal(err)
	}
	w.store.WaitWebhooks()
	tx := w.tx(o)
	if tx.Status != dintero.StatusRefunded || countEvents(tx, dintero.EventRefund) != 1 || res.Note != "The Dintero order has been refunded." {
		t.Errorf("tx %s, events %d, note %q", tx.Status, countEvents(tx, dintero.EventRefund), res.Note)
	}
	// WooCommerce moved the order to Refunded itself; refund-on-status has
	// nothing left to send.
	if got := w.order(o); got.Status != woocommerce.StatusRefunded {
		t.Errorf("status %s", got.Status)
	}
}

func TestRefundOnStatusChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks)
	o := w.captured()
	ctx := context.Background()
	// One chair refunded via Dintero, 50.00 returned by hand ("Refund
	// manually": money that must not be sent again).
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.wc.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("50"), Gateway: woocommerce.RecordOnly, Reason: "cash"}); err != nil {
		t.Fatal(err)
	}
	w.store.SetStatus(o.ID, woocommerce.StatusRefunded) // the merchant, in the admin
	w.store.WaitWebhooks()
	tx := w.tx(o)
	e := tx.FindEvent(dintero.EventRefund, fmt.Sprintf("wc-%d-refund-status", o.ID))
	if e == nil || e.Amount != 339801-125000-5000 {
		t.Fatalf("status refund: %+v", e)
	}
	if tx.RemainingToRefund() != 5000 || countEvents(tx, dintero.EventRefund) != 2 {
		t.Errorf("remaining %d, refunds %d", tx.RemainingToRefund(), countEvents(tx, dintero.EventRefund))
	}
	notes := w.notes(o)
	if notes[len(notes)-1] != "The Dintero order has been refunded." {
		t.Errorf("notes %q", notes)
	}
	w.engine.Reconcile(ctx, o.ID)
	if countEvents(w.tx(o), dintero.EventRefund) != 2 {
		t.Error("refunded again")
	}
}

func TestRefundOnStatusChangeOff(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks, withSettings(ordermgmt.Settings{NoRefundOnStatusChange: true}))
	o := w.captured()
	w.store.SetStatus(o.ID, woocommerce.StatusRefunded)
	w.store.WaitWebhooks()
	w.engine.Reconcile(context.Background(), o.ID)
	if n := w.dt.Requests(dinterotest.RouteRefund); n != 0 {
		t.Errorf("%d refunds sent with the setting off", n)
	}
}

func TestRefundStatusBeforeCapture(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(o.ID, woocommerce.StatusRefunded)
	w.engine.Reconcile(context.Background(), o.ID)
	notes := w.notes(o)
	if notes[len(notes)-1] != "There is nothing to refund. The order has not yet been captured in WooCommerce." || w.dt.Requests(dinterotest.RouteRefund) != 0 {
		t.Errorf("notes %q", notes)
	}
}

func ordermgmtRefund100() ordermgmt.RefundRequest { return ordermgmt.RefundRequest{Amount: d("100")} }
