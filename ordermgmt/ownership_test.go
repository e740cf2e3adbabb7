package ordermgmt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// payWith pays order o through a session whose order the test shapes.
func (w *world) payWith(o *woocommerce.Order, shape func(*dintero.Order)) *dintero.Transaction {
	w.t.Helper()
	ctx := context.Background()
	order, err := ordermgmt.SessionOrder(o)
	if err != nil {
		w.t.Fatal(err)
	}
	shape(&order)
	created, _, err := w.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://shop.test/thanks"}, Order: order, ProfileID: "default"}, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	tx, err := w.dt.Pay(ctx, created.ID, dinterotest.Authorized)
	if err != nil {
		w.t.Fatal(err)
	}
	return tx
}

// An order whose transaction_id names another order's payment moves
// nothing on that payment, whatever the path: cancel, refund, status
// Refunded, or an unpaid order taken for paid (security review, finding 1).
func TestTransactionOfAnotherOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	victim := w.paid(nokOrder(), dinterotest.Authorized)
	victimTx := victim.TransactionID
	captured := w.captured()
	capturedTx := captured.TransactionID
	point := func(spec *woocommerce.Order, txID string, status woocommerce.Status) {
		if _, _, err := w.wc.Orders.Update(ctx, spec.ID, &woocommerce.OrderUpdate{TransactionID: &txID, Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	mismatch := "The Dintero transaction %s does not belong to this order"

	// Cancel an order pointing at another's authorization: no void.
	a := w.paid(nokOrder(), dinterotest.Authorized)
	point(a, victimTx, "")
	if _, err := w.engine.Cancel(ctx, a.ID); !errors.Is(err, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("cancel: %v", err)
	}
	if tx, _ := w.dt.Transaction(victimTx); tx.Status != dintero.StatusAuthorized || w.dt.Requests(dinterotest.RouteVoid) != 0 {
		t.Fatalf("the other order's authorization: %s", tx.Status)
	}
	if got := w.order(a); got.Status != woocommerce.StatusOnHold || !strings.Contains(strings.Join(w.notes(a), "\n"), strings.Replace(mismatch, "%s", victimTx, 1)) {
		t.Fatalf("the order: %s, notes %q", got.Status, w.notes(a))
	}

	// Refund via Dintero and status Refunded on an order pointing at a
	// captured payment: nothing refunded.
	b := w.captured()
	point(b, capturedTx, "")
	if _, err := w.engine.Refund(ctx, b.ID, ordermgmtRefund100()); !errors.Is(err, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("refund: %v", err)
	}
	if _, err := w.engine.PreviewRefund(ctx, b.ID, ordermgmtRefund100()); !errors.Is(err, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("preview: %v", err)
	}
	point(b, capturedTx, woocommerce.StatusRefunded)
	w.engine.Reconcile(ctx, b.ID)
	if tx, _ := w.dt.Transaction(capturedTx); tx.RefundedAmount() != 0 {
		t.Fatalf("refunded %d of another order's payment", tx.RefundedAmount())
	}

	// An unpaid order pointing at a paid one's authorization is not paid.
	c := w.store.SeedOrder(nokOrder())
	point(c, victimTx, "")
	if _, err := w.engine.Reconcile(ctx, c.ID); !errors.Is(err, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("reconcile: %v", err)
	}
	if got := w.order(c); got.Status == woocommerce.StatusProcessing {
		t.Fatal("an unpaid order moved to processing")
	}
	// Plan says so too, and a Reconcile again writes nothing more.
	if p, err := w.engine.Plan(ctx, c.ID); err != nil || !errors.Is(p.Blocked, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("plan: %+v %v", p, err)
	}
	notes := len(w.notes(c))
	w.engine.Reconcile(ctx, c.ID)
	if len(w.notes(c)) != notes {
		t.Error("the mismatch note was written twice")
	}
}

// A transaction belongs to its order by the references the plugin uses
// too: the _dintero_merchant_reference meta, or merchant_reference_2 equal
// to the order number.
func TestTransactionBelongsByPluginReferences(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()

	byMeta := w.store.SeedOrder(nokOrder())
	tx := w.payWith(byMeta, func(o *dintero.Order) { o.MerchantReference, o.MerchantReference2 = "plugin-ref-42", "" })
	if _, err := w.engine.ReconcileTransaction(ctx, byMeta.ID, tx.ID); !errors.Is(err, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("without the meta: %v", err)
	}
	w.wc.Orders.Update(ctx, byMeta.ID, &woocommerce.OrderUpdate{MetaData: []woocommerce.Meta{
		woocommerce.MetaString(ordermgmt.MetaPluginMerchantReference, "plugin-ref-42")}})
	if _, err := w.engine.ReconcileTransaction(ctx, byMeta.ID, tx.ID); err != nil {
		t.Fatalf("with the meta: %v", err)
	}
	if got := w.order(byMeta); got.Status != woocommerce.StatusProcessing {
		t.Fatalf("status %s", got.Status)
	}

	byNumber := w.store.SeedOrder(nokOrder())
	tx = w.payWith(byNumber, func(o *dintero.Order) { o.MerchantReference = "plugin-ref-43" })
	if _, err := w.engine.ReconcileTransaction(ctx, byNumber.ID, tx.ID); err != nil {
		t.Fatalf("by order number: %v", err)
	}

	// The plugin's current sessions are named after the order number.
	named := w.store.SeedOrder(nokOrder())
	tx = w.payWith(named, func(o *dintero.Order) { o.MerchantReference, o.MerchantReference2 = named.Number, "" })
	if _, err := w.engine.ReconcileTransaction(ctx, named.ID, tx.ID); err != nil {
		t.Fatalf("merchant_reference = order number: %v", err)
	}
}

// An authorization that does not cover the order (too little, or another
// currency) does not make it paid: a note, the failure status, nothing to
// ship (security review, finding 3).
func TestAuthorizationMustCoverTheOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		shape func(*dintero.Order)
		note  string
	}{
		{"1.00 NOK for 3398.01", func(o *dintero.Order) {
			o.Amount, o.VATAmount, o.ShippingOption = 100, 0, nil
			o.Items = []dintero.Item{{ID: "x", LineID: "x", Description: "x", Quantity: dintero.N(1), Amount: 100}}
		}, "The order was authorized with a different amount (1.00 NOK authorized for an order of 3398.01 NOK), so manual handling is required."},
		{"SEK for a NOK order", func(o *dintero.Order) { o.Currency = "SEK" },
			"The order was authorized with a different amount (SEK 339801 (minor units) authorized for an order of 3398.01 NOK), so manual handling is required."},
	} {
		o := w.store.SeedOrder(nokOrder())
		tx := w.payWith(o, tc.shape)
		_, err := w.engine.ReconcileTransaction(ctx, o.ID, tx.ID)
		if !errors.Is(err, ordermgmt.ErrAuthorizationMismatch) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := w.order(o)
		if got.Status != woocommerce.StatusOnHold || w.countNote(o, tc.note) != 1 {
			t.Fatalf("%s: %s, notes %q", tc.name, got.Status, w.notes(o))
		}
		// Completing it anyway captures nothing.
		w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		w.engine.Reconcile(ctx, o.ID)
		if tx, _ := w.dt.Transaction(tx.ID); tx.CapturedAmount() != 0 {
			t.Fatalf("%s: captured %d", tc.name, tx.CapturedAmount())
		}
	}
}

// Order meta is writable by anyone with shop-manager rights: the plugin's
// reference meta never makes a payment this SDK made for another order
// (its merchant_reference is that order's id) this order's (fourth review).
func TestForgedPluginMetaCannotClaimAnotherOrdersPayment(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	a := w.paid(nokOrder(), dinterotest.Authorized)
	b := w.paid(nokOrder(), dinterotest.Authorized)
	txA := a.TransactionID
	if _, _, err := w.wc.Orders.Update(ctx, b.ID, &woocommerce.OrderUpdate{TransactionID: &txA,
		MetaData: []woocommerce.Meta{woocommerce.MetaString(ordermgmt.MetaPluginMerchantReference, ordermgmt.OrderReference(a.ID))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Cancel(ctx, b.ID); !errors.Is(err, ordermgmt.ErrTransactionMismatch) {
		t.Fatalf("cancel: %v", err)
	}
	if tx, _ := w.dt.Transaction(txA); tx.Status != dintero.StatusAuthorized {
		t.Fatalf("the other order's authorization: %s", tx.Status)
	}
}

// Replays of one signed callback coalesce like webhooks (fourth review).
func TestReplayedCallbacksCoalesce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	h := callbackHandler(t, w.engine, w.dt.AccountID(), "https://shop.example/dintero/callback")
	u, _ := url.Parse("https://shop.example/dintero/callback?transaction_id=" + o.TransactionID + "&merchant_reference=" + ordermgmt.OrderReference(o.ID))
	sig := dintero.SignCallback([]byte(callbackSecret), w.dt.AccountID(), "GET", u, time.Now())
	call := func() int {
		r := httptest.NewRequest(http.MethodGet, u.String(), nil)
		r.Header.Set(dintero.SignatureHeader, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	call() // linked
	// The first read is slow enough that all 51 replays arrive while it
	// runs, even on a machine busy with other tests (100 ms was not).
	w.store.InjectFault(wctest.RouteGetOrder, wctest.Fault{Latency: 600 * time.Millisecond, Times: 1})
	reads := w.store.Requests(wctest.RouteGetOrder)
	var wg sync.WaitGroup
	for range 51 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := call(); code != 200 {
				t.Errorf("replay answered %d", code)
			}
		}()
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	// A handful of reconciles (the first, its follow-up, and on a slow,
	// loaded machine one or two more as replays straggle in), never 51.
	if n := w.store.Requests(wctest.RouteGetOrder) - reads; n > 12 {
		t.Fatalf("51 callbacks read the order %d times", n)
	}
}

// WithMaxConcurrent bounds the orders worked on at once.
func TestMaxConcurrent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithMaxConcurrent(0)); err == nil {
		t.Fatal("WithMaxConcurrent(0) accepted")
	}
	one, _ := ordermgmt.New(w.wc, w.dc, ordermgmt.WithMaxConcurrent(1))
	a, b := w.paid(nokOrder(), dinterotest.Authorized), w.paid(nokOrder(), dinterotest.Authorized)
	w.store.InjectFault(wctest.RouteGetOrder, wctest.Fault{Latency: 100 * time.Millisecond, Times: 2})
	start := time.Now()
	var wg sync.WaitGroup
	for _, id := range []int64{a.ID, b.ID} {
		wg.Add(1)
		go func() { defer wg.Done(); one.Reconcile(context.Background(), id) }()
	}
	wg.Wait()
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("two slow reconciles took %s with one slot", d)
	}
}

// A full refund recorded by hand with exactly WooCommerce's automatic
// reason is money returned by hand: only WooCommerce's own note marks the
// automatic record (fourth review).
func TestHandRefundWithTheAutomaticReason(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	if _, _, err := w.wc.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: o.Total, Reason: "Order fully refunded.",
		Gateway: woocommerce.RecordOnly}); err != nil {
		t.Fatal(err)
	}
	w.store.SetStatus(o.ID, woocommerce.StatusRefunded)
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.RefundedAmount() != 0 {
		t.Fatalf("refunded %d at Dintero on top of a refund by hand", tx.RefundedAmount())
	}
	// WooCommerce's own record, with its note, is refunded.
	o2 := w.captured()
	w.store.SetStatus(o2.ID, woocommerce.StatusRefunded)
	w.engine.Reconcile(ctx, o2.ID)
	if tx := w.tx(o2); tx.RefundedAmount() != 339801 {
		t.Fatalf("status refund: %d", tx.RefundedAmount())
	}
}
