package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// demo is a store and a Dintero account in-process, seeded with one order
// (or transaction) for every kind of finding and one that is in order.
type demo struct {
	store  *wctest.Server
	dt     *dinterotest.Server
	wc     *woocommerce.Client
	dc     *dintero.Client
	engine *ordermgmt.Engine
	// want is what an audit must find: per order id, and for the
	// transaction that has no order (by transaction id).
	want      map[int64][]ordermgmt.FindingKind
	wantLoose map[string][]ordermgmt.FindingKind
	clock     *shiftedClock
	close     func()
}

// shiftedClock is the in-process Dintero's clock, set back to play
// payments made days ago.
type shiftedClock struct {
	mu    sync.Mutex
	shift time.Duration
}

func (c *shiftedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(-c.shift)
}

func (c *shiftedClock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shift = d
}

func newDemo(ctx context.Context) (*demo, error) {
	clock := &shiftedClock{}
	d := &demo{store: wctest.NewServer(), dt: dinterotest.NewServer(dinterotest.WithClock(clock.now)), clock: clock,
		want: map[int64][]ordermgmt.FindingKind{}, wantLoose: map[string][]ordermgmt.FindingKind{}}
	d.close = func() { d.store.Close(); d.dt.Close() }
	var err error
	if d.wc, err = d.store.Client(); err == nil {
		d.dc, err = d.dt.Client()
	}
	if err == nil {
		d.engine, err = ordermgmt.New(d.wc, d.dc)
	}
	if err == nil {
		err = d.seed(ctx)
	}
	if err != nil {
		d.close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return d, nil
}

func demoSpec(status woocommerce.Status) wctest.OrderSpec {
	dec := decimal.RequireFromString
	return wctest.OrderSpec{Currency: "NOK", Status: status,
		Lines: []wctest.LineSpec{
			{Name: "Chair", Quantity: 2, UnitPrice: dec("1000.00"), TaxRate: dec("25")},
			{Name: "Lamp", Quantity: 1, UnitPrice: dec("399.20"), TaxRate: dec("25")},
		},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: dec("79.20"), TaxRate: dec("25")}},
	}
}

// paid seeds an order and pays it; ago sets the payment that long back,
// and adjust may change the session before it is paid.
func (d *demo) paid(ctx context.Context, outcome dinterotest.Outcome, ago time.Duration, adjust func(*dintero.Order), specs ...func(*wctest.OrderSpec)) (*woocommerce.Order, *dintero.Transaction, error) {
	spec := demoSpec(woocommerce.StatusPending)
	for _, f := range specs {
		f(&spec)
	}
	o := d.store.SeedOrder(spec)
	session, err := ordermgmt.SessionOrder(o)
	if err != nil {
		return nil, nil, err
	}
	if adjust != nil {
		adjust(&session)
	}
	d.clock.set(ago)
	defer d.clock.set(0)
	created, _, err := d.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}, ProfileID: "default", Order: session}, nil)
	if err != nil {
		return nil, nil, err
	}
	tx, err := d.dt.Pay(ctx, created.ID, outcome)
	if err != nil {
		return nil, nil, err
	}
	if adjust != nil {
		// The plugin links what the engine would refuse to: a payment
		// that does not cover the order.
		processing := woocommerce.StatusProcessing
		_, _, err = d.wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{TransactionID: &tx.ID, Status: processing})
		return o, tx, err
	}
	// What the callback does: link the payment to the order.
	if _, err := d.engine.ReconcileTransaction(ctx, o.ID, tx.ID); err != nil {
		return nil, nil, err
	}
	return o, tx, nil
}

// completed pays an order, completes it and lets the engine capture.
func (d *demo) completed(ctx context.Context) (*woocommerce.Order, *dintero.Transaction, error) {
	o, tx, err := d.paid(ctx, dinterotest.Authorized, 0, nil)
	if err == nil {
		d.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		_, err = d.engine.Reconcile(ctx, o.ID)
	}
	return o, tx, err
}

func (d *demo) seed(ctx context.Context) error {
	expect := func(o *woocommerce.Order, kinds ...ordermgmt.FindingKind) { d.want[o.ID] = kinds }
	const days = 24 * time.Hour

	// In order: paid, completed, captured.
	clean, cleanTx, err := d.completed(ctx)
	if err != nil {
		return err
	}
	expect(clean)

	// Completed in the store while nothing listened: never captured.
	o, _, err := d.paid(ctx, dinterotest.Authorized, 0, nil)
	if err != nil {
		return err
	}
	d.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	expect(o, ordermgmt.FindingCompletedNotCaptured)

	// Captured in Dintero's Backoffice; the store never heard.
	o, tx, err := d.paid(ctx, dinterotest.Authorized, 0, nil)
	if err != nil {
		return err
	}
	if _, _, err := d.dc.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount, CaptureReference: "backoffice"}); err != nil {
		return err
	}
	expect(o, ordermgmt.FindingCapturedNotCompleted)

	// Captured in the Backoffice, then cancelled in the store.
	o, tx, err = d.paid(ctx, dinterotest.Authorized, 0, nil)
	if err != nil {
		return err
	}
	if _, _, err := d.dc.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount}); err != nil {
		return err
	}
	d.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	expect(o, ordermgmt.FindingCancelledButCaptured)

	// Cancelled in the store while nothing listened: the authorization
	// still reserves the customer's money.
	o, _, err = d.paid(ctx, dinterotest.Authorized, 0, nil)
	if err != nil {
		return err
	}
	d.store.SetStatus(o.ID, woocommerce.StatusCancelled)
	expect(o, ordermgmt.FindingAuthorizationNotReleased)

	// Put on hold by a person (or by a capture that failed), with the
	// money authorized and nothing captured.
	o, _, err = d.paid(ctx, dinterotest.Authorized, 0, nil)
	if err != nil {
		return err
	}
	d.store.SetStatus(o.ID, woocommerce.StatusOnHold)
	expect(o, ordermgmt.FindingNeedsAttention)

	// Approved after review at Dintero; the store was never told.
	o, tx, err = d.paid(ctx, dinterotest.OnHold, 0, nil)
	if err != nil {
		return err
	}
	if _, err := d.dt.ResolveOnHold(ctx, tx.ID, true); err != nil {
		return err
	}
	expect(o, ordermgmt.FindingStatusBehind)

	// Refunded in the Backoffice: Dintero returned more than the store
	// recorded.
	o, tx, err = d.completed(ctx)
	if err != nil {
		return err
	}
	if _, _, err := d.dc.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: 10000, RefundReference: "backoffice"}); err != nil {
		return err
	}
	expect(o, ordermgmt.FindingRefundMismatch)

	// A refund whose Dintero half is in doubt: Dintero answered 503.
	o, _, err = d.completed(ctx)
	if err != nil {
		return err
	}
	d.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 1})
	if _, err := d.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: decimal.RequireFromString("100.00")}); !errors.As(err, new(*ordermgmt.InDoubtError)) {
		return fmt.Errorf("the in-doubt refund: %v", err)
	}
	expect(o, ordermgmt.FindingRefundInDoubt)

	// Money handed back at the counter, recorded by hand.
	o, _, err = d.completed(ctx)
	if err != nil {
		return err
	}
	if _, _, err := d.wc.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: decimal.RequireFromString("50.00"),
		Reason: "Cash back at the counter", Gateway: woocommerce.RecordOnly}); err != nil {
		return err
	}
	expect(o, ordermgmt.FindingManualRefund)

	// On hold at Dintero for 30 hours.
	o, _, err = d.paid(ctx, dinterotest.OnHold, 30*time.Hour, nil)
	if err != nil {
		return err
	}
	expect(o, ordermgmt.FindingAwaitingAuthorization)

	// Authorized six days ago and still not completed.
	o, _, err = d.paid(ctx, dinterotest.Authorized, 6*days, nil)
	if err != nil {
		return err
	}
	expect(o, ordermgmt.FindingAuthorizationExpiring)

	// Dintero authorized 100.00 less than the order asks.
	o, _, err = d.paid(ctx, dinterotest.Authorized, 0, func(s *dintero.Order) {
		s.Amount -= 10000
		s.PartialPayment = true
	})
	if err != nil {
		return err
	}
	expect(o, ordermgmt.FindingTotalAboveAuthorized)

	// An order in SEK whose payment was taken in NOK.
	o, _, err = d.paid(ctx, dinterotest.Authorized, 0, func(s *dintero.Order) { s.Currency = "NOK" }, func(spec *wctest.OrderSpec) { spec.Currency = "SEK" })
	if err != nil {
		return err
	}
	expect(o, ordermgmt.FindingCurrencyMismatch)

	// Paid in the store's name for an order that does not exist.
	loose, _, err := d.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}, ProfileID: "default",
		Order: dintero.Order{Amount: 19900, Currency: "NOK", MerchantReference: "999999"}}, nil)
	if err != nil {
		return err
	}
	looseTx, err := d.dt.Pay(ctx, loose.ID, dinterotest.Authorized)
	if err != nil {
		return err
	}
	d.wantLoose[looseTx.ID] = []ordermgmt.FindingKind{ordermgmt.FindingTransactionWithoutOrder}

	// Processing with Dintero, and no transaction: the callback was lost.
	spec := demoSpec(woocommerce.StatusProcessing)
	o = d.store.SeedOrder(spec)
	expect(o, ordermgmt.FindingOrderWithoutTransaction)

	// Another order's payment pasted into this one.
	spec.TransactionID = cleanTx.ID
	o = d.store.SeedOrder(spec)
	expect(o, ordermgmt.FindingTransactionMismatch)
	return nil
}
