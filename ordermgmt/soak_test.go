package ordermgmt_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/soakreport"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

var (
	soakOrders  = flag.Int("soak.orders", 1000, "orders the soak test drives (100000 for a long run)")
	soakSeed    = flag.Uint64("soak.seed", 0, "seed of the soak test's random source (0: a new one, printed)")
	soakRate    = flag.Float64("soak.faults", 0.10, "share of requests that get a fault in the soak test")
	soakWorkers = flag.Int("soak.workers", 16, "orders driven at once in the soak test")
	soakWait    = flag.Duration("soak.wait", 300*time.Millisecond, "the engine's InDoubtWait in the soak test; late commits land within 80 % of it")
	soakNoWait  = flag.Bool("soak.nowait", false, "mutation check: turn the in-doubt wait off (the soak must then report double movements)")
)

// soak is the world of the soak test: both servers answering with faults
// at a rate, webhooks duplicated and delayed on their way, and an engine
// that crashes (its context cancelled between two steps) and restarts.
type soak struct {
	t      *testing.T
	store  *wctest.Server
	dt     *dinterotest.Server
	hooks  *httptest.Server
	locker ordermgmt.Locker // shared across restarts, as replicas share one
	engine atomic.Pointer[ordermgmt.Engine]

	faults, crashes, cancels, late, operations, duplicates atomic.Int64

	mu  sync.Mutex
	rng *rand.Rand
	// roundAtSubtotal: the store uses WooCommerce's "round tax at
	// subtotal" setting instead of its per-line default.
	roundAtSubtotal bool
	refunds         map[int64][]*ordermgmt.RefundResult // successful Refund calls per order
	txOf            map[int64]string
	faultsOn        atomic.Bool
	polledBy        *ordermgmt.Engine // the process the poller last ran on

	callbackURL string
}

func (s *soak) rand(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.IntN(n)
}

func (s *soak) chance(p float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

// newEngine is a process start: fresh clients and engine, same servers and
// lock.
func (s *soak) newEngine() *ordermgmt.Engine {
	fast := woocommerce.RetryPolicy{MinWait: time.Millisecond, MaxWait: 4 * time.Millisecond, RetryAfterCap: 3 * time.Millisecond}
	wc, err := s.store.Client(woocommerce.WithRetry(fast), woocommerce.WithHTTPClient(&http.Client{Transport: crashTransport{}}))
	if err != nil {
		s.t.Fatal(err)
	}
	dc, err := s.dt.Client(dintero.WithRetry(dintero.RetryPolicy(fast)), dintero.WithHTTPClient(&http.Client{Transport: crashTransport{}}))
	if err != nil {
		s.t.Fatal(err)
	}
	opts := []ordermgmt.Option{ordermgmt.WithLocker(s.locker), ordermgmt.WithShortInDoubtWait(*soakWait)}
	if *soakNoWait {
		opts = append(opts, ordermgmt.WithoutInDoubtWait())
	}
	e, err := ordermgmt.New(wc, dc, opts...)
	if err != nil {
		s.t.Fatal(err)
	}
	return e
}

// crashPoint cancels an operation's context when its n-th request is about
// to leave: the process "dies" between two steps.
type crashPoint struct {
	left   atomic.Int64
	cancel context.CancelFunc
}

type crashKey struct{}

type crashTransport struct{}

func (crashTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if cp, ok := r.Context().Value(crashKey{}).(*crashPoint); ok && cp.left.Add(-1) < 0 {
		cp.cancel()
		return nil, context.Canceled
	}
	return http.DefaultTransport.RoundTrip(r)
}

// op runs one operation, sometimes crashing it (between two requests) or
// cancelling its context at a random moment, a request perhaps in flight
// (a shutdown), and then restarting the engine.
func (s *soak) op(f func(ctx context.Context, e *ordermgmt.Engine) error) error {
	s.operations.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	crash := s.faultsOn.Load() && s.chance(*soakRate)
	shutdown := !crash && s.faultsOn.Load() && s.chance(*soakRate/2)
	switch {
	case crash:
		cctx, ccancel := context.WithCancel(ctx)
		cp := &crashPoint{cancel: ccancel}
		cp.left.Store(int64(s.rand(8)))
		ctx = context.WithValue(cctx, crashKey{}, cp)
	case shutdown:
		cctx, ccancel := context.WithCancel(ctx)
		t := time.AfterFunc(time.Duration(s.rand(8000))*time.Microsecond, ccancel)
		defer t.Stop()
		ctx = cctx
	}
	err := f(ctx, s.engine.Load())
	if (crash || shutdown) && ctx.Err() != nil {
		if crash {
			s.crashes.Add(1)
		} else {
			s.cancels.Add(1)
		}
		s.engine.Store(s.newEngine()) // restart
	}
	return err
}

// lateDelay is how long after the client has gone a late commit lands:
// within the engine's wait, as the wait assumes of Dintero.
func (s *soak) lateDelay() time.Duration {
	return time.Duration(s.rand(int(*soakWait*8/10/time.Millisecond)+1)) * time.Millisecond
}

// dinteroFault draws a fault for a Dintero route.
func (s *soak) dinteroFault(r dinterotest.Route) *dinterotest.Fault {
	if !s.faultsOn.Load() || !s.chance(*soakRate) {
		return nil
	}
	s.faults.Add(1)
	money := r == dinterotest.RouteCapture || r == dinterotest.RouteRefund || r == dinterotest.RouteVoid
	switch k := s.rand(8); {
	case k == 6 && r != dinterotest.RouteToken, k == 5 && money:
		// Late commits are what the wait is for: money routes get twice
		// their share.
		s.late.Add(1)
		return &dinterotest.Fault{LateCommit: true, HoldFor: time.Duration(1+s.rand(10)) * time.Millisecond, CommitDelay: s.lateDelay()}
	case k == 7 && money:
		s.late.Add(1)
		return &dinterotest.Fault{DropAfterCommit: true, VisibleAfter: s.lateDelay()}
	case k == 0:
		return &dinterotest.Fault{Status: 503}
	case k == 1:
		return &dinterotest.Fault{Status: 429, RetryAfter: time.Second}
	case k == 2:
		return &dinterotest.Fault{Latency: time.Duration(1+s.rand(5)) * time.Millisecond}
	case k == 3 && money:
		return &dinterotest.Fault{Pending: true, CompleteAfter: time.Duration(1+s.rand(20)) * time.Millisecond}
	case k == 4 && r != dinterotest.RouteToken:
		return &dinterotest.Fault{DropAfterCommit: true}
	default:
		return &dinterotest.Fault{Status: 500}
	}
}

// storeFault draws a fault for a WooCommerce route.
func (s *soak) storeFault(wctest.Route) *wctest.Fault {
	if !s.faultsOn.Load() || !s.chance(*soakRate) {
		return nil
	}
	s.faults.Add(1)
	switch s.rand(6) {
	case 5:
		s.late.Add(1)
		return &wctest.Fault{LateCommit: true, HoldFor: time.Duration(1+s.rand(10)) * time.Millisecond, CommitDelay: s.lateDelay()}
	case 0:
		return &wctest.Fault{Status: 503}
	case 1:
		return &wctest.Fault{Status: 429, RetryAfter: time.Second}
	case 2:
		return &wctest.Fault{Latency: time.Duration(1+s.rand(5)) * time.Millisecond}
	case 3:
		return &wctest.Fault{DropAfterCommit: true}
	default:
		return &wctest.Fault{Status: 502}
	}
}

// webhook passes deliveries to the current engine, and sometimes sends one
// again later: duplicated, delayed, reordered.
func (s *soak) webhook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := r.Header.Clone()
	replay := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/woocommerce", bytes.NewReader(body))
		req.Header = h.Clone()
		return req
	}
	if s.faultsOn.Load() && s.chance(*soakRate) {
		s.duplicates.Add(1)
		delay := time.Duration(s.rand(30)) * time.Millisecond
		go func() {
			time.Sleep(delay)
			webhookHandler(s.t, s.engine.Load()).ServeHTTP(httptest.NewRecorder(), replay())
		}()
	}
	webhookHandler(s.t, s.engine.Load()).ServeHTTP(w, replay())
}

func (s *soak) callback(w http.ResponseWriter, r *http.Request) {
	callbackHandler(s.t, s.engine.Load(), s.dt.AccountID(), s.hooks.URL).ServeHTTP(w, r)
}

func TestSoak(t *testing.T) {
	seed := *soakSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("soak seed %d (replay: go test ./ordermgmt -run TestSoak -soak.seed=%d)", seed, seed)
	s := &soak{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), locker: &ordermgmt.MemoryLocker{},
		refunds: map[int64][]*ordermgmt.RefundResult{}, txOf: map[int64]string{}}
	// WooCommerce rounds tax per line by default; a third of the runs use
	// its "round at subtotal" setting, where totals can differ by a cent.
	var storeOpts []wctest.Option
	if s.roundAtSubtotal = s.rng.IntN(3) == 0; s.roundAtSubtotal {
		storeOpts = append(storeOpts, wctest.WithTaxRoundAtSubtotal())
	}
	s.store = wctest.NewServer(storeOpts...)
	s.dt = dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)), dinterotest.WithCallbackAttempts(8))
	mux := http.NewServeMux()
	mux.HandleFunc("/woocommerce", s.webhook)
	mux.HandleFunc("/dintero/callback", s.callback)
	s.hooks = httptest.NewServer(mux)
	var err error
	if s.callbackURL, err = ordermgmt.CallbackURL(s.hooks.URL + "/dintero/callback"); err != nil {
		t.Fatal(err)
	}
	defer func() { s.store.Close(); s.dt.Close(); s.hooks.Close() }()
	s.engine.Store(s.newEngine())
	s.dt.SetFaultFunc(s.dinteroFault)
	s.store.SetFaultFunc(s.storeFault)
	wc, _ := s.store.Client()
	if _, _, err := wc.Webhooks.Create(context.Background(), &woocommerce.WebhookRequest{Topic: "order.updated",
		DeliveryURL: s.hooks.URL + "/woocommerce", Secret: webhookSecret}); err != nil {
		t.Fatal(err)
	}
	s.faultsOn.Store(true)

	// The poller runs beside the traffic, as in production: its watermark
	// moves on as RunPoller's does, and a restarted process looks back by
	// the wait (the orders a dead process left waiting are known to it
	// only).
	pollCtx, stopPoll := context.WithCancel(context.Background())
	polled := make(chan struct{})
	since := time.Now().Add(-time.Minute)
	go func() {
		defer close(polled)
		for pollCtx.Err() == nil {
			since = s.poll(pollCtx, since)
			time.Sleep(50 * time.Millisecond)
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	for range *soakWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				s.life(rand.New(rand.NewPCG(seed, uint64(i))))
			}
		}()
	}
	for i := range *soakOrders {
		work <- i
	}
	close(work)
	wg.Wait()
	stopPoll()
	<-polled

	// Settle: no more faults; what the servers hold lands, the in-doubt
	// waits end, and what Dintero accepted completes. Then the poller
	// alone must bring every order to rest: an order it leaves behind
	// (its plan not empty) is a violation, since in production nothing
	// else would come back to it.
	s.faultsOn.Store(false)
	s.dt.WaitLateCommits()
	s.store.WaitLateCommits()
	s.dt.CompletePending()
	s.dt.WaitCallbacks()
	s.store.WaitWebhooks()
	time.Sleep(*soakWait + 50*time.Millisecond)
	ctx := context.Background()
	for range 4 {
		since = s.poll(ctx, since)
		s.dt.WaitCallbacks()
		s.store.WaitWebhooks()
	}
	behind := s.leftBehind()

	// Then every order is reconciled by a fresh process, for the money
	// invariants.
	s.engine.Store(s.newEngine())
	for round := range 3 {
		s.dt.CompletePending()
		s.dt.WaitCallbacks()
		s.store.WaitWebhooks()
		for id, txID := range s.txOf {
			if _, err := s.engine.Load().ReconcileTransaction(ctx, id, txID); err != nil && round == 2 {
				t.Errorf("order %d does not settle: %v", id, err)
			}
		}
	}
	s.store.WaitWebhooks()
	s.dt.WaitCallbacks()
	// Both servers, and the handlers their webhooks and callbacks start,
	// must have stopped before the books are read.
	quietCtx, quietDone := context.WithTimeout(context.Background(), time.Minute)
	if err := wctest.WaitQuiet(quietCtx, 50*time.Millisecond, s.store, s.dt); err != nil {
		t.Errorf("the servers never went quiet: %v", err)
	}
	quietDone()

	violations := append(behind, s.check()...)
	soakreport.Line("soak: orders=%d tax_round_at_subtotal=%t operations=%d faults=%d late_commits=%d crashes=%d cancels=%d duplicated_webhooks=%d violations=%d seed=%d elapsed=%s",
		*soakOrders, s.roundAtSubtotal, s.operations.Load(), s.faults.Load(), s.late.Load(), s.crashes.Load(), s.cancels.Load(), s.duplicates.Load(),
		len(violations), seed, time.Since(start).Round(time.Millisecond))
	for i, v := range violations {
		if i == 20 {
			t.Errorf("... and %d more", len(violations)-20)
			break
		}
		t.Error(v)
	}
}

// poll is one round of the poller from since, on the current process,
// and returns the watermark for the next: moved on when the round went
// well (as RunPoller does), back by the wait when the process restarted.
func (s *soak) poll(ctx context.Context, since time.Time) time.Time {
	e := s.engine.Load()
	s.mu.Lock()
	restarted := e != s.polledBy
	s.polledBy = e
	s.mu.Unlock()
	if restarted {
		since = since.Add(-*soakWait - time.Second)
	}
	res, err := e.Poll(ctx, since.Add(-time.Second), 4)
	if err == nil && len(res.Failed) == 0 {
		return res.Until
	}
	return since
}

// leftBehind lists the orders the poller did not bring to rest: what
// Reconcile would still do, recording a note's key aside.
func (s *soak) leftBehind() []string {
	var v []string
	e := s.engine.Load()
	for id := range s.txOf {
		p, err := e.Plan(context.Background(), id)
		if err != nil {
			v = append(v, fmt.Sprintf("order %d: left behind: %v", id, err))
			continue
		}
		var due []string
		for _, a := range p.Actions {
			if a.Kind != ordermgmt.ActRecordNote {
				due = append(due, a.String())
			}
		}
		for _, w := range p.Waiting {
			due = append(due, w.String())
		}
		if len(due) > 0 {
			v = append(v, fmt.Sprintf("order %d: left behind by the poller: %s", id, strings.Join(due, "; ")))
		}
	}
	return v
}

// life plays one order: a payment with a random outcome, then random
// merchant actions, each of which may crash.
func (s *soak) life(r *rand.Rand) {
	d := func(minor int64) decimal.Decimal { return decimal.New(minor, -2) }
	spec := wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d(int64(r.IntN(15000))), TaxRate: decimal.NewFromInt(25)}}}
	for range 1 + r.IntN(4) {
		spec.Lines = append(spec.Lines, wctest.LineSpec{Name: "item", Quantity: int64(1 + r.IntN(4)),
			UnitPrice: d(int64(100 + r.IntN(100000))), TaxRate: decimal.NewFromInt([]int64{25, 15, 12, 0}[r.IntN(4)])})
	}
	if r.IntN(6) == 0 {
		// A gift card pays part: a negative fee, a negative gift_card line.
		spec.Fees = []wctest.FeeSpec{{Name: "Gift card: " + strconv.Itoa(r.IntN(1000)), Total: d(-int64(1 + r.IntN(int(spec.Lines[0].UnitPrice.Shift(2).IntPart()))))}}
	}
	if r.IntN(5) == 0 {
		// A pick-up point: the session's shipping line id is the order's,
		// the shipping item's own names only the rate.
		spec.Shipping[0].MethodID, spec.Shipping[0].InstanceID = "bring_pickup", "7"
		spec.Shipping[0].Meta = map[string]string{ordermgmt.MetaLineID: "bring_pickup:7"}
		spec.Meta = map[string]string{ordermgmt.MetaShippingLineID: "bring_pickup:7:bring:" + strconv.Itoa(r.IntN(1000))}
	}
	o := s.store.SeedOrder(spec)
	outcome := []dinterotest.Outcome{dinterotest.Authorized, dinterotest.Authorized, dinterotest.Authorized, dinterotest.Authorized,
		dinterotest.Authorized, dinterotest.OnHold, dinterotest.Captured, dinterotest.Failed}[r.IntN(8)]
	session, err := ordermgmt.SessionOrder(o)
	if err != nil {
		s.t.Error(err)
		return
	}
	ctx := context.Background()
	var created *dintero.SessionCreated
	for range 10 { // the shop's checkout retries a failed session create
		dc, _ := s.dt.Client()
		if created, _, err = dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
			URL: dintero.SessionURLs{ReturnURL: "https://shop.test/thanks", CallbackURL: s.callbackURL}}, nil); err == nil {
			break
		}
	}
	if err != nil {
		return
	}
	tx, err := s.dt.Pay(ctx, created.ID, outcome)
	if err != nil {
		s.t.Error(err)
		return
	}
	s.mu.Lock()
	s.txOf[o.ID] = tx.ID
	s.mu.Unlock()
	s.op(func(ctx context.Context, e *ordermgmt.Engine) error {
		_, err := e.ReconcileTransaction(ctx, o.ID, tx.ID)
		return err
	})

	for range 1 + r.IntN(6) {
		switch r.IntN(9) {
		case 0, 1:
			s.op(func(ctx context.Context, e *ordermgmt.Engine) error { _, err := e.Capture(ctx, o.ID); return err })
		case 2:
			s.store.SetStatus(o.ID, woocommerce.StatusCompleted) // in the admin: the webhook does the rest
		case 3:
			s.op(func(ctx context.Context, e *ordermgmt.Engine) error { _, err := e.Cancel(ctx, o.ID); return err })
		case 4:
			s.store.SetStatus(o.ID, woocommerce.StatusRefunded)
		case 5, 6:
			req := s.randomRefund(r, o)
			var res *ordermgmt.RefundResult
			err := s.op(func(ctx context.Context, e *ordermgmt.Engine) error {
				var err error
				res, err = e.Refund(ctx, o.ID, req)
				return err
			})
			if err == nil {
				s.mu.Lock()
				s.refunds[o.ID] = append(s.refunds[o.ID], res)
				s.mu.Unlock()
			}
		case 7:
			if outcome == dinterotest.OnHold {
				s.dt.ResolveOnHold(ctx, tx.ID, r.IntN(3) > 0)
			}
		default:
			s.op(func(ctx context.Context, e *ordermgmt.Engine) error { _, err := e.Reconcile(ctx, o.ID); return err })
		}
	}
}

func (s *soak) randomRefund(r *rand.Rand, o *woocommerce.Order) ordermgmt.RefundRequest {
	switch r.IntN(4) {
	case 0:
		l := o.LineItems[r.IntN(len(o.LineItems))]
		return ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: l.ID, Quantity: 1}}}
	case 1:
		l := o.LineItems[r.IntN(len(o.LineItems))]
		total, tax := l.Total.Div(decimal.NewFromInt(3)).Round(2), l.TotalTax.Div(decimal.NewFromInt(3)).Round(2)
		return ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: l.ID, Total: &total, Tax: &tax}}}
	case 2:
		return ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.ShippingLines[0].ID, Quantity: 1}}}
	default:
		return ordermgmt.RefundRequest{Amount: decimal.New(int64(100+r.IntN(20000)), -2)}
	}
}

// check states the money invariants for every order and returns the
// violations.
func (s *soak) check() []string {
	var v []string
	bad := func(id int64, format string, args ...any) {
		v = append(v, fmt.Sprintf("order %d: %s", id, fmt.Sprintf(format, args...)))
	}
	for id, txID := range s.txOf {
		o, _ := s.store.Order(id)
		tx, _ := s.dt.Transaction(txID)
		refs := map[string]int{}
		for _, e := range tx.Events {
			if e.Success && e.EventReference != "" && (e.Event == dintero.EventCapture || e.Event == dintero.EventRefund) {
				refs[string(e.Event)+" "+e.EventReference]++
			}
		}
		for ref, n := range refs {
			if n > 1 {
				bad(id, "%s appears %d times among Dintero's events: money moved twice", ref, n)
			}
		}
		if tx.RefundedAmount() > tx.CapturedAmount() {
			bad(id, "refunded %d of %d captured", tx.RefundedAmount(), tx.CapturedAmount())
		}
		total := o.Total.Shift(2).IntPart()
		// Every refund record made by Refund has exactly one Dintero refund
		// with its reference and amount, and no Dintero refund names a
		// record that is gone.
		records := map[string]int64{}
		wcDinteroRefunds := int64(0)
		for _, rec := range s.store.Refunds(id) {
			if _, ok := rec.Meta(ordermgmt.MetaRefundMarker); ok {
				ref := ordermgmt.RefundReference(id, rec.ID)
				records[ref] = rec.Amount.Shift(2).IntPart()
				e := tx.FindEvent(dintero.EventRefund, ref)
				switch {
				case e == nil:
					bad(id, "refund record %d was never refunded at Dintero", rec.ID)
				case e.Amount != records[ref]:
					bad(id, "refund %s: Dintero %d, WooCommerce %d", ref, e.Amount, records[ref])
				}
				wcDinteroRefunds += records[ref]
			}
		}
		byStatusOrCancel := int64(0)
		for _, e := range tx.Events {
			if e.Event != dintero.EventRefund || !e.Success {
				continue
			}
			switch {
			case strings.HasSuffix(e.EventReference, "-refund-status") || strings.HasSuffix(e.EventReference, "-cancel"):
				byStatusOrCancel += e.Amount
			case records[e.EventReference] == 0:
				bad(id, "Dintero refund %s has no WooCommerce refund record", e.EventReference)
			}
		}
		if tx.RefundedAmount() != wcDinteroRefunds+byStatusOrCancel {
			bad(id, "Dintero refunded %d, WooCommerce's records and status refunds say %d", tx.RefundedAmount(), wcDinteroRefunds+byStatusOrCancel)
		}
		// Every Refund call that returned success has its one refund.
		for _, res := range s.refunds[id] {
			if refs["REFUND "+res.Reference] != 1 {
				bad(id, "successful Refund %s has %d Dintero refunds", res.Reference, refs["REFUND "+res.Reference])
			}
		}
		// Status and money agree.
		switch o.Status {
		case woocommerce.StatusCompleted:
			// Completed with nothing refunded in WooCommerce before the
			// capture: all of it is captured, exactly once.
			if len(s.store.Refunds(id)) == 0 && tx.CapturedAmount() != total {
				bad(id, "completed: captured %d of a %d order (%s)", tx.CapturedAmount(), total, tx.Status)
			}
		case woocommerce.StatusCancelled:
			if tx.Status == dintero.StatusAuthorized {
				bad(id, "cancelled but still authorized")
			}
		case woocommerce.StatusRefunded:
			if tx.Status.IsCaptured() && tx.RemainingToRefund() > 0 && !manualRefunds(s.store.Refunds(id)) {
				bad(id, "refunded in WooCommerce but %d left at Dintero", tx.RemainingToRefund())
			}
		}
		// The notes tell what happened.
		notes := strings.Join(noteTexts(s.store.Notes(id)), "\n")
		if tx.CapturedAmount() > 0 && (o.Status == woocommerce.StatusCompleted) && !strings.Contains(notes, "The Dintero order has been captured.") {
			bad(id, "captured without a capture note")
		}
		if len(records) > 0 && !strings.Contains(notes, "refunded") {
			bad(id, "refunded without a refund note")
		}
		if tx.Status == dintero.StatusAuthorizationVoided && o.Status == woocommerce.StatusCancelled && !strings.Contains(notes, "The Dintero order has been canceled.") {
			bad(id, "voided without a cancel note")
		}
	}
	return v
}

func manualRefunds(rs []woocommerce.Refund) bool {
	for _, r := range rs {
		// WooCommerce's automatic refund on status Refunded is an amount
		// alone with this reason (wc_order_fully_refunded); any other
		// refund without the engine's marker was made by hand.
		automatic := r.Reason == "Order fully refunded." && len(r.LineItems)+len(r.ShippingLines)+len(r.FeeLines) == 0
		if _, ok := r.Meta(ordermgmt.MetaRefundMarker); !ok && !automatic {
			return true
		}
	}
	return false
}

func noteTexts(ns []woocommerce.Note) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Note
	}
	return out
}
