package ordermgmt_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// recordingQueue keeps the jobs it is given; failing makes it refuse them.
type recordingQueue struct {
	mu      sync.Mutex
	jobs    []ordermgmt.Job
	failing bool
}

var errQueueDown = errors.New("queue down")

func (q *recordingQueue) Enqueue(_ context.Context, job ordermgmt.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failing {
		return errQueueDown
	}
	q.jobs = append(q.jobs, job)
	return nil
}

// take returns and forgets the jobs given so far.
func (q *recordingQueue) take() []ordermgmt.Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.jobs
	q.jobs = nil
	return out
}

func (q *recordingQueue) fail(on bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.failing = on
}

func withQueue(q ordermgmt.Queue) func(*worldOption) {
	return func(o *worldOption) { o.queue = q }
}

// paidThrough is world.paid with the engine on q: the payment's callback
// only queues, so the queued jobs are run here, as a worker would.
func (w *world) paidThrough(q *recordingQueue) *woocommerce.Order {
	w.t.Helper()
	o := w.store.SeedOrder(nokOrder())
	w.pay(o, dinterotest.Authorized)
	for _, j := range q.take() {
		if err := w.engine.RunJob(context.Background(), j); err != nil {
			w.t.Fatal(err)
		}
	}
	return w.order(o)
}

// TestWebhookWithAQueueOnlyQueues: a verified delivery becomes the order's
// job and is answered at once; nothing moves until the job runs. A queue
// that refuses still gets a 2xx answer (the webhook must stay on).
func TestWebhookWithAQueueOnlyQueues(t *testing.T) {
	t.Parallel()
	q := &recordingQueue{}
	w := newWorld(t, withQueue(q))
	ctx := context.Background()
	o := w.paidThrough(q)
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	h := webhookHandler(t, w.engine)
	if code := post(h, signedDelivery(t, w, o.ID)); code != http.StatusOK {
		t.Fatalf("delivery answered %d", code)
	}
	jobs := q.take()
	if !slices.Equal(jobs, []ordermgmt.Job{{OrderID: o.ID}}) {
		t.Fatalf("jobs %+v", jobs)
	}
	if n := w.dt.Requests(dinterotest.RouteCapture); n != 0 {
		t.Fatalf("the handler captured (%d requests): it should only queue", n)
	}
	if err := w.engine.RunJob(ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.Status != dintero.StatusCaptured {
		t.Fatalf("after the job: %s", tx.Status)
	}

	q.fail(true)
	if code := post(h, signedDelivery(t, w, o.ID)); code != http.StatusOK {
		t.Errorf("with the queue down, the delivery answered %d: it counts toward disabling the webhook", code)
	}
}

// TestSignedCallbackWithAQueueNeedsNoDintero: a signed callback is queued
// without reading Dintero, so an approval that arrives during an outage
// is kept. A queue that refuses answers 500, for Dintero to try again.
// Unsigned callbacks are read at Dintero first, as without a queue.
func TestSignedCallbackWithAQueueNeedsNoDintero(t *testing.T) {
	t.Parallel()
	q := &recordingQueue{}
	w := newWorld(t, withQueue(q))
	ctx := context.Background()
	o := w.store.SeedOrder(nokOrder())
	tx := w.pay(o, dinterotest.OnHold) // its callback goes to the world's handler
	jobs := q.take()
	if !slices.Equal(jobs, []ordermgmt.Job{{OrderID: o.ID, TransactionID: tx.ID}}) {
		t.Fatalf("the payment's callback queued %+v", jobs)
	}
	if err := w.engine.RunJob(ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	if got := w.order(o); got.TransactionID != tx.ID || got.Status != w.engine.Settings().ManualReviewStatus {
		t.Fatalf("after the job: %s %s", got.TransactionID, got.Status)
	}

	w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: http.StatusServiceUnavailable})
	reads := w.dt.Requests(dinterotest.RouteGetTransaction)
	if _, err := w.dt.ResolveOnHold(ctx, tx.ID, true); err != nil {
		t.Fatal(err)
	}
	recs := w.dt.Callbacks()
	if last := recs[len(recs)-1]; last.Status != http.StatusOK || last.Attempts != 1 {
		t.Fatalf("the approval's callback during the outage: %+v", last)
	}
	if n := w.dt.Requests(dinterotest.RouteGetTransaction); n != reads {
		t.Errorf("the handler read Dintero %d times", n-reads)
	}
	jobs = q.take()
	if len(jobs) != 1 || jobs[0].OrderID != o.ID {
		t.Fatalf("jobs %+v", jobs)
	}
	if err := w.engine.RunJob(ctx, jobs[0]); err == nil {
		t.Fatal("the job succeeded while Dintero was down")
	}
	w.dt.ClearFaults()
	if err := w.engine.RunJob(ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	if got := w.order(o); got.Status != w.engine.Settings().AuthorizedStatus {
		t.Fatalf("after the outage: %s", got.Status)
	}

	call := w.callback
	signed := callbackHandler(t, w.engine, w.dt.AccountID(), callbackURL)
	q.fail(true)
	if code := call(signed, "transaction_id="+tx.ID+"&merchant_reference="+ordermgmt.OrderReference(o.ID), true); code != http.StatusInternalServerError {
		t.Errorf("queue down: %d, want 500", code)
	}
	q.fail(false)
	unsigned := w.engine.UnsignedCallbackHandler()
	reads = w.dt.Requests(dinterotest.RouteGetTransaction)
	// An unsigned query names another order: the transaction's own
	// merchant_reference decides.
	if code := call(unsigned, "transaction_id="+tx.ID+"&merchant_reference=424242", false); code != http.StatusOK {
		t.Errorf("unsigned: %d", code)
	}
	if n := w.dt.Requests(dinterotest.RouteGetTransaction); n != reads+1 {
		t.Errorf("the unsigned callback read the transaction %d times, want once", n-reads)
	}
	if jobs := q.take(); !slices.Equal(jobs, []ordermgmt.Job{{OrderID: o.ID, TransactionID: tx.ID}}) {
		t.Errorf("unsigned callback queued %+v", jobs)
	}
}

// TestRunJobLeavesOtherOrdersAlone: a job naming a transaction that is
// another order's links nothing and moves nothing, and says it is done; a
// job for an order that does not exist says so, for the queue to drop it.
func TestRunJobLeavesOtherOrdersAlone(t *testing.T) {
	t.Parallel()
	q := &recordingQueue{}
	w := newWorld(t, withQueue(q))
	ctx := context.Background()
	a := w.store.SeedOrder(nokOrder())
	b := w.paidThrough(q)
	if err := w.engine.RunJob(ctx, ordermgmt.Job{OrderID: a.ID, TransactionID: w.tx(b).ID}); err != nil {
		t.Errorf("another order's transaction: %v", err)
	}
	if got := w.order(a); got.TransactionID != "" || got.Status != woocommerce.StatusPending {
		t.Errorf("order a: %q %s", got.TransactionID, got.Status)
	}
	for _, id := range []int64{0, -1, 987654} {
		if err := w.engine.RunJob(ctx, ordermgmt.Job{OrderID: id}); !errors.Is(err, ordermgmt.ErrNoOrder) {
			t.Errorf("order %d: %v, want ErrNoOrder", id, err)
		}
	}
}

// TestPollWithAQueueQueues: with a queue, a poll queues the Dintero orders
// changed since, and reconciles none itself; a queue that refuses makes
// the order a failure of the poll (its watermark holds, as it must: the
// change is not safe anywhere yet).
func TestPollWithAQueueQueues(t *testing.T) {
	t.Parallel()
	q := &recordingQueue{}
	w := newWorld(t, withQueue(q))
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	var want []int64
	for range 3 {
		o := w.paidThrough(q)
		w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		want = append(want, o.ID)
	}
	other := nokOrder()
	other.PaymentMethod = "bacs"
	w.store.SeedOrder(other)
	q.take()
	res, err := w.engine.Poll(ctx, start, 2)
	if err != nil || res.Checked != 3 || len(res.Failed) != 0 {
		t.Fatalf("poll %+v %v", res, err)
	}
	var got []int64
	for _, j := range q.take() {
		got = append(got, j.OrderID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
	if n := w.dt.Requests(dinterotest.RouteCapture); n != 0 {
		t.Errorf("the poll captured %d", n)
	}
	q.fail(true)
	if res, _ := w.engine.Poll(ctx, start, 2); len(res.Failed) != 3 {
		t.Errorf("with the queue down: %+v", res)
	}
}

// completedWithLateCapture is an order paid through a queued engine and
// then completed, whose capture Dintero will finish an hour after its
// caller gave up: the capture is left in doubt.
func completedWithLateCapture(t *testing.T) (*world, *recordingQueue, *woocommerce.Order) {
	t.Helper()
	q := &recordingQueue{}
	w := newWorld(t, withQueue(q))
	o := w.paidThrough(q)
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{LateCommit: true, HoldFor: time.Millisecond, CommitDelay: time.Hour, Times: 1})
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	return w, q, o
}

// TestInDoubtSchedulesAJob: a movement left in doubt schedules its order's
// job for the end of the wait, since nothing modifies the order then.
func TestInDoubtSchedulesAJob(t *testing.T) {
	t.Parallel()
	w, q, o := completedWithLateCapture(t)
	ctx := context.Background()
	before := w.clock.now()
	res, _ := w.engine.Reconcile(ctx, o.ID)
	if len(res.Waiting) != 1 {
		t.Fatalf("waiting %+v", res.Waiting)
	}
	jobs := q.take()
	if len(jobs) != 1 || jobs[0].OrderID != o.ID || !jobs[0].At.Equal(res.Waiting[0].Until) || !jobs[0].At.After(before) {
		t.Fatalf("jobs %+v, want one at %s", jobs, res.Waiting[0].Until)
	}
	// At the wait's end that job comes back to the order; the poller does
	// not queue a second visit.
	w.pastDoubt()
	if _, err := w.engine.Poll(ctx, w.clock.now(), 2); err != nil {
		t.Fatal(err)
	}
	if jobs := q.take(); len(jobs) != 0 {
		t.Errorf("the poller queued %+v at the wait's end too", jobs)
	}
}

// TestInDoubtWithTheQueueDownIsPolled: when the job for the wait's end
// cannot be queued, this process's poller comes back to the order then.
func TestInDoubtWithTheQueueDownIsPolled(t *testing.T) {
	t.Parallel()
	w, q, o := completedWithLateCapture(t)
	ctx := context.Background()
	q.take()
	q.fail(true)
	if res, _ := w.engine.Reconcile(ctx, o.ID); len(res.Waiting) != 1 {
		t.Fatalf("waiting %+v", res.Waiting)
	}
	q.fail(false)
	w.pastDoubt()
	if _, err := w.engine.Poll(ctx, w.clock.now(), 2); err != nil {
		t.Fatal(err)
	}
	if jobs := q.take(); len(jobs) != 1 || jobs[0].OrderID != o.ID {
		t.Errorf("jobs %+v, want the order's, from the poller", jobs)
	}
}

// TestQuietStorePollsStopRepeating: after the last change, each round
// reads what the overlap before the newest change holds; the watermark
// follows the clock once the store is quiet, so those orders are listed
// (and queued) for a few rounds, not all night (found by review).
func TestQuietStorePollsStopRepeating(t *testing.T) {
	t.Parallel()
	q := &recordingQueue{}
	w := newWorld(t, withQueue(q))
	var ids []int64
	for range 3 {
		o := w.paidThrough(q)
		w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		ids = append(ids, o.ID)
	}
	q.take()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.engine.RunPollerWith(ctx, ordermgmt.PollerConfig{Since: time.Now().Add(-time.Hour), Interval: 20 * time.Millisecond, Overlap: 5 * time.Minute})
	}()
	// A night passes: a minute of the engine's clock per round.
	for range 60 {
		time.Sleep(20 * time.Millisecond)
		w.clock.advance(time.Minute)
	}
	stop()
	<-done
	per := map[int64]int{}
	for _, j := range q.take() {
		per[j.OrderID]++
	}
	for _, id := range ids {
		if per[id] == 0 || per[id] > 20 {
			t.Errorf("order %d queued %d times in an hour of quiet (at most about 2 × the overlap in rounds)", id, per[id])
		}
	}
}
