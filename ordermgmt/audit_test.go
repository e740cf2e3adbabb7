package ordermgmt_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// auditAll runs an audit and returns its entries by order id (loose
// transactions under 0).
func auditAll(t *testing.T, w *world, opts ordermgmt.AuditOptions) map[int64]*ordermgmt.AuditEntry {
	t.Helper()
	out := map[int64]*ordermgmt.AuditEntry{}
	var last int64 = -1
	for e, err := range w.engine.Audit(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		if e.OrderID != 0 && e.OrderID <= last {
			t.Errorf("entries out of order: %d after %d", e.OrderID, last)
		}
		if e.OrderID != 0 {
			last = e.OrderID
		}
		if e.Err != "" {
			t.Errorf("order %d: %s", e.OrderID, e.Err)
		}
		out[e.OrderID] = e
	}
	return out
}

func kinds(e *ordermgmt.AuditEntry) []ordermgmt.FindingKind {
	var out []ordermgmt.FindingKind
	for _, f := range e.Findings {
		out = append(out, f.Kind)
	}
	return out
}

// TestAuditHealthyOrdersHaveNoFindings: what the engine did itself, and
// what is simply not done yet, is not a finding.
func TestAuditHealthyOrdersHaveNoFindings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	var ids []int64
	// Authorized, processing: nothing to do yet.
	ids = append(ids, w.paid(nokOrder(), dinterotest.Authorized).ID)
	// Completed and captured, then refunded in part through the engine.
	o := w.captured()
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("100")}); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, o.ID)
	// Cancelled and voided.
	o = w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	w.engine.Reconcile(ctx, o.ID)
	ids = append(ids, o.ID)
	// A Swish order cancelled: the engine refunds it (no record in the
	// store), which is no mismatch.
	o = w.paid(nokOrder(), dinterotest.Captured)
	w.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, o.ID)
	// Set to Refunded: WooCommerce's automatic record, refunded by the
	// engine.
	o = w.captured()
	w.store.SetStatus(o.ID, woocommerce.StatusRefunded)
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, o.ID)
	// Pending, not paid, no transaction: not a finding.
	ids = append(ids, w.store.SeedOrder(nokOrder()).ID)
	// Paid with something else: not audited.
	other := nokOrder()
	other.PaymentMethod, other.Status = "bacs", woocommerce.StatusProcessing
	bacs := w.store.SeedOrder(other)

	entries := auditAll(t, w, ordermgmt.AuditOptions{})
	for _, id := range ids {
		e := entries[id]
		if e == nil {
			t.Errorf("order %d not audited", id)
			continue
		}
		if len(e.Findings) != 0 {
			t.Errorf("order %d (%s, %v): findings %+v", id, e.Woo.Status, e.Dintero, e.Findings)
		}
	}
	if entries[bacs.ID] != nil {
		t.Error("an order paid by bank transfer was audited")
	}
	if len(entries) != len(ids) {
		t.Errorf("%d entries, want %d", len(entries), len(ids))
	}
}

// TestAuditBooksAndTotals: each entry carries both books, and the
// summary adds them per currency.
func TestAuditBooksAndTotals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("100")}); err != nil {
		t.Fatal(err)
	}
	sek := nokOrder()
	sek.Currency = "SEK"
	s := w.paid(sek, dinterotest.Authorized)
	entries := auditAll(t, w, ordermgmt.AuditOptions{})
	e := entries[o.ID]
	total := int64(339801)
	if e.Woo.Total != total || e.Woo.Refunded != 10000 || len(e.Woo.Refunds) != 1 || e.Woo.Refunds[0].Via != "dintero" || !e.Woo.Refunds[0].Confirmed {
		t.Errorf("store book %+v", e.Woo)
	}
	if e.Dintero.Authorized != total || e.Dintero.Captured != total || e.Dintero.Refunded != 10000 || e.Dintero.Status != dintero.StatusPartiallyRefunded {
		t.Errorf("Dintero book %+v", e.Dintero)
	}
	var sum ordermgmt.AuditSummary
	for _, e := range entries {
		sum.Add(e)
	}
	nok, sekT := sum.Totals["NOK"], sum.Totals["SEK"]
	if nok == nil || sekT == nil || nok.Orders != 1 || sekT.Orders != 1 || nok.DinteroCaptured != total || sekT.DinteroAuthorized != total || sekT.DinteroCaptured != 0 {
		t.Fatalf("totals %+v %+v", nok, sekT)
	}
	if nok.Difference() != 0 || sekT.Difference() != total {
		t.Errorf("differences: NOK %d (want 0), SEK %d (want the uncaptured %d)", nok.Difference(), sekT.Difference(), total)
	}
	if entries[s.ID].Currency != "SEK" {
		t.Errorf("currency %q", entries[s.ID].Currency)
	}
}

// TestAuditCompletedAfterARefundBeforeCapture: a refund by hand before
// capture lowers what the store wants captured; the authorized rest is not
// "completed but not captured" once the engine captured what is wanted.
func TestAuditCompletedAfterARefundBeforeCapture(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	if _, _, err := w.wc.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("100.00"), Reason: "Discount agreed by phone",
		Gateway: woocommerce.RecordOnly}); err != nil {
		t.Fatal(err)
	}
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	before := auditAll(t, w, ordermgmt.AuditOptions{})[o.ID]
	if !before.Has(ordermgmt.FindingCompletedNotCaptured) || len(before.Plan) == 0 {
		t.Fatalf("before the capture: %v, plan %v", kinds(before), before.Plan)
	}
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	after := auditAll(t, w, ordermgmt.AuditOptions{})[o.ID]
	if !slices.Equal(kinds(after), []ordermgmt.FindingKind{ordermgmt.FindingManualRefund}) {
		t.Errorf("after the capture: %v %+v", kinds(after), after.Findings)
	}
}

// TestAuditRange: orders outside the range are left out.
func TestAuditRange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	future := time.Now().Add(time.Hour)
	if got := auditAll(t, w, ordermgmt.AuditOptions{From: future}); len(got) != 0 {
		t.Errorf("from the future: %d entries", len(got))
	}
	if got := auditAll(t, w, ordermgmt.AuditOptions{To: future, ByModified: true}); got[o.ID] == nil {
		t.Error("the order modified before the end of the range is missing")
	}
}

// TestAuditStopsOnAnOutage: the order list failing stops the audit with
// the error, once; a transaction that cannot be read is an entry with Err,
// and the audit goes on.
func TestAuditStopsOnAnOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.paid(nokOrder(), dinterotest.Authorized), w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 404, Times: 1})
	w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 400, Times: 1})
	var got []*ordermgmt.AuditEntry
	for e, err := range w.engine.Audit(context.Background(), ordermgmt.AuditOptions{Concurrency: 1, SkipTransactions: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 2 || got[0].OrderID != a.ID || got[1].OrderID != b.ID {
		t.Fatalf("entries %+v", got)
	}
	if !got[0].Has(ordermgmt.FindingOrderWithoutTransaction) || got[1].Err == "" {
		t.Errorf("a 404 transaction is a finding, a refused read an error: %+v / %+v", got[0].Findings, got[1].Err)
	}

	w.store.InjectFault(wctest.RouteListOrders, wctest.Fault{Status: 500})
	errs := 0
	for e, err := range w.engine.Audit(context.Background(), ordermgmt.AuditOptions{}) {
		if err == nil {
			t.Errorf("an entry while the store is down: %+v", e)
			continue
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("%d errors, want 1", errs)
	}
	w.store.ClearFaults()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range w.engine.Audit(ctx, ordermgmt.AuditOptions{}) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	}
}

// TestAuditStopsWhenTheCallerDoes: breaking out of the loop ends the
// audit's goroutines before Audit returns.
func TestAuditStopsWhenTheCallerDoes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for range 5 {
		w.paid(nokOrder(), dinterotest.Authorized)
	}
	n := 0
	for _, err := range w.engine.Audit(context.Background(), ordermgmt.AuditOptions{Concurrency: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("%d entries", n)
	}
}

// TestAuditReviewedFlows are the merchant flows a review found judged
// wrongly, each with what the audit must say.
func TestAuditReviewedFlows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	want := map[int64][]ordermgmt.FindingKind{}

	// An abandoned checkout, cancelled: nothing to do, nothing to say.
	o := w.store.SeedOrder(nokOrder())
	w.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	if res, err := w.engine.Reconcile(ctx, o.ID); err != nil || len(res.Done) != 0 {
		t.Errorf("an abandoned checkout: %+v %v", res, err)
	}
	want[o.ID] = nil

	// Cancelled in the store while nothing listened: the authorization
	// still holds the customer's money.
	o = w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingAuthorizationNotReleased}

	// The same with a void Dintero accepted (202) and not completed yet.
	o = w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteVoid, dinterotest.Fault{Pending: true, Times: 1})
	w.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	want[o.ID] = nil

	// Approved after review, the callback lost: the order waits in manual
	// review.
	o = w.paid(nokOrder(), dinterotest.OnHold)
	tx := w.tx(o)
	w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 503, Times: 0}) // the callback's read fails
	w.dt.ResolveOnHold(ctx, tx.ID, true)
	w.dt.ClearFaults()
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingStatusBehind}

	// Cash back at the counter (10.00), and an unrecorded Backoffice
	// refund (7.00): the 7.00 is a mismatch, not hidden by the 10.00.
	o = w.captured()
	w.wc.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("10.00"), Reason: "cash", Gateway: woocommerce.RecordOnly})
	w.dc.Transactions.Refund(ctx, o.TransactionID, &dintero.RefundRequest{Amount: 700, RefundReference: "backoffice"})
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingManualRefund, ordermgmt.FindingRefundMismatch}

	// A Backoffice refund recorded by hand for the same amount: both books
	// agree.
	o = w.captured()
	w.dc.Transactions.Refund(ctx, o.TransactionID, &dintero.RefundRequest{Amount: 5000, RefundReference: "backoffice"})
	w.wc.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("50.00"), Reason: "refunded in Dintero", Gateway: woocommerce.RecordOnly})
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingManualRefund}

	// A short authorization captured in the Backoffice, then completed:
	// 100.00 is never collected.
	short := w.store.SeedOrder(nokOrder())
	session, _ := ordermgmt.SessionOrder(short)
	session.Amount -= 10000
	session.PartialPayment = true
	stx := w.paySession(session, dinterotest.Authorized)
	w.wc.Orders.Update(ctx, short.ID, &woocommerce.OrderUpdate{TransactionID: &stx.ID, Status: woocommerce.StatusCompleted})
	w.dc.Transactions.Capture(ctx, stx.ID, &dintero.CaptureRequest{Amount: stx.Amount})
	want[short.ID] = []ordermgmt.FindingKind{ordermgmt.FindingTotalAboveAuthorized}

	// A Swish payment, processing: captured at payment, which is normal.
	o = w.paid(nokOrder(), dinterotest.Captured)
	want[o.ID] = nil

	// Completed while the payment is still on hold at Dintero.
	o = w.paid(nokOrder(), dinterotest.OnHold)
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingCompletedNotCaptured}

	// Completed after the authorization was voided in the Backoffice.
	o = w.paid(nokOrder(), dinterotest.Authorized)
	w.dc.Transactions.Void(ctx, o.TransactionID)
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingCompletedNotCaptured}

	// A capture Dintero refused: the engine notes it and puts the order on
	// hold, with the money still authorized.
	o = w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 400, Times: 1})
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	w.engine.Reconcile(ctx, o.ID)
	want[o.ID] = []ordermgmt.FindingKind{ordermgmt.FindingNeedsAttention}

	// A Swish order the PHP plugin cancelled: refunded with the order id
	// as the reference, no record in the store.
	o = w.paid(nokOrder(), dinterotest.Captured)
	w.dc.Transactions.Refund(ctx, o.TransactionID, &dintero.RefundRequest{Amount: w.tx(o).Amount, RefundReference: ordermgmt.OrderReference(o.ID)})
	w.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	want[o.ID] = nil

	// The order names a transaction Dintero does not have: no plan, since
	// Reconcile cannot act.
	ghost := nokOrder()
	ghost.Status, ghost.TransactionID = woocommerce.StatusProcessing, "T12345678.nosuchtransactionatall0"
	g := w.store.SeedOrder(ghost)
	want[g.ID] = []ordermgmt.FindingKind{ordermgmt.FindingOrderWithoutTransaction}

	entries := auditAll(t, w, ordermgmt.AuditOptions{})
	if e := entries[g.ID]; e != nil && (len(e.Plan) != 0 || e.Blocked == "") {
		t.Errorf("a transaction Dintero does not have: plan %v, blocked %q", e.Plan, e.Blocked)
	}
	for id, k := range want {
		e := entries[id]
		if e == nil {
			t.Errorf("order %d not audited", id)
			continue
		}
		if !slices.Equal(kinds(e), k) {
			t.Errorf("order %d (%s, Dintero %v): %v, want %v: %+v", id, e.Woo.Status, statusOf(e), kinds(e), k, e.Findings)
		}
	}
	var sum ordermgmt.AuditSummary
	for _, e := range entries {
		sum.Add(e)
	}
	// Counted: the captured ones, the short one, the Swish one, the two
	// completed ones, the one on hold and the processing ghost; not the
	// abandoned, cancelled or manual-review ones.
	if n := sum.Totals["NOK"].Orders; n != 8 {
		t.Errorf("%d orders in the totals, want 8", n)
	}
}

func statusOf(e *ordermgmt.AuditEntry) any {
	if e.Dintero == nil {
		return nil
	}
	return e.Dintero.Status
}
