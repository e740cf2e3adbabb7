package ordermgmt_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// settableClock is a store clock the test moves.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settableClock) set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *settableClock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// neverBackCheckpoint is an in-memory ordermgmt.Checkpoint with
// pgstore.Checkpoint's never-back rule.
type neverBackCheckpoint struct {
	mu sync.Mutex
	t  time.Time
	ok bool
}

func (c *neverBackCheckpoint) Load(context.Context) (time.Time, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t, c.ok, nil
}

func (c *neverBackCheckpoint) Save(_ context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ok || t.After(c.t) {
		c.t, c.ok = t, true
	}
	return nil
}

func (c *neverBackCheckpoint) get() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// TestPollerReview_FailedOrderLostAfterRestart (found by review): a
// completed order whose capture keeps failing is retried in memory, and
// the stored watermark must not pass it: a process that restarts an hour
// later, with Dintero back, still captures it.
func TestPollerReview_FailedOrderLostAfterRestart(t *testing.T) {
	clock := &settableClock{t: time.Now().UTC().Truncate(time.Second)}
	store, dt, wc, dc := clockedServers(t, clock)
	ctx := context.Background()

	o := store.SeedOrder(nokOrder())
	session, _ := ordermgmt.SessionOrder(o)
	created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := dt.Pay(ctx, created.ID, dinterotest.Authorized)
	if err != nil {
		t.Fatal(err)
	}
	txid := tx.ID
	if _, _, err := wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{TransactionID: &txid, Status: woocommerce.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	cp := &neverBackCheckpoint{}

	// Replica 1: Dintero fails every read of the transaction.
	dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 500})
	e1, _ := ordermgmt.New(wc, dc, ordermgmt.WithClock(clock.now))
	pctx, stop := context.WithCancel(ctx)
	var failed atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		e1.RunPollerWith(pctx, ordermgmt.PollerConfig{Since: clock.now().Add(-time.Hour), Interval: 20 * time.Millisecond,
			Checkpoint: cp, OnError: func(error) { failed.Add(1) }})
	}()
	// Other orders keep coming (non-Dintero, they only move the watermark).
	for range 5 {
		clock.add(10 * time.Minute)
		store.SeedOrder(wctest.OrderSpec{PaymentMethod: "cod"})
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	<-done
	if failed.Load() == 0 {
		t.Fatal("the capture never failed")
	}
	t.Logf("stored watermark %s, order modified %s", cp.get().Format(time.RFC3339), o.DateModified.UTC().Format(time.RFC3339))

	// Restart: Dintero is back.
	dt.ClearFaults()
	e2, _ := ordermgmt.New(wc, dc, ordermgmt.WithClock(clock.now))
	pctx, stop = context.WithCancel(ctx)
	done = make(chan struct{})
	go func() {
		defer close(done)
		e2.RunPollerWith(pctx, ordermgmt.PollerConfig{Since: clock.now().Add(-time.Hour), Interval: 20 * time.Millisecond, Checkpoint: cp})
	}()
	time.Sleep(300 * time.Millisecond)
	stop()
	<-done
	got, _ := dt.Transaction(txid)
	if got.Status != dintero.StatusCaptured {
		t.Errorf("the completed order %d was never captured after the restart: transaction %s", o.ID, got.Status)
	}
}

// TestPollerReview_WatermarkPastUnreadOrder (found by review): an order
// modified on a page the walk had passed, while a long walk went on, must
// be read by a later poll: the watermark is capped at the walk's start.
func TestPollerReview_WatermarkPastUnreadOrder(t *testing.T) {
	clock := &settableClock{t: time.Now().UTC().Truncate(time.Second)}
	store := wctest.NewServer(wctest.WithClock(clock.now))
	defer store.Close()
	dt := dinterotest.NewServer()
	defer dt.Close()
	fast := time.Millisecond
	ctx := context.Background()

	// The test steps the store's clock when the walk reads its pages.
	var pages atomic.Int32
	var a *woocommerce.Order
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/orders") {
			switch pages.Add(1) {
			case 2: // the walk is on page 2: order A (page 1) is modified now
				time.Sleep(200 * time.Millisecond) // A's reconcile (processing: nothing to do) is over
				clock.add(time.Minute)
				store.SetStatus(a.ID, woocommerce.StatusCompleted)      // the merchant ships it; its webhook is lost
				clock.add(9 * time.Minute)                              // a long walk (a day of backlog)
				store.SeedOrder(wctest.OrderSpec{PaymentMethod: "cod"}) // a new order, seen on the last page
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	wc, _ := store.Client(woocommerce.WithRetry(woocommerce.RetryPolicy{MinWait: fast, MaxWait: 5 * fast}),
		woocommerce.WithHTTPClient(&http.Client{Transport: tr}))
	dc, _ := dt.Client(dintero.WithRetry(dintero.RetryPolicy{MinWait: fast, MaxWait: 5 * fast}))

	a = store.SeedOrder(nokOrder())
	session, _ := ordermgmt.SessionOrder(a)
	created, _, _ := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}}, nil)
	tx, err := dt.Pay(ctx, created.ID, dinterotest.Authorized)
	if err != nil {
		t.Fatal(err)
	}
	txid := tx.ID
	wc.Orders.Update(ctx, a.ID, &woocommerce.OrderUpdate{TransactionID: &txid, Status: woocommerce.StatusProcessing})
	for range 150 { // two more pages of orders after A
		store.SeedOrder(wctest.OrderSpec{PaymentMethod: "cod"})
	}
	clock.add(time.Minute)
	e, _ := ordermgmt.New(wc, dc, ordermgmt.WithClock(clock.now))
	cp := &neverBackCheckpoint{}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.RunPollerWith(pctx, ordermgmt.PollerConfig{Since: clock.now().Add(-5 * time.Minute), Interval: 50 * time.Millisecond, Checkpoint: cp})
	}()
	time.Sleep(500 * time.Millisecond) // several rounds
	stop()
	<-done
	got, _ := dt.Transaction(txid)
	oa, _ := store.Order(a.ID)
	t.Logf("order A modified %s, watermark %s", oa.DateModified.UTC().Format(time.RFC3339), cp.get().Format(time.RFC3339))
	if got.Status != dintero.StatusCaptured {
		t.Errorf("order %d was completed during the walk and never captured by the poller: %s", a.ID, got.Status)
	}
}

// TestPollerReview_LoadErrorSkipsTheBacklog (found by review): after two
// days down, a first checkpoint read that fails must not make the poller
// start from Since (a day back) and skip the rest of the outage.
func TestPollerReview_LoadErrorSkipsTheBacklog(t *testing.T) {
	clock := &settableClock{t: time.Now().UTC().Truncate(time.Second).Add(-48 * time.Hour)}
	store, dt, wc, dc := clockedServers(t, clock)
	ctx := context.Background()
	cp := &flakyLoad{neverBackCheckpoint: &neverBackCheckpoint{t: clock.now(), ok: true}} // stored when the service stopped
	clock.add(time.Hour)
	o := store.SeedOrder(nokOrder()) // during the outage, 47 h ago
	session, _ := ordermgmt.SessionOrder(o)
	created, _, _ := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}}, nil)
	tx, _ := dt.Pay(ctx, created.ID, dinterotest.Authorized)
	txid := tx.ID
	wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{TransactionID: &txid, Status: woocommerce.StatusCompleted})
	clock.set(time.Now().UTC())
	store.SeedOrder(wctest.OrderSpec{PaymentMethod: "cod"})
	e, _ := ordermgmt.New(wc, dc, ordermgmt.WithClock(clock.now))
	for range 2 { // two starts: the second Load works, but the watermark has moved
		pctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.RunPollerWith(pctx, ordermgmt.PollerConfig{Since: clock.now().Add(-24 * time.Hour), Interval: 20 * time.Millisecond, Checkpoint: cp})
		}()
		time.Sleep(200 * time.Millisecond)
		stop()
		<-done
	}
	if got, _ := dt.Transaction(txid); got.Status != dintero.StatusCaptured {
		t.Errorf("order completed during the outage was never polled: %s (watermark now %s)", got.Status, cp.get().Format(time.RFC3339))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// flakyLoad fails its first Load (a failover, a statement timeout), then
// behaves as its inner checkpoint.
type flakyLoad struct {
	*neverBackCheckpoint
	failed atomic.Bool
}

func (f *flakyLoad) Load(ctx context.Context) (time.Time, bool, error) {
	if f.failed.CompareAndSwap(false, true) {
		return time.Time{}, false, context.DeadlineExceeded
	}
	return f.neverBackCheckpoint.Load(ctx)
}

// clockedServers are a store on clock and a Dintero, with clients that
// retry fast; both servers close with the test.
func clockedServers(t *testing.T, clock *settableClock) (*wctest.Server, *dinterotest.Server, *woocommerce.Client, *dintero.Client) {
	t.Helper()
	store := wctest.NewServer(wctest.WithClock(clock.now))
	t.Cleanup(store.Close)
	dt := dinterotest.NewServer()
	t.Cleanup(dt.Close)
	fast := time.Millisecond
	wc, _ := store.Client(woocommerce.WithRetry(woocommerce.RetryPolicy{MinWait: fast, MaxWait: 5 * fast}))
	dc, _ := dt.Client(dintero.WithRetry(dintero.RetryPolicy{MinWait: fast, MaxWait: 5 * fast}))
	return store, dt, wc, dc
}
