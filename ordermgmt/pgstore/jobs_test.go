package pgstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/pgtest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/ordermgmt/pgstore"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
)

var _ ordermgmt.Queue = (&pgstore.Jobs{}).Queue("x")

// shop is one store with its Dintero account, served by an engine on a
// shared Jobs, behind a service's two handlers.
type shop struct {
	name   string
	store  *wctest.Server
	dt     *dinterotest.Server
	wc     *woocommerce.Client
	dc     *dintero.Client
	engine *ordermgmt.Engine
	hooks  *httptest.Server
}

const (
	webhookSecret  = "jobs-webhook-secret"
	callbackSecret = "jobs-callback-secret"
)

// fastJobs is a Jobs that retries within a test's patience.
func fastJobs(t *testing.T, pool *pgxpool.Pool) *pgstore.Jobs {
	t.Helper()
	jobs, err := pgstore.NewJobs(pool, pgstore.JobsConfig{Workers: 8, PollInterval: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return 100 * time.Millisecond }, JobTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// newShop starts a store and a Dintero account, an engine on jobs and a
// locker of the pool, and the handlers; the store's webhook points at them.
func newShop(t *testing.T, name string, pool *pgxpool.Pool, jobs *pgstore.Jobs) *shop {
	t.Helper()
	s := &shop{name: name, store: wctest.NewServer(), dt: dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)))}
	t.Cleanup(s.store.Close)
	t.Cleanup(s.dt.Close)
	s.wc, _ = s.store.Client()
	s.dc, _ = s.dt.Client()
	locker, err := pgstore.NewLocker(pool, pgstore.WithStore(name))
	if err != nil {
		t.Fatal(err)
	}
	if s.engine, err = ordermgmt.New(s.wc, s.dc, ordermgmt.WithLocker(locker), ordermgmt.WithQueue(jobs.Queue(name))); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Handle(name, s.engine); err != nil {
		t.Fatal(err)
	}
	webhooks, err := s.engine.WebhookHandler(webhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/hooks/woocommerce", webhooks)
	s.hooks = httptest.NewServer(mux)
	t.Cleanup(s.hooks.Close)
	pub, _ := url.Parse(s.hooks.URL)
	callbacks, err := s.engine.CallbackHandler(&dintero.CallbackVerifier{Secret: []byte(callbackSecret), AccountID: s.dt.AccountID(), PublicURL: pub})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/hooks/dintero", callbacks)
	if _, _, err := s.wc.Webhooks.Create(context.Background(), &woocommerce.WebhookRequest{Topic: "order.updated",
		DeliveryURL: s.hooks.URL + "/hooks/woocommerce", Secret: webhookSecret}); err != nil {
		t.Fatal(err)
	}
	return s
}

// order seeds a pending order and pays it with outcome; the payment's
// callback goes to the service.
func (s *shop) order(t *testing.T, outcome dinterotest.Outcome) (*woocommerce.Order, *dintero.Transaction) {
	t.Helper()
	callback, _ := ordermgmt.CallbackURL(s.hooks.URL + "/hooks/dintero")
	return paidOrder(t, s.store, s.dt, s.dc, callback, outcome)
}

// paid is an order paid and shown paid: its callback's job has linked it
// and moved it to processing, as a merchant sees it before acting on it.
func (s *shop) paid(t *testing.T) (*woocommerce.Order, *dintero.Transaction) {
	t.Helper()
	o, tx := s.order(t, dinterotest.Authorized)
	eventually(t, s.name+": the payment's callback links the order", func() bool {
		got, _ := s.store.Order(o.ID)
		return got.TransactionID == tx.ID && got.Status == woocommerce.StatusProcessing
	})
	return o, tx
}

// paidOrder seeds a pending order of two chairs and pays it with outcome,
// with the callback URL (none if empty).
func paidOrder(tb testing.TB, store *wctest.Server, dt *dinterotest.Server, dc *dintero.Client, callback string, outcome dinterotest.Outcome) (*woocommerce.Order, *dintero.Transaction) {
	tb.Helper()
	ctx := context.Background()
	o := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
		Lines: []wctest.LineSpec{{Name: "Chair", Quantity: 2, UnitPrice: decimal.RequireFromString("1000"), TaxRate: decimal.NewFromInt(25)}}})
	session, err := ordermgmt.SessionOrder(o)
	if err != nil {
		tb.Fatal(err)
	}
	created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks", CallbackURL: callback}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tx, err := dt.Pay(ctx, created.ID, outcome)
	if err != nil {
		tb.Fatal(err)
	}
	return o, tx
}

// completedOrder is a paid order linked to its transaction and completed
// by the merchant, with no engine having seen it yet.
func completedOrder(tb testing.TB, store *wctest.Server, dt *dinterotest.Server, wc *woocommerce.Client, dc *dintero.Client) (*woocommerce.Order, *dintero.Transaction) {
	tb.Helper()
	o, tx := paidOrder(tb, store, dt, dc, "", dinterotest.Authorized)
	completed := woocommerce.StatusCompleted
	if _, _, err := wc.Orders.Update(context.Background(), o.ID, &woocommerce.OrderUpdate{TransactionID: &tx.ID, Status: completed}); err != nil {
		tb.Fatal(err)
	}
	return o, tx
}

// eventually waits up to 20 seconds for cond; state, if given, says
// what there is instead.
func eventually(t *testing.T, what string, cond func() bool, state ...func() string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			for _, s := range state {
				what += "\n" + s()
			}
			t.Fatalf("never: %s", what)
		}
	}
}

// jobRows lists the jobs, for a failure's message.
func jobRows(t *testing.T, pool *pgxpool.Pool) string {
	rows, err := pool.Query(context.Background(), "SELECT args::text, state::text, attempt, coalesce(errors::text, '') FROM river_job ORDER BY id")
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var args, state, errs string
		var attempt int
		rows.Scan(&args, &state, &attempt, &errs)
		fmt.Fprintf(&b, "\n  %s %s attempt=%d %.300s", args, state, attempt, errs)
	}
	return b.String()
}

func startJobs(t *testing.T, jobs *pgstore.Jobs) {
	t.Helper()
	if err := jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		jobs.Stop(ctx)
	})
}

func migrated(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := newPool(t, pgtest.DSN(t))
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// TestJobsOutlastAnOutage: while Dintero is down, the webhook of an order
// completed in the admin is answered 2xx at once, and the order's job is
// retried until Dintero is back; then the order is captured, once.
func TestJobsOutlastAnOutage(t *testing.T) {
	pool := migrated(t)
	jobs := fastJobs(t, pool)
	s := newShop(t, "shop", pool, jobs)
	startJobs(t, jobs)
	ctx := context.Background()
	o, tx := s.paid(t)

	s.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: http.StatusServiceUnavailable})
	if _, _, err := s.wc.Orders.SetStatus(ctx, o.ID, woocommerce.StatusCompleted); err != nil {
		t.Fatal(err)
	}
	s.store.WaitWebhooks()
	for _, d := range s.store.Deliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("delivery answered %d during the outage", d.Status)
		}
	}
	eventually(t, "the job is retried", func() bool { return jobAttempts(t, pool, o.ID) >= 3 })
	if got, _ := s.dt.Transaction(tx.ID); got.Status != dintero.StatusAuthorized {
		t.Fatalf("moved during the outage: %s", got.Status)
	}
	s.dt.ClearFaults()
	eventually(t, "captured after the outage", func() bool {
		got, _ := s.dt.Transaction(tx.ID)
		return got.Status == dintero.StatusCaptured
	})
	got, _ := s.dt.Transaction(tx.ID)
	captures := 0
	for _, e := range got.Events {
		if e.Event == dintero.EventCapture && e.Success {
			captures++
		}
	}
	if captures != 1 {
		t.Errorf("%d captures", captures)
	}
}

// TestJobsKeepACallbackThroughAnOutage: an ON_HOLD payment approved while
// Dintero's API is down. The signed callback is answered 200 at once (so
// Dintero's few retries are not spent) and its job brings the order out
// of manual review once the API is back.
func TestJobsKeepACallbackThroughAnOutage(t *testing.T) {
	pool := migrated(t)
	jobs := fastJobs(t, pool)
	s := newShop(t, "shop", pool, jobs)
	startJobs(t, jobs)
	ctx := context.Background()
	o, tx := s.order(t, dinterotest.OnHold)
	review := s.engine.Settings().ManualReviewStatus
	eventually(t, "the order waits in manual review", func() bool {
		got, _ := s.store.Order(o.ID)
		return got.TransactionID == tx.ID && got.Status == review
	})

	s.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: http.StatusServiceUnavailable})
	if _, err := s.dt.ResolveOnHold(ctx, tx.ID, true); err != nil {
		t.Fatal(err)
	}
	recs := s.dt.Callbacks()
	last := recs[len(recs)-1]
	if last.Status != http.StatusOK || last.Attempts != 1 {
		t.Fatalf("the approval's callback: %+v", last)
	}
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	if got, _ := s.store.Order(o.ID); got.Status != review {
		t.Fatalf("the order moved while Dintero was down: %s", got.Status)
	}
	s.dt.ClearFaults()
	eventually(t, "the order leaves manual review", func() bool {
		got, _ := s.store.Order(o.ID)
		return got.Status == s.engine.Settings().AuthorizedStatus
	})
}

// TestJobsAreOnePerOrderAndFollowARun: jobs asked for an order while one
// waits are that one; a job asked for while the order's job runs is kept
// and runs after it, so a change made during a run is not lost.
func TestJobsAreOnePerOrderAndFollowARun(t *testing.T) {
	pool := migrated(t)
	jobs := fastJobs(t, pool)
	s := newShop(t, "shop", pool, jobs)
	ctx := context.Background()
	q := jobs.Queue("shop")
	for range 20 {
		if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: 4711}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: 4711, At: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n := jobCount(t, pool, 4711, "available"); n != 1 {
		t.Errorf("%d jobs waiting for order 4711, want 1", n)
	}
	if n := jobCount(t, pool, 4711, "scheduled"); n != 1 {
		t.Errorf("%d jobs scheduled for order 4711, want 1 (apart from the one for now)", n)
	}

	// An order whose job runs and waits: another replica holds its lock.
	o, tx := s.order(t, dinterotest.Authorized)
	rival, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop"))
	_, unlock, err := rival.Lock(ctx, "order:"+ordermgmt.OrderReference(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	startJobs(t, jobs)
	eventually(t, "the callback's job runs", func() bool { return jobCount(t, pool, o.ID, "running") == 1 })
	// The merchant completes the order while the job waits on the lock,
	// but the link is not written yet, so that job cannot capture: the
	// webhook's job must run after it.
	if err := s.store.SetStatus(o.ID, woocommerce.StatusCompleted); err != nil {
		t.Fatal(err)
	}
	s.store.WaitWebhooks()
	// The webhook's job waits, or runs and waits on the lock too.
	if n := jobCount(t, pool, o.ID, "available") + jobCount(t, pool, o.ID, "running"); n != 2 {
		t.Errorf("%d jobs running or waiting, want 2: the webhook's behind the callback's\n%s", n, jobRows(t, pool))
	}
	unlock()
	eventually(t, "captured", func() bool {
		got, _ := s.dt.Transaction(tx.ID)
		return got.Status == dintero.StatusCaptured
	}, func() string { return jobRows(t, pool) })
}

// TestJobsServeTwoStores: one database and one Jobs for two stores whose
// order ids are the same; each order is captured on its own account.
func TestJobsServeTwoStores(t *testing.T) {
	pool := migrated(t)
	jobs := fastJobs(t, pool)
	a, b := newShop(t, "shop-a", pool, jobs), newShop(t, "shop-b", pool, jobs)
	startJobs(t, jobs)
	oa, txa := a.paid(t)
	ob, txb := b.paid(t)
	if oa.ID != ob.ID {
		t.Fatalf("the stores' first orders are %d and %d: the test wants the same id", oa.ID, ob.ID)
	}
	if err := a.store.SetStatus(oa.ID, woocommerce.StatusCompleted); err != nil {
		t.Fatal(err)
	}
	if err := b.store.SetStatus(ob.ID, woocommerce.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	eventually(t, "each store's order moved at its own account", func() bool {
		ga, _ := a.dt.Transaction(txa.ID)
		gb, _ := b.dt.Transaction(txb.ID)
		return ga.Status == dintero.StatusCaptured && gb.Status == dintero.StatusAuthorizationVoided
	}, func() string {
		ga, _ := a.dt.Transaction(txa.ID)
		gb, _ := b.dt.Transaction(txb.ID)
		return fmt.Sprintf("%s: %s; %s: %s; jobs: %s", a.name, ga.Status, b.name, gb.Status, jobRows(t, pool))
	})
	var stores []string
	rows, err := pool.Query(context.Background(), "SELECT DISTINCT args->>'store' FROM river_job WHERE kind = $1 ORDER BY 1", pgstore.JobKind)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		stores = append(stores, s)
	}
	if len(stores) != 2 || stores[0] != "shop-a" || stores[1] != "shop-b" {
		t.Errorf("jobs name the stores %v", stores)
	}
}

// TestPollerFeedsJobsAndMovesOn: with a queue, the poller only makes sure
// each changed order has a job; an order whose job keeps failing is the
// job's affair, and the stored watermark moves past it.
func TestPollerFeedsJobsAndMovesOn(t *testing.T) {
	pool := migrated(t)
	jobs, err := pgstore.NewJobs(pool, pgstore.JobsConfig{Workers: 4, PollInterval: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return 100 * time.Millisecond }, JobTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := newShop(t, "shop", pool, jobs)
	startJobs(t, jobs)
	ctx := context.Background()
	stuck, _ := s.paid(t)
	fine, fineTx := s.paid(t)
	// The stuck order's lock is held elsewhere for the whole test: its
	// job times out every time.
	holder, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop"))
	_, unlock, err := holder.Lock(ctx, "order:"+ordermgmt.OrderReference(stuck.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	// No webhooks this time: the poller alone finds the orders.
	hooks, _, _ := s.wc.Webhooks.List(ctx, nil)
	for _, h := range hooks {
		s.wc.Webhooks.Delete(ctx, h.ID)
	}
	s.store.SetStatus(stuck.ID, woocommerce.StatusCompleted)
	s.store.SetStatus(fine.ID, woocommerce.StatusCompleted)
	started := time.Now()
	cp, _ := pgstore.NewCheckpoint(pool, "shop")
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.engine.RunPollerWith(pctx, ordermgmt.PollerConfig{Since: started.Add(-time.Hour), Interval: 100 * time.Millisecond,
		Overlap: time.Second, Checkpoint: cp})
	eventually(t, "the fine order is captured", func() bool {
		got, _ := s.dt.Transaction(fineTx.ID)
		return got.Status == dintero.StatusCaptured
	})
	eventually(t, "the stuck order's job is retried", func() bool { return jobAttempts(t, pool, stuck.ID) >= 2 })
	eventually(t, "the stored watermark passes the stuck order", func() bool {
		until, ok, err := cp.Load(ctx)
		return err == nil && ok && !until.Before(started.Add(-2*time.Second))
	})
}

// jobCount counts the order's jobs in a state.
func jobCount(t *testing.T, pool *pgxpool.Pool, orderID int64, state string) int {
	t.Helper()
	return countJobs(t, pool, orderID, "kind = '"+pgstore.JobKind+"' AND state = '"+state+"'")
}

// jobAttempts is the most attempts any of the order's jobs has made.
func jobAttempts(t *testing.T, pool *pgxpool.Pool, orderID int64) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT coalesce(max(attempt), 0) FROM river_job WHERE kind = $1 AND (args->>'order_id')::bigint = $2",
		pgstore.JobKind, orderID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJobsStopGracefully: when the context Start was given ends (the
// service's SIGTERM), a capture under way finishes, note included, instead
// of being cancelled halfway and left in doubt (found by review).
func TestJobsStopGracefully(t *testing.T) {
	pool := migrated(t)
	jobs := fastJobs(t, pool)
	s := newShop(t, "shop", pool, jobs)
	ctx, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	if err := jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	o, tx := s.paid(t)
	s.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Latency: time.Second, Times: 1})
	if err := s.store.SetStatus(o.ID, woocommerce.StatusCompleted); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the capture is under way", func() bool { return s.dt.Requests(dinterotest.RouteCapture) == 1 })
	shutdown() // SIGTERM
	stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := jobs.Stop(stop); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.dt.Transaction(tx.ID); got.Status != dintero.StatusCaptured {
		t.Fatalf("after the stop: %s", got.Status)
	}
	noted := false
	for _, n := range s.store.Notes(o.ID) {
		noted = noted || strings.HasPrefix(n.Note, "The Dintero order has been captured.")
	}
	if !noted {
		t.Error("the capture under way at shutdown has no note: it was cut short")
	}
}

// TestFailingOrderHasOneRetryChain: an order whose job keeps failing has
// one job retrying, however often it changes; a change brings the retry
// forward rather than starting another chain (found by review).
func TestFailingOrderHasOneRetryChain(t *testing.T) {
	pool, jobs, o := failingOrder(t)
	q := jobs.Queue("shop")
	ctx := context.Background()
	if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: o.ID}); err != nil {
		t.Fatal(err)
	}
	// The order's own jobs, not the payment callback's (which names the
	// transaction, and may be failing too on a loaded machine).
	retryable := func() int { return countJobs(t, pool, o.ID, "args->>'transaction_id' IS NULL AND state = 'retryable'") }
	attempts := func() int {
		var n int
		if err := pool.QueryRow(ctx, "SELECT coalesce(max(attempt), 0) FROM river_job WHERE (args->>'order_id')::bigint = $1 AND args->>'transaction_id' IS NULL", o.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	eventually(t, "the job fails and waits an hour for its retry", func() bool { return retryable() == 1 })
	for range 3 {
		before := attempts()
		if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: o.ID}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the change runs the retry now", func() bool {
			return attempts() > before && retryable() == 1
		}, func() string { return jobRows(t, pool) })
	}
	if chains := countJobs(t, pool, o.ID, "args->>'transaction_id' IS NULL AND state <> 'completed'"); chains != 1 {
		t.Errorf("%d retry chains, want 1\n%s", chains, jobRows(t, pool))
	}
}

// failingOrder is a paid order whose jobs fail from now on (Dintero
// cannot be read), in a shop whose failed jobs wait an hour to retry.
func failingOrder(t *testing.T) (*pgxpool.Pool, *pgstore.Jobs, *woocommerce.Order) {
	t.Helper()
	pool := migrated(t)
	jobs, err := pgstore.NewJobs(pool, pgstore.JobsConfig{Workers: 4, PollInterval: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return time.Hour }, JobTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := newShop(t, "shop", pool, jobs)
	startJobs(t, jobs)
	o, _ := s.paid(t)
	s.settled(t, pool, o.ID)
	s.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: http.StatusServiceUnavailable})
	return pool, jobs, o
}

// settled waits until the store has sent its webhooks and no job of the
// order is waiting or running: what paying an order set off is over.
func (s *shop) settled(t *testing.T, pool *pgxpool.Pool, orderID int64) {
	t.Helper()
	s.store.WaitWebhooks()
	eventually(t, "the order's jobs are done", func() bool {
		return countJobs(t, pool, orderID, "kind = '"+pgstore.JobKind+"' AND state NOT IN ('completed', 'cancelled', 'discarded')") == 0
	}, func() string { return jobRows(t, pool) })
}

// countJobs counts the order's jobs that meet where, SQL over river_job
// (written by the tests alone).
func countJobs(t *testing.T, pool *pgxpool.Pool, orderID int64, where string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM river_job WHERE (args->>'order_id')::bigint = $1 AND "+where, orderID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// holdOrderLock takes the order's lock as another holder would, so that
// its jobs run and wait; the returned func lets it go.
func holdOrderLock(t *testing.T, pool *pgxpool.Pool, orderID int64) func() {
	t.Helper()
	holder, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop"))
	_, unlock, err := holder.Lock(context.Background(), "order:"+strconv.FormatInt(orderID, 10))
	if err != nil {
		t.Fatal(err)
	}
	return unlock
}

// TestChangeDuringAFailingRunLeavesOneRetryChain: a change that comes
// while the order's job runs gets a job of its own, behind it (the next
// round); when both fail, the order is left with one retry chain, not two.
// CI found two, from a webhook that came late under load.
func TestChangeDuringAFailingRunLeavesOneRetryChain(t *testing.T) {
	pool, jobs, o := failingOrder(t)
	ctx := context.Background()
	orderJobs := func(state string) int {
		return countJobs(t, pool, o.ID, "args->>'transaction_id' IS NULL AND state = '"+state+"'")
	}
	// The order's jobs run and wait: another holder has its lock.
	unlock := holdOrderLock(t, pool, o.ID)
	q := jobs.Queue("shop")
	for want := 1; want <= 2; want++ {
		if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: o.ID}); err != nil {
			t.Fatal(err)
		}
		eventually(t, fmt.Sprintf("%d of the order's jobs running", want), func() bool { return orderJobs("running") == want },
			func() string { return jobRows(t, pool) })
	}
	unlock()
	eventually(t, "both fail; one waits for its retry, the other gives way to it", func() bool {
		return orderJobs("retryable") == 1 && orderJobs("cancelled") == 1 && orderJobs("running") == 0
	}, func() string { return jobRows(t, pool) })
}

// TestFailingJobKeepsItsRetryBeforeALaterSibling: a failing job gives way
// only to a sibling due no later than its own retry; one due hours later
// (the next round of an in-doubt wait) would delay the work (found by
// review).
func TestFailingJobKeepsItsRetryBeforeALaterSibling(t *testing.T) {
	pool, jobs, o := failingOrder(t) // failed jobs retry after an hour
	ctx := context.Background()
	dueJobs := func(state string) int {
		return countJobs(t, pool, o.ID, "(args->>'due')::boolean AND state = '"+state+"'")
	}
	unlock := holdOrderLock(t, pool, o.ID)
	q := jobs.Queue("shop")
	if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: o.ID, At: time.Now().Add(100 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the due job runs (and waits for the lock)", func() bool { return dueJobs("running") == 1 },
		func() string { return jobRows(t, pool) })
	// While it runs, the next wait's end is queued: three hours on.
	if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: o.ID, At: time.Now().Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	unlock()
	eventually(t, "the failed job keeps its own retry (an hour), the later one stays", func() bool {
		return dueJobs("retryable") == 1 && dueJobs("scheduled") == 1 && dueJobs("cancelled") == 0
	}, func() string { return jobRows(t, pool) })
}

// TestJobsBeyondTheRounds: when every round of an order's jobs counts as
// running (a replica took them all and died, and River rescues them only
// minutes later), a change still gets a job, at most one a minute (found
// by the replica soak under load).
func TestJobsBeyondTheRounds(t *testing.T) {
	pool := migrated(t)
	jobs := fastJobs(t, pool)
	newShop(t, "shop", pool, jobs)
	startJobs(t, jobs)
	ctx := context.Background()
	// Jobs of order 4242 run and wait: another holder has its lock.
	defer holdOrderLock(t, pool, 4242)()
	q := jobs.Queue("shop")
	for want := 1; want <= 4; want++ {
		if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: 4242}); err != nil {
			t.Fatal(err)
		}
		eventually(t, fmt.Sprintf("%d jobs running", want), func() bool { return jobCount(t, pool, 4242, "running") == want },
			func() string { return jobRows(t, pool) })
	}
	// A fifth within the minute is the fourth.
	if err := q.Enqueue(ctx, ordermgmt.Job{OrderID: 4242}); err != nil {
		t.Fatal(err)
	}
	if n := countJobs(t, pool, 4242, "true"); n != 4 {
		t.Errorf("%d jobs, want 4\n%s", n, jobRows(t, pool))
	}
}
