package dinterotest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
)

var fastRetry = dintero.WithRetry(dintero.RetryPolicy{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond})

func newServer(t *testing.T, opts ...dinterotest.Option) (*dinterotest.Server, *dintero.Client) {
	t.Helper()
	srv := dinterotest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.Client(fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// order is 299.90 + 39.00 NOK: a chair at 25 % VAT and shipping.
func order(ref string) dintero.Order {
	return dintero.Order{
		Amount: 33890, Currency: "NOK", MerchantReference: ref,
		Items: []dintero.Item{{ID: "chair-1", LineID: "1", Description: "Stablestol", Quantity: dintero.N(1),
			Amount: 29990, VATAmount: 5998, VAT: dintero.N(25)}},
		ShippingOption: &dintero.ShippingOption{ID: "pickup", LineID: "shipping", Amount: 3900, VATAmount: 780,
			VAT: dintero.N(25), Title: "Pick up"},
	}
}

// pay creates a session and pays it with the outcome.
func pay(t *testing.T, srv *dinterotest.Server, c *dintero.Client, callbackURL string, outcome dinterotest.Outcome) *dintero.Transaction {
	t.Helper()
	ctx := context.Background()
	created, _, err := c.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL:   dintero.SessionURLs{ReturnURL: "https://shop.test/thanks", CallbackURL: callbackURL},
		Order: order("wc-1001"), ProfileID: "default",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := srv.Pay(ctx, created.ID, outcome)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestCaptureAndRefundLife(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	if tx.Status != dintero.StatusAuthorized || len(tx.Items) != 2 || tx.Items[1].LineID != "shipping" || tx.Items[1].Type != "shipping" {
		t.Fatalf("paid transaction = %+v", tx)
	}

	// Partial capture of the chair, then the rest (shipping).
	got, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 29990, CaptureReference: "wc-1001-c1",
		Items: []dintero.Item{{LineID: "1", Amount: 29990, VATAmount: 5998, VAT: dintero.N(25)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != dintero.StatusPartiallyCaptured || got.RemainingToCapture() != 3900 {
		t.Fatalf("after partial capture: %s, %d left", got.Status, got.RemainingToCapture())
	}
	got, _, err = c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 3900, CaptureReference: "wc-1001-c2",
		Items: []dintero.Item{{LineID: "shipping", Amount: 3900, VATAmount: 780}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != dintero.StatusCaptured || got.CapturedAmount() != 33890 || got.RemainingToCapture() != 0 {
		t.Fatalf("after full capture: %s captured %d", got.Status, got.CapturedAmount())
	}

	// A partial refund, then the rest.
	got, _, err = c.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: 10000, RefundReference: "wc-1001-r1",
		Items: []dintero.Item{{LineID: "1", Amount: 10000, VATAmount: 2000}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != dintero.StatusPartiallyRefunded || got.RemainingToRefund() != 23890 {
		t.Fatalf("after partial refund: %s, %d left", got.Status, got.RemainingToRefund())
	}
	got, _, err = c.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: 23890, RefundReference: "wc-1001-r2"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != dintero.StatusRefunded || got.RefundedAmount() != 33890 || got.RemainingToRefund() != 0 {
		t.Fatalf("after full refund: %s refunded %d", got.Status, got.RefundedAmount())
	}
	for _, ref := range []string{"wc-1001-c1", "wc-1001-c2"} {
		if got.FindEvent(dintero.EventCapture, ref) == nil {
			t.Errorf("capture %s has no event", ref)
		}
	}
	if e := got.FindEvent(dintero.EventRefund, "wc-1001-r1"); e == nil || e.Amount != 10000 || len(e.Items) != 1 {
		t.Errorf("refund event = %+v", e)
	}

	// Nothing more can be refunded; the error is typed and changes nothing.
	_, _, err = c.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: 1})
	var apiErr *dintero.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, dintero.ErrBadRequest) || apiErr.Code != "INVALID_REQUEST_PARAMETER" {
		t.Fatalf("refund beyond captured: %v", err)
	}
	final, _ := srv.Transaction(tx.ID)
	if len(final.Events) != len(got.Events) {
		t.Error("a refused refund changed the transaction")
	}
}

func TestVoid(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	got, _, err := c.Transactions.Void(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != dintero.StatusAuthorizationVoided || got.RemainingToCapture() != 0 {
		t.Fatalf("after void: %s", got.Status)
	}
	if _, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 100}); !errors.Is(err, dintero.ErrBadRequest) {
		t.Errorf("capture after void: %v", err)
	}
	// A captured transaction cannot be voided.
	tx2 := pay(t, srv, c, "", dinterotest.Captured)
	if _, _, err := c.Transactions.Void(ctx, tx2.ID); !errors.Is(err, dintero.ErrBadRequest) {
		t.Errorf("void after capture: %v", err)
	}
}

func TestCaptureRules(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	tests := []struct {
		name string
		req  dintero.CaptureRequest
	}{
		{"above remaining", dintero.CaptureRequest{Amount: 33891}},
		{"unknown line", dintero.CaptureRequest{Amount: 100, Items: []dintero.Item{{LineID: "nope", Amount: 100}}}},
		{"line above its amount", dintero.CaptureRequest{Amount: 30000, Items: []dintero.Item{{LineID: "1", Amount: 30000}}}},
	}
	for _, tt := range tests {
		_, _, err := c.Transactions.Capture(ctx, tx.ID, &tt.req)
		var apiErr *dintero.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Message == "" {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if now, _ := srv.Transaction(tx.ID); now.CapturedAmount() != 0 || now.Status != dintero.StatusAuthorized {
		t.Errorf("refused captures changed the transaction: %+v", now)
	}
	// Not found is typed too.
	if _, _, err := c.Transactions.Get(ctx, "T12345678.nope", nil); !errors.Is(err, dintero.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	// Failed and on-hold payments cannot be captured.
	for _, o := range []dinterotest.Outcome{dinterotest.Failed, dinterotest.Declined, dinterotest.OnHold} {
		tx := pay(t, srv, c, "", o)
		if _, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 100}); !errors.Is(err, dintero.ErrBadRequest) {
			t.Errorf("%s: capture = %v", o, err)
		}
	}
}

func TestPending202(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Pending: true, Times: 1})
	got, resp, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 33890, CaptureReference: "wc-1001-c"})
	if err != nil {
		t.Fatalf("202 is not an error: %v", err)
	}
	if !resp.Pending || resp.EventRequestID == "" || got.Status != dintero.StatusAuthorized {
		t.Fatalf("resp %+v status %s", resp, got.Status)
	}
	// While pending, nothing more can be captured and the capture is found.
	now, _, _ := c.Transactions.Get(ctx, tx.ID, nil)
	if now.RemainingToCapture() != 0 || now.FindEvent(dintero.EventCapture, "wc-1001-c") == nil {
		t.Errorf("pending capture not visible: remaining %d", now.RemainingToCapture())
	}
	if _, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 1}); !errors.Is(err, dintero.ErrBadRequest) {
		t.Errorf("capture over a pending one: %v", err)
	}
	srv.CompletePending()
	now, _, _ = c.Transactions.Get(ctx, tx.ID, nil)
	e := now.FindEvent(dintero.EventCapture, "wc-1001-c")
	if now.Status != dintero.StatusCaptured || e == nil || e.Event != dintero.EventCapture || e.CorrelationRequestID != resp.EventRequestID {
		t.Errorf("after completion: %s, event %+v", now.Status, e)
	}
	if now.CapturedAmount() != 33890 {
		t.Errorf("captured %d", now.CapturedAmount())
	}
}

func TestDroppedConnectionAfterCommit(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{DropAfterCommit: true, Times: 1})
	_, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 33890, CaptureReference: "wc-1001-capture"})
	if !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	if n := srv.Requests(dinterotest.RouteCapture); n != 1 {
		t.Errorf("capture sent %d times", n)
	}
	// Reading the transaction tells what happened: exactly one capture.
	now, _, err := c.Transactions.Get(ctx, tx.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	captures := 0
	for _, e := range now.Events {
		if e.Event == dintero.EventCapture && e.Success {
			captures++
		}
	}
	if captures != 1 || now.FindEvent(dintero.EventCapture, "wc-1001-capture") == nil || now.Status != dintero.StatusCaptured {
		t.Errorf("captures = %d, status %s", captures, now.Status)
	}
}

func TestFaultsRetriedForReads(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	srv.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 503, Times: 2})
	srv.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 429, RetryAfter: time.Millisecond, Times: 1})
	_, resp, err := c.Transactions.Get(ctx, tx.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 4 {
		t.Errorf("attempts = %d, want 4", resp.Attempts)
	}
	// A 503 on a capture is not retried and leaves the outcome open.
	srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 503, Times: 1})
	_, _, err = c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 100})
	if !errors.Is(err, dintero.ErrOutcomeUnknown) || !errors.Is(err, dintero.ErrUnavailable) {
		t.Errorf("capture 503: %v", err)
	}
	if n := srv.Requests(dinterotest.RouteCapture); n != 1 {
		t.Errorf("capture sent %d times", n)
	}
}

func TestTokenExpiryAndRefresh(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	if _, _, err := c.Transactions.Get(ctx, tx.ID, nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, _, err := c.Transactions.Get(ctx, tx.ID, nil); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := srv.Requests(dinterotest.RouteToken); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
	// Wrong credentials are refused.
	bad, _ := dintero.New(srv.AccountID(), "someone", "else", dintero.WithCheckoutURL(srv.URL), dintero.WithAPIURL(srv.URL))
	if _, _, err := bad.Transactions.Get(ctx, tx.ID, nil); !errors.Is(err, dintero.ErrUnauthorized) {
		t.Errorf("bad credentials: %v", err)
	}
}

func TestTokenConcurrencyAgainstServer(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	c2, _ := srv.Client(fastRetry) // a cold client
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c2.Transactions.Get(context.Background(), tx.ID, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := srv.Requests(dinterotest.RouteToken); n != 2 { // one for c, one for c2
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestCallbacksSignedAndRetried(t *testing.T) {
	t.Parallel()
	secret := []byte("cb-secret")
	var mu sync.Mutex
	var got []*dintero.Callback
	failures := 2
	var srv *dinterotest.Server
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		public, _ := url.Parse("http://" + r.Host) // this receiver's own address
		v := &dintero.CallbackVerifier{Secret: secret, AccountID: srv.AccountID(), PublicURL: public}
		if err := v.Verify(r); err != nil {
			t.Errorf("callback signature: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		cb, err := dintero.ParseCallback(r)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		got = append(got, cb)
	}))
	defer receiver.Close()
	srv = dinterotest.NewServer(dinterotest.WithCallbackSecret(secret))
	defer srv.Close()
	c, _ := srv.Client(fastRetry)
	tx := pay(t, srv, c, receiver.URL+"/cb?report_event=CAPTURE&sid_parameter_name=sid", dinterotest.Authorized)

	mu.Lock()
	if len(got) != 1 || got[0].TransactionID != tx.ID || got[0].SessionID != tx.SessionID || got[0].MerchantReference != "wc-1001" {
		t.Fatalf("callbacks = %+v", got)
	}
	mu.Unlock()
	recs := srv.Callbacks()
	if len(recs) != 1 || recs[0].Attempts != 3 || recs[0].Status != 200 || !recs[0].Signed {
		t.Errorf("records = %+v", recs)
	}

	// report_event=CAPTURE: a capture is reported too.
	if _, _, err := c.Transactions.Capture(context.Background(), tx.ID, &dintero.CaptureRequest{Amount: 33890}); err != nil {
		t.Fatal(err)
	}
	srv.WaitCallbacks()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[1].Event != "CAPTURE" || got[1].EventID == "" {
		t.Errorf("capture callback = %+v", got)
	}
}

func TestCallbackNotRetriedOn4xx(t *testing.T) {
	t.Parallel()
	calls := 0
	var mu sync.Mutex
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer receiver.Close()
	srv, c := newServer(t)
	pay(t, srv, c, receiver.URL+"/cb", dinterotest.Authorized)
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("4xx callback tried %d times", calls)
	}
}

func TestOnHoldThenAuthorized(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.OnHold)
	if tx.Status != dintero.StatusOnHold {
		t.Fatalf("status %s", tx.Status)
	}
	got, err := srv.ResolveOnHold(ctx, tx.ID, true)
	if err != nil || got.Status != dintero.StatusAuthorized {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	if _, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount}); err != nil {
		t.Errorf("capture after review: %v", err)
	}
	tx2 := pay(t, srv, c, "", dinterotest.OnHold)
	got, _ = srv.ResolveOnHold(ctx, tx2.ID, false)
	if got.Status != dintero.StatusFailed {
		t.Errorf("rejected review: %s", got.Status)
	}
	// UpdateAuthorization authorizes an ON_HOLD transaction, as for
	// Dintero's external payments.
	tx3 := pay(t, srv, c, "", dinterotest.OnHold)
	got3, _, err := c.Transactions.UpdateAuthorization(ctx, tx3.ID, nil)
	if err != nil || got3.Status != dintero.StatusAuthorized {
		t.Errorf("authorization update: %+v %v", got3, err)
	}
	if _, _, err := c.Transactions.UpdateAuthorization(ctx, tx2.ID, nil); !errors.Is(err, dintero.ErrConflict) {
		t.Errorf("authorization update on failed: %v", err)
	}
}

func TestSessionsAgainstServer(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	created, _, err := c.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://r"}, Order: order("wc-7"), ProfileID: "default"}, &dintero.CreateOptions{IncludeSession: true})
	if err != nil {
		t.Fatal(err)
	}
	if created.Session == nil || created.Session.Order.Amount != 33890 {
		t.Errorf("include_session: %+v", created.Session)
	}
	o := order("wc-7")
	o.Items[0].Amount, o.Amount = 19990, 23890
	// Before the checkout is shown, an update needs update_without_lock.
	if _, _, err := c.Sessions.Update(ctx, created.ID, &dintero.SessionUpdate{Order: o}, nil); !errors.Is(err, dintero.ErrBadRequest) {
		t.Fatalf("update of an unlocked session without update_without_lock: %v", err)
	}
	if _, _, err := c.Sessions.Update(ctx, created.ID, &dintero.SessionUpdate{Order: o}, &dintero.UpdateOptions{WithoutLock: true}); err != nil {
		t.Fatal(err)
	}
	tx, err := srv.Pay(ctx, created.ID, dinterotest.Authorized)
	if err != nil || tx.Amount != 23890 {
		t.Fatalf("pay: %+v %v", tx, err)
	}
	sess, _, _ := c.Sessions.Get(ctx, created.ID)
	if sess.TransactionID != tx.ID {
		t.Errorf("session transaction = %q", sess.TransactionID)
	}
	if _, err := srv.Pay(ctx, created.ID, dinterotest.Authorized); !errors.Is(err, dinterotest.ErrSessionState) {
		t.Errorf("paid twice: %v", err)
	}
	// Cancelling the session voids its authorized transaction.
	if _, _, err := c.Sessions.Cancel(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	now, _ := srv.Transaction(tx.ID)
	if now.Status != dintero.StatusAuthorizationVoided {
		t.Errorf("after cancel: %s", now.Status)
	}
	// Inline sessions need a configuration; the list finds transactions.
	if _, _, err := c.Sessions.Create(ctx, &dintero.SessionRequest{URL: dintero.SessionURLs{ReturnURL: "https://r"},
		Order: order("wc-8"), Configuration: map[string]any{"auto_capture": true}}, nil); err != nil {
		t.Errorf("inline create: %v", err)
	}
	var n int
	for tx, err := range c.Transactions.ListIter(ctx, &dintero.ListOptions{Limit: 1, MerchantReference: "wc-7"}) {
		if err != nil || tx.MerchantReference != "wc-7" {
			t.Fatalf("list: %v %v", tx, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("listed %d", n)
	}
}

func TestListPagesOverManyTransactions(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	for range 25 {
		pay(t, srv, c, "", dinterotest.Authorized)
	}
	seen := map[string]bool{}
	for tx, err := range c.Transactions.ListIter(context.Background(), &dintero.ListOptions{Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[tx.ID] {
			t.Fatalf("%s listed twice", tx.ID)
		}
		seen[tx.ID] = true
	}
	if len(seen) != 25 || srv.Requests(dinterotest.RouteListTransactions) != 3 {
		t.Errorf("listed %d in %d requests", len(seen), srv.Requests(dinterotest.RouteListTransactions))
	}
}

// A receiver that captures again after each reported capture, as a
// service reacting to callbacks does, starts new background work while a
// test waits for the server to settle. WaitCallbacks must be safe then
// (the race detector flagged the WaitGroup it used to wait on) and return
// only once the chain has ended.
func TestWaitCallbacksWhileTheReceiverTriggersMore(t *testing.T) {
	t.Parallel()
	const chain = 10
	var (
		mu       sync.Mutex
		reported int
		pending  sync.WaitGroup
		c        *dintero.Client
		txID     string
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		if r.URL.Query().Get("event") != "CAPTURE" {
			return
		}
		mu.Lock()
		reported++
		more := reported < chain
		if more {
			pending.Add(1)
		}
		mu.Unlock()
		if more {
			go func() {
				defer pending.Done()
				time.Sleep(time.Millisecond) // after the callback has ended
				if _, _, err := c.Transactions.Capture(context.Background(), txID, &dintero.CaptureRequest{Amount: 1}); err != nil {
					t.Error(err)
				}
			}()
		}
	}))
	defer receiver.Close()
	srv, client := newServer(t)
	c = client
	tx := pay(t, srv, c, receiver.URL+"/cb?report_event=CAPTURE", dinterotest.Authorized)
	mu.Lock()
	txID = tx.ID
	mu.Unlock()
	if _, _, err := c.Transactions.Capture(context.Background(), tx.ID, &dintero.CaptureRequest{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	for {
		srv.WaitCallbacks()
		mu.Lock()
		n := reported
		mu.Unlock()
		if n >= chain {
			break
		}
	}
	pending.Wait()
	srv.WaitCallbacks()
	got, _ := srv.Transaction(tx.ID)
	if got.CapturedAmount() != chain {
		t.Errorf("captured %d, want %d", got.CapturedAmount(), chain)
	}
}
