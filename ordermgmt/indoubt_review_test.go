package ordermgmt_test

// Regression tests for what two independent reviews of the in-doubt work
// found: late writes, lost due orders, a stale awaiting meta, write loops,
// retries of refunds in doubt.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// refundChairInDoubt refunds one chair while Dintero answers 503: the
// record stays, its refund in doubt.
func (w *world) refundChairInDoubt(o *woocommerce.Order) {
	w.t.Helper()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 50})
	_, err := w.engine.Refund(context.Background(), o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}}})
	if !errors.Is(err, ordermgmt.ErrInDoubt) {
		w.t.Fatalf("refund through a 503: %v", err)
	}
	w.dt.ClearFaults()
	if n := len(w.store.Refunds(o.ID)); n != 1 {
		w.t.Fatalf("%d refund records", n)
	}
}

// A WooCommerce write that lands late, after newer ones, deletes only the
// record of the attempt it was about: a newer attempt of the same refund
// stays in doubt, and the refund is made once.
func TestLateWriteNeverErasesNewerAttempt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.refundChairInDoubt(o)
	w.pastDoubt()

	// Reconcile 1: the attempt is recorded (update 1); Dintero
	// rate-limits it, so the record is deleted (update 2), and WooCommerce
	// commits that deletion late, after the client's retry.
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 429, Times: 50})
	w.store.InjectFault(wctest.RouteUpdateOrder, wctest.Fault{Latency: time.Microsecond, Times: 1})
	w.store.InjectFault(wctest.RouteUpdateOrder, wctest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 300 * time.Millisecond, Times: 1})
	if _, err := w.engine.Reconcile(ctx, o.ID); err == nil {
		t.Fatal("reconcile 1 went through the rate limit")
	}
	w.dt.ClearFaults()

	// Reconcile 2: a new attempt, which Dintero commits late.
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 600 * time.Millisecond, Times: 1})
	if res, _ := w.engine.Reconcile(ctx, o.ID); len(res.Waiting) != 1 {
		t.Fatalf("reconcile 2: %+v", res)
	}
	w.store.WaitLateCommits() // the stale deletion lands
	if len(w.inFlight(o)) == 0 {
		t.Fatal("the late deletion erased the newer attempt's record")
	}
	// Reconcile 3, inside reconcile 2's wait: it waits.
	res, err := w.engine.Reconcile(ctx, o.ID)
	if err != nil || len(res.Waiting) != 1 {
		t.Fatalf("reconcile 3: %+v %v", res, err)
	}
	w.dt.WaitLateCommits()
	if n := countEvents(w.tx(o), dintero.EventRefund); n != 1 {
		t.Fatalf("%d REFUND events for one refund record", n)
	}
}

// A due order whose Reconcile fails once stays due: a poll after its
// retry backoff comes back to it, and the refund WooCommerce shows is
// made; a poll before the backoff leaves it alone.
func TestDueOrderKeptAfterFailedReconcile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.refundChairInDoubt(o)
	w.pastDoubt()
	since := time.Now().Add(time.Hour) // past the order's last change
	w.store.InjectFault(wctest.RouteGetOrder, wctest.Fault{Status: 503, Times: 50})
	if res, _ := w.engine.Poll(ctx, since, 2); len(res.Failed) != 1 {
		t.Fatalf("poll with the store down: %+v", res)
	}
	w.store.ClearFaults()
	if res, err := w.engine.Poll(ctx, since, 2); err != nil || res.Checked != 0 {
		t.Fatalf("poll within the backoff: %+v %v", res, err)
	}
	w.clock.advance(31 * time.Second)
	if res, err := w.engine.Poll(ctx, since, 2); err != nil || res.Checked != 1 {
		t.Fatalf("poll after the backoff: %+v %v", res, err)
	}
	if tx := w.tx(o); tx.RefundedAmount() != 125000 {
		t.Fatalf("refunded %d at Dintero, 1250.00 in WooCommerce", tx.RefundedAmount())
	}
}

// A process that starts afresh knows nothing of the orders its
// predecessor left waiting: RunPoller's first round looks back by the wait
// and finds them.
func TestRestartedPollerFindsOrdersInDoubt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	w.refundChairInDoubt(o)
	w.pastDoubt()
	restarted, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithClock(w.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// since: when the last process stopped polling, after the order's
		// last change.
		restarted.RunPoller(ctx, time.Now().Add(time.Second), time.Hour, time.Second, 2, nil)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for refunded(w, o) != 125000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if tx := w.tx(o); tx.RefundedAmount() != 125000 {
		t.Fatalf("refunded %d after the restart, 1250.00 in WooCommerce", tx.RefundedAmount())
	}
}

// The awaiting meta of an order that left the review status goes: with
// on-hold as review and failure status, a refused capture of an order
// that once waited is not taken for an authorization.
func TestStaleAwaitingMetaNeverPromotes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withSettings(ordermgmt.Settings{ManualReviewStatus: woocommerce.StatusOnHold}))
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.OnHold)
	if _, ok := w.order(o).Meta(ordermgmt.MetaAwaitingAuthorization); !ok {
		t.Fatal("setup: no awaiting meta")
	}
	// The merchant completes the order; Dintero then authorizes it, and
	// its callback reconciles: the capture is refused.
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 400, Times: 1})
	w.dt.ResolveOnHold(ctx, w.order(o).TransactionID, true)
	w.dt.WaitCallbacks()
	w.engine.Reconcile(ctx, o.ID)
	got := w.order(o)
	if got.Status != woocommerce.StatusOnHold || w.countNote(o, ordermgmt.NoteAuthorized) != 0 {
		t.Fatalf("a refused capture became %s; notes %q", got.Status, w.notes(o))
	}
	if _, ok := got.Meta(ordermgmt.MetaAwaitingAuthorization); ok {
		t.Error("the awaiting meta outlived the wait")
	}
}

// With on-hold as the authorized and the review status, an order Dintero
// holds is written once, not at every webhook of its own writes.
func TestNoWriteLoopWhenStatusesCoincide(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks, withSettings(ordermgmt.Settings{AuthorizedStatus: woocommerce.StatusOnHold, ManualReviewStatus: woocommerce.StatusOnHold}))
	o := w.paid(nokOrder(), dinterotest.OnHold)
	time.Sleep(200 * time.Millisecond)
	before := w.store.Requests(wctest.RouteUpdateOrder)
	time.Sleep(300 * time.Millisecond)
	if after := w.store.Requests(wctest.RouteUpdateOrder); after != before {
		t.Fatalf("%d updates in 300 ms of an order nobody touches", after-before)
	}
	got := w.order(o)
	if m, ok := got.Meta(ordermgmt.MetaAwaitingAuthorization); got.Status != woocommerce.StatusOnHold || !ok || m.StringValue() != got.TransactionID {
		t.Fatalf("held order: %s, awaiting %v", got.Status, ok)
	}
	// Authorized: it stays on-hold (the authorized status), with the note
	// once, and the meta gone.
	w.dt.ResolveOnHold(context.Background(), got.TransactionID, true)
	w.dt.WaitCallbacks()
	w.store.WaitWebhooks()
	got = w.order(o)
	if _, ok := got.Meta(ordermgmt.MetaAwaitingAuthorization); ok || got.Status != woocommerce.StatusOnHold || w.countNote(o, ordermgmt.NoteAuthorized) != 1 {
		t.Fatalf("after authorization: %s, awaiting %v, notes %q", got.Status, ok, w.notes(o))
	}
}

// A record create WooCommerce refused ends that doubt at once.
func TestRefusedRecordCreateEndsTheDoubt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.store.InjectFault(wctest.RouteCreateRefund, wctest.Fault{Status: 400, Times: 1})
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmtRefund100()); err == nil || errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("refused create: %v", err)
	}
	if recs := w.inFlight(o); len(recs) != 0 {
		t.Fatalf("in-flight records after a refusal: %v", recs)
	}
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmtRefund100()); err != nil {
		t.Fatalf("the next refund: %v", err)
	}
}

// A caller that takes the error of a Refund in doubt for "nothing
// happened" and tries again is refused until the doubt ends: one chair
// is refunded once.
func TestRefundInDoubtRefusesARetry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	req := ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}}}
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 200 * time.Millisecond, Times: 1})
	_, err := w.engine.Refund(ctx, o.ID, req)
	if !errors.Is(err, ordermgmt.ErrInDoubt) || !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("refund 1: %v", err)
	}
	if _, err := w.engine.Refund(ctx, o.ID, req); !errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("the retry: %v", err)
	}
	if _, err := w.engine.PreviewRefund(ctx, o.ID, req); !errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("the preview: %v", err)
	}
	w.dt.WaitLateCommits()
	w.engine.Reconcile(ctx, o.ID)
	tx := w.tx(o)
	if len(w.store.Refunds(o.ID)) != 1 || countEvents(tx, dintero.EventRefund) != 1 || tx.RefundedAmount() != 125000 {
		t.Fatalf("records %d, refunds %d, refunded %d", len(w.store.Refunds(o.ID)), countEvents(tx, dintero.EventRefund), tx.RefundedAmount())
	}
	// Done: the next refund goes.
	if _, err := w.engine.Refund(ctx, o.ID, req); err != nil {
		t.Fatal(err)
	}
}

// Capture called while its movement is in doubt says so.
func TestCaptureInDoubtIsAnError(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 503, Times: 1})
	_, err := w.engine.Capture(ctx, o.ID)
	var doubt *ordermgmt.InDoubtError
	if !errors.As(err, &doubt) || !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("first: %v", err)
	}
	res, err := w.engine.Capture(ctx, o.ID)
	if !errors.Is(err, ordermgmt.ErrInDoubt) || len(res.Waiting) != 1 {
		t.Fatalf("again: %+v %v", res, err)
	}
	// Reconcile, which webhooks run, does not call it an error.
	if res, err := w.engine.Reconcile(ctx, o.ID); err != nil || len(res.Waiting) != 1 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
}

// The mutation switch the soak's check uses is real: without the wait,
// the late refund is made twice.
func TestWithoutWaitTheLateRefundIsMadeTwice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	noWait, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithClock(w.clock.now), ordermgmt.WithoutInDoubtWait())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o := w.captured()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 200 * time.Millisecond, Times: 1})
	noWait.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}}})
	noWait.Reconcile(ctx, o.ID)
	w.dt.WaitLateCommits()
	if n := countEvents(w.tx(o), dintero.EventRefund); n != 2 {
		t.Fatalf("without the wait: %d REFUND events, want the double the wait prevents", n)
	}
}

func refunded(w *world, o *woocommerce.Order) int64 {
	tx := w.tx(o)
	return tx.RefundedAmount()
}

// A refund Dintero turned away unread (429) is not in doubt: the caller is
// told the record stays, and the next Reconcile makes it at once.
func TestRefundRateLimitedIsNotInDoubt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 429, Times: 20})
	_, err := w.engine.Refund(ctx, o.ID, ordermgmtRefund100())
	if err == nil || errors.Is(err, ordermgmt.ErrInDoubt) {
		t.Fatalf("refund through a rate limit: %v", err)
	}
	w.dt.ClearFaults()
	res, err := w.engine.Reconcile(ctx, o.ID)
	if err != nil || len(res.Waiting) != 0 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	if tx := w.tx(o); countEvents(tx, dintero.EventRefund) != 1 || tx.RefundedAmount() != 10000 {
		t.Fatalf("refunds %d, %d", countEvents(tx, dintero.EventRefund), tx.RefundedAmount())
	}
}

// A void Dintero accepted (202) is done as far as the engine goes: never
// in doubt, never sent again, noted once.
func TestPendingVoidIsNotSentAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.dt.InjectFault(dinterotest.RouteVoid, dinterotest.Fault{Pending: true, Times: 1})
	if _, err := w.engine.Cancel(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		res, err := w.engine.Reconcile(ctx, o.ID)
		if err != nil || len(res.Waiting) != 0 || len(res.Done) != 0 {
			t.Fatalf("reconcile: %+v %v", res, err)
		}
		w.pastDoubt()
	}
	if n := w.dt.Requests(dinterotest.RouteVoid); n != 1 {
		t.Fatalf("%d voids sent", n)
	}
	if n := w.countNote(o, ordermgmt.NoteCanceled); n != 1 {
		t.Fatalf("%d cancel notes", n)
	}
}

// The error of a refund in doubt tells the caller not to repeat it.
func TestInDoubtErrorSaysDoNotRepeat(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.captured()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 1})
	_, err := w.engine.Refund(context.Background(), o.ID, ordermgmtRefund100())
	if err == nil || !strings.Contains(err.Error(), "do not repeat") || strings.Contains(err.Error(), "try again") {
		t.Fatalf("err = %v", err)
	}
}

// memCheckpoint is a Checkpoint in memory that ends the poller after a
// number of saves.
type memCheckpoint struct {
	mu     sync.Mutex
	until  time.Time
	saved  []time.Time
	stopAt int
	stop   context.CancelFunc
}

func (c *memCheckpoint) Load(context.Context) (time.Time, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.until, !c.until.IsZero(), nil
}

func (c *memCheckpoint) Save(_ context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.until = t
	c.saved = append(c.saved, t)
	if len(c.saved) >= c.stopAt {
		c.stop()
	}
	return nil
}

// TestPollerWatermarkIsNotPinned: an order that keeps failing does not
// hold the stored watermark back (it is retried on its own), and a poller
// started again resumes from the stored watermark.
func TestPollerWatermarkIsNotPinned(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stuck := w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(stuck.ID, woocommerce.StatusCompleted)
	w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 503}) // every read of its payment fails
	start := time.Now().Add(-time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cp := &memCheckpoint{stopAt: 1, stop: cancel}
	var errs []error
	w.engine.RunPollerWith(ctx, ordermgmt.PollerConfig{Since: start, Interval: time.Millisecond, Checkpoint: cp,
		OnError: func(err error) { errs = append(errs, err) }})
	if len(cp.saved) != 1 || !cp.saved[0].After(start) {
		t.Fatalf("saved %v, want one watermark after %s", cp.saved, start)
	}
	if len(errs) == 0 {
		t.Error("the failing order was not reported")
	}
	// A new process: it starts from the stored watermark (less the
	// in-doubt wait and the overlap), not from its Since.
	w.dt.ClearFaults()
	restarted, _ := ordermgmt.New(w.wc, w.dc, ordermgmt.WithClock(w.clock.now))
	ctx2, cancel2 := context.WithCancel(context.Background())
	cp.stopAt, cp.stop = 2, cancel2
	restarted.RunPollerWith(ctx2, ordermgmt.PollerConfig{Since: time.Now().Add(time.Hour), Interval: time.Millisecond, Checkpoint: cp})
	if tx := w.tx(stuck); tx.Status != dintero.StatusCaptured {
		t.Errorf("after the restart the stuck order is %s: the stored watermark was not used", tx.Status)
	}
}
