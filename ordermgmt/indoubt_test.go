package ordermgmt_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// inFlight returns the order's in-flight records (meta key → value).
func (w *world) inFlight(o *woocommerce.Order) map[string]string {
	out := map[string]string{}
	for _, m := range w.order(o).MetaData {
		if strings.HasPrefix(m.Key, ordermgmt.MetaInFlightPrefix) {
			out[m.Key] = m.StringValue()
		}
	}
	return out
}

// The case, as a new user met it: a "Refund via Dintero" of one
// chair whose context ends while Dintero is still working on it, followed
// at once by the engine's own order.updated webhook. Dintero completes the
// refund after the caller has gone; it must be made once.
func TestRefundCommittedAfterCallerGaveUp(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks)
	o := w.captured()
	chair := o.LineItems[0]
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{LateCommit: true, CommitDelay: 150 * time.Millisecond, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}})
	if err == nil {
		t.Fatal("the refund succeeded although Dintero never answered")
	}
	// The webhooks the refund's own writes caused, and more reconciles
	// while Dintero is still working: they only read.
	bg := context.Background()
	for range 3 {
		res, err := w.engine.Reconcile(bg, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Done {
			if a.Kind == ordermgmt.ActRefund {
				t.Fatalf("refund sent again while in doubt: %v", res.Done)
			}
		}
		if len(res.Waiting) != 1 || res.Waiting[0].Action.Kind != ordermgmt.ActRefund {
			t.Fatalf("waiting: %v", res.Waiting)
		}
	}
	w.store.WaitWebhooks()
	w.dt.WaitLateCommits()
	// Dintero finished: the event is there, the doubt is over, the note
	// is written once.
	res, err := w.engine.Reconcile(bg, o.ID)
	if err != nil || len(res.Waiting) != 0 {
		t.Fatalf("after the late commit: %+v %v", res, err)
	}
	w.pastDoubt()
	w.engine.Reconcile(bg, o.ID)
	tx := w.tx(o)
	recs := w.store.Refunds(o.ID)
	if len(recs) != 1 || countEvents(tx, dintero.EventRefund) != 1 {
		t.Fatalf("%d records, %d refunds at Dintero", len(recs), countEvents(tx, dintero.EventRefund))
	}
	if e := tx.FindEvent(dintero.EventRefund, ordermgmt.RefundReference(o.ID, recs[0].ID)); e == nil || e.Amount != 125000 {
		t.Fatalf("refund event %+v", e)
	}
	if n := w.countNote(o, "The Dintero order has been partially refunded. Refunded amount: 1250.00 NOK."); n != 1 {
		t.Errorf("%d refund notes", n)
	}
}

// The wait is measured from the attempt, recorded before the request; a
// movement Dintero never completed is sent again once it is over.
func TestInDoubtCaptureSentAgainAfterWait(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{LateCommit: true, HoldFor: time.Millisecond, CommitDelay: time.Hour, Times: 1})
	if _, err := w.engine.Capture(ctx, o.ID); !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	recs := w.inFlight(o)
	prefix := ordermgmt.MetaInFlightPrefix + "wc-" + itoa(o.ID) + "-capture@"
	for k := range recs {
		if !strings.HasPrefix(k, prefix) || len(recs) != 1 {
			t.Fatalf("in-flight records %v, want one %s…", recs, prefix)
		}
	}
	if len(recs) != 1 {
		t.Fatalf("in-flight records %v", recs)
	}
	p, err := w.engine.Plan(ctx, o.ID)
	if err != nil || len(p.Actions) != 0 || len(p.Waiting) != 1 {
		t.Fatalf("plan while in doubt: %+v %v", p, err)
	}
	w.clock.advance(ordermgmt.DefaultInDoubtWait - time.Minute)
	if res, _ := w.engine.Reconcile(ctx, o.ID); len(res.Waiting) != 1 || w.dt.Requests(dinterotest.RouteCapture) != 1 {
		t.Fatalf("a minute before the end of the wait: %+v, %d capture requests", res, w.dt.Requests(dinterotest.RouteCapture))
	}
	w.clock.advance(2 * time.Minute)
	res, err := w.engine.Reconcile(ctx, o.ID)
	if err != nil || len(res.Waiting) != 0 || len(res.Done) == 0 || res.Done[0].Kind != ordermgmt.ActCapture {
		t.Fatalf("after the wait: %+v %v", res, err)
	}
	if tx := w.tx(o); countEvents(tx, dintero.EventCapture) != 1 || tx.Status != dintero.StatusCaptured {
		t.Fatalf("captures %d, %s", countEvents(tx, dintero.EventCapture), tx.Status)
	}
}

// A refusal ends the doubt: the next capture goes at once.
func TestRefusalEndsTheDoubt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 400, Times: 1})
	res, err := w.engine.Capture(ctx, o.ID)
	if err != nil || len(res.Refused) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if recs := w.inFlight(o); len(recs) != 0 {
		t.Fatalf("in-flight records after a refusal: %v", recs)
	}
	res, err = w.engine.Capture(ctx, o.ID)
	if err != nil || len(res.Waiting) != 0 || countEvents(w.tx(o), dintero.EventCapture) != 1 {
		t.Fatalf("second capture: %+v %v", res, err)
	}
}

// A rate limit or a refused token is no doubt either: Dintero did nothing.
func TestRateLimitedMovementNotInDoubt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 429, Times: 10})
	if _, err := w.engine.Capture(ctx, o.ID); err == nil {
		t.Fatal("captured through a rate limit")
	}
	if recs := w.inFlight(o); len(recs) != 0 {
		t.Fatalf("in-flight records after 429: %v", recs)
	}
	w.dt.ClearFaults()
	if res, err := w.engine.Reconcile(ctx, o.ID); err != nil || len(res.Waiting) != 0 || countEvents(w.tx(o), dintero.EventCapture) != 1 {
		t.Fatalf("after the rate limit: %+v %v", res, err)
	}
}

// A refund record create whose outcome is unknown blocks further refunds
// on the order until the record shows or the wait ends, so that one
// request never leaves two records; a late record is refunded once.
func TestRefundRecordCreateInDoubt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.store.InjectFault(wctest.RouteCreateRefund, wctest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 100 * time.Millisecond, Times: 1})
	_, err := w.engine.Refund(ctx, o.ID, ordermgmtRefund100())
	var doubt *ordermgmt.InDoubtError
	if !errors.As(err, &doubt) || !errors.Is(err, woocommerce.ErrOutcomeUnknown) || !errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("err = %v", err)
	}
	if !doubt.Until.Equal(doubt.Since.Add(ordermgmt.DefaultInDoubtWait)) {
		t.Errorf("in doubt from %s until %s", doubt.Since, doubt.Until)
	}
	// The caller tries again at once: refused, nothing recorded.
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmtRefund100()); !errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("second refund: %v", err)
	}
	if _, err := w.engine.PreviewRefund(ctx, o.ID, ordermgmtRefund100()); !errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("preview: %v", err)
	}
	w.store.WaitLateCommits()
	if n := len(w.store.Refunds(o.ID)); n != 1 {
		t.Fatalf("records after the late commit: %d", n)
	}
	// The record is an intent; its Dintero half waits (it may have been
	// sent), then goes.
	if res, err := w.engine.Reconcile(ctx, o.ID); err != nil || len(res.Waiting) != 1 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	w.pastDoubt()
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	tx := w.tx(o)
	if countEvents(tx, dintero.EventRefund) != 1 || tx.RefundedAmount() != 10000 {
		t.Fatalf("refunds %d, %d", countEvents(tx, dintero.EventRefund), tx.RefundedAmount())
	}
	// And a new refund is allowed again.
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmtRefund100()); err != nil {
		t.Fatal(err)
	}
	if n := len(w.store.Refunds(o.ID)); n != 2 {
		t.Fatalf("records %d", n)
	}
}

// The poller comes back to an order left waiting once the wait is over:
// nothing else modifies such an order.
func TestPollReconcilesDueOrders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 503, Times: 1})
	w.engine.Capture(ctx, o.ID)
	w.pastDoubt()
	// Polling from now on: the order was modified before, only the due
	// list brings it back.
	res, err := w.engine.Poll(ctx, time.Now().Add(time.Hour), 2)
	if err != nil || res.Checked != 1 || len(res.Failed) != 0 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	if countEvents(w.tx(o), dintero.EventCapture) != 1 {
		t.Fatal("the due order was not captured")
	}
}

// A status set the way the plugin's settings spell it ("wc-completed")
// means the status; "wc-" alone is refused.
func TestStatusPrefixNormalised(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withSettings(ordermgmt.Settings{CaptureStatuses: []woocommerce.Status{"WC-Completed "},
		FailureStatus: "wc-on-hold", ManualReviewStatus: "wc-manual-review"}))
	s := w.engine.Settings()
	if s.CaptureStatuses[0] != woocommerce.StatusCompleted || s.FailureStatus != woocommerce.StatusOnHold || s.ManualReviewStatus != woocommerce.StatusManualReview {
		t.Fatalf("settings %+v", s)
	}
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	if _, err := w.engine.Reconcile(context.Background(), o.ID); err != nil {
		t.Fatal(err)
	}
	if countEvents(w.tx(o), dintero.EventCapture) != 1 {
		t.Fatal("a capture status written wc-completed did not capture")
	}
	for _, bad := range []ordermgmt.Settings{
		{CaptureStatuses: []woocommerce.Status{"wc-"}},
		{FailureStatus: "wc-"},
		{CaptureStatuses: []woocommerce.Status{"wc-completed"}, CancelStatuses: []woocommerce.Status{"completed"}},
		{InDoubtWait: -time.Second},
		{InDoubtWait: 15}, // minutes meant, nanoseconds read
		{InDoubtWait: 30 * time.Second},
	} {
		if _, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithSettings(bad)); err == nil {
			t.Errorf("settings %+v accepted", bad)
		}
	}
}

// With on-hold as both the manual-review and the failure status (the
// plugin allows it), a refused capture stays on hold: only an order that
// waited for Dintero's authorization is promoted.
func TestOnHoldAsManualReviewAndFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withSettings(ordermgmt.Settings{ManualReviewStatus: woocommerce.StatusOnHold}))
	ctx := context.Background()

	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 400, Times: 1})
	if res, err := w.engine.Capture(ctx, o.ID); err != nil || len(res.Refused) != 1 {
		t.Fatalf("capture: %+v %v", res, err)
	}
	for range 2 {
		if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.order(o); got.Status != woocommerce.StatusOnHold {
		t.Fatalf("a refused capture became %s", got.Status)
	}
	if n := w.countNote(o, ordermgmt.NoteAuthorized); n != 0 {
		t.Fatal("a refused capture was reported as authorized")
	}

	// An order Dintero holds does wait, and is promoted when authorized.
	held := w.paid(nokOrder(), dinterotest.OnHold)
	got := w.order(held)
	if m, ok := got.Meta(ordermgmt.MetaAwaitingAuthorization); got.Status != woocommerce.StatusOnHold || !ok || m.StringValue() != got.TransactionID {
		t.Fatalf("held order: %s, awaiting %v", got.Status, ok)
	}
	if _, err := w.dt.ResolveOnHold(ctx, got.TransactionID, true); err != nil {
		t.Fatal(err)
	}
	w.engine.Reconcile(ctx, held.ID)
	got = w.order(held)
	if got.Status != woocommerce.StatusProcessing || w.countNote(held, ordermgmt.NoteAuthorized) != 1 {
		t.Fatalf("after authorization: %s, notes %q", got.Status, w.notes(held))
	}
	if _, ok := got.Meta(ordermgmt.MetaAwaitingAuthorization); ok {
		t.Error("the awaiting meta stayed after the promotion")
	}
}

// Plan says exactly what Reconcile then does, the lazily recorded capture
// note included, at every step of an order's life.
func TestPlanSaysWhatReconcileDoes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	steps := []func(){
		func() {},
		func() { w.store.SetStatus(o.ID, woocommerce.StatusCompleted) },
		func() {}, // right after the capture: the note's key is recorded
		func() {},
		func() { w.store.SetStatus(o.ID, woocommerce.StatusRefunded) },
		func() {},
	}
	sawRecord := false
	for i, step := range steps {
		step()
		p, err := w.engine.Plan(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.engine.Reconcile(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := describe(res.Done), describe(p.Actions); !strings.HasPrefix(got, want) {
			t.Fatalf("step %d: plan %s, reconcile did %s", i, want, got)
		}
		for _, a := range p.Actions {
			sawRecord = sawRecord || a.Kind == ordermgmt.ActRecordNote
		}
	}
	if !sawRecord {
		t.Error("no step planned recording the capture note")
	}
}

func describe(as []ordermgmt.Action) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.String())
		b.WriteString("; ")
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The example on RefundItem: after a partial sum, a unit takes its price,
// and the last unit what is left of the line.
func TestLastUnitsAfterPartialSum(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	chair := o.LineItems[0] // 2 × 1000.00 + 25 % VAT
	steps := []struct {
		item  ordermgmt.RefundItem
		gross int64
		tax   int64
	}{
		{ordermgmt.RefundItem{ItemID: chair.ID, Total: dp("200.00"), Tax: dp("50.00")}, 25000, 5000},
		{ordermgmt.RefundItem{ItemID: chair.ID, Quantity: 1}, 125000, 25000},
		{ordermgmt.RefundItem{ItemID: chair.ID, Quantity: 1}, 100000, 20000},
	}
	for i, s := range steps {
		res, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{s.item}})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if res.Amount != s.gross || len(res.Items) != 1 || res.Items[0].VATAmount != s.tax {
			t.Fatalf("step %d: %d with %+v, want %d (tax %d)", i, res.Amount, res.Items, s.gross, s.tax)
		}
	}
	_, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}})
	if !errors.Is(err, ordermgmt.ErrInvalidRefund) {
		t.Fatalf("a third chair: %v", err)
	}
}

// Reconciling modifies orders (the in-flight record is written before the
// capture): the poller must still see every order once, over several
// pages, and not skip those that moved behind the page it was reading.
func TestPollSeesEveryOrderItModifies(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	var ids []int64
	for range 250 {
		o := w.paid(nokOrder(), dinterotest.Authorized)
		ids = append(ids, o.ID)
	}
	// modified_after has one-second precision: keep the payments out.
	time.Sleep(1100 * time.Millisecond)
	since := time.Now()
	time.Sleep(1100 * time.Millisecond)
	for _, id := range ids {
		w.store.SetStatus(id, woocommerce.StatusCompleted)
	}
	res, err := w.engine.Poll(ctx, since, 16)
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	missed := 0
	for _, id := range ids {
		o, _ := w.store.Order(id)
		if tx, _ := w.dt.Transaction(o.TransactionID); tx.Status != dintero.StatusCaptured {
			missed++
		}
	}
	if missed != 0 || res.Checked != len(ids) {
		t.Fatalf("poll checked %d, %d of %d orders not captured", res.Checked, missed, len(ids))
	}
}

// An in-flight record that cannot be read, or is dated far in the future,
// stops the order's money with an error that says so: never "nothing in
// flight", never a silent wait until next year.
func TestBadInFlightRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, want string }{
		{"garbage", "yesterday", "unreadable in-flight record"},
		{"future", time.Now().Add(365 * 24 * time.Hour).UTC().Format(time.RFC3339), "in the future"},
		{"far future", "2999-01-01T00:00:00Z", "in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			o := w.paid(nokOrder(), dinterotest.Authorized)
			key := ordermgmt.MetaInFlightPrefix + "wc-" + itoa(o.ID) + "-capture@x"
			if _, _, err := w.wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{Status: woocommerce.StatusCompleted,
				MetaData: []woocommerce.Meta{woocommerce.MetaString(key, tc.value)}}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.engine.Reconcile(ctx, o.ID); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if _, err := w.engine.Plan(ctx, o.ID); err == nil {
				t.Fatal("Plan accepted the record")
			}
			if n := w.dt.Requests(dinterotest.RouteCapture); n != 0 {
				t.Fatalf("%d captures sent", n)
			}
		})
	}
}

// Keys under the in-flight prefix that name no movement of the order are
// not dinterowoo's: left alone, they stop nothing.
func TestForeignInFlightKeysIgnored(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	var meta []woocommerce.Meta
	for _, k := range []string{"x", "wc-1-capture@x", "wc-" + itoa(o.ID) + "-capture"} {
		meta = append(meta, woocommerce.MetaString(ordermgmt.MetaInFlightPrefix+k, "soon"))
	}
	if _, _, err := w.wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{MetaData: meta}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(w.tx(o), dintero.EventCapture); n != 1 {
		t.Fatalf("%d captures", n)
	}
}
