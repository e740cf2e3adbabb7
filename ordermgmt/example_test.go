package ordermgmt_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// demo is a store and a Dintero in-process, an engine, and one NOK order
// paid and processing.
func demo() (*ordermgmt.Engine, *wctest.Server, *dinterotest.Server, *woocommerce.Order) {
	store, dt := wctest.NewServer(), dinterotest.NewServer()
	wc, _ := store.Client()
	dc, _ := dt.Client()
	engine, _ := ordermgmt.New(wc, dc)
	o := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
		Lines:    []wctest.LineSpec{{Name: "Chair", Quantity: 2, UnitPrice: decimal.RequireFromString("1000"), TaxRate: decimal.RequireFromString("25")}},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: decimal.RequireFromString("79.20"), TaxRate: decimal.RequireFromString("25")}},
	})
	ctx := context.Background()
	session, _ := ordermgmt.SessionOrder(o)
	created, _, _ := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}, ProfileID: "default", Order: session}, nil)
	tx, _ := dt.Pay(ctx, created.ID, dinterotest.Authorized)
	engine.ReconcileTransaction(ctx, o.ID, tx.ID) // what the callback does
	o, _ = store.Order(o.ID)
	return engine, store, dt, o
}

func ExampleEngine_Capture() {
	engine, store, dt, o := demo()
	defer store.Close()
	defer dt.Close()

	// The merchant sets the order to Completed (or calls Capture).
	store.SetStatus(o.ID, woocommerce.StatusCompleted)
	if _, err := engine.Reconcile(context.Background(), o.ID); err != nil { // what the webhook does
		fmt.Println(err)
		return
	}
	for _, n := range store.Notes(o.ID)[2:] {
		fmt.Println(n.Note)
	}
	tx, _ := dt.Transaction(o.TransactionID)
	fmt.Println(tx.Status, tx.CapturedAmount())
	// Output:
	// Order status changed from Processing to Completed.
	// The Dintero order has been captured. Captured amount: 2599.00 NOK.
	// CAPTURED 259900
}

func ExampleEngine_Refund() {
	engine, store, dt, o := demo()
	defer store.Close()
	defer dt.Close()
	ctx := context.Background()
	engine.Capture(ctx, o.ID)

	// Refund one of the two chairs: the tax is computed from the line.
	res, err := engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Amount, res.Items[0].VATAmount)
	fmt.Println(res.Note)

	// A second refund of three chairs is refused before anything is sent.
	_, err = engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 3}},
	})
	fmt.Println(err)
	// Output:
	// 125000 25000
	// The Dintero order has been partially refunded. Refunded amount: 1250.00 NOK.
	// ordermgmt: invalid refund of item 102: quantity 3 is more than the 1 left of product line 102 (Chair)
}

func ExampleEngine_Plan() {
	engine, store, dt, o := demo()
	defer store.Close()
	defer dt.Close()
	store.SetStatus(o.ID, woocommerce.StatusCompleted)

	// What would Reconcile do? Nothing is done yet.
	plan, err := engine.Plan(context.Background(), o.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range plan.Actions {
		fmt.Println(a.Kind, a.Amount, a.Reference, len(a.Items), "lines")
		fmt.Println("then:", a.Note)
	}
	// Output:
	// capture 259900 wc-101-capture 2 lines
	// then: The Dintero order has been captured. Captured amount: 2599.00 NOK.
}

// A capture whose caller gave up while Dintero was still working on it is
// in doubt: Reconcile only reads until Dintero shows it or the wait ends.
func ExampleResult_waiting() {
	engine, store, dt, o := demo()
	defer store.Close()
	defer dt.Close()

	// Dintero holds the capture until the caller's deadline has passed,
	// and makes it 100 ms later.
	dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{LateCommit: true, CommitDelay: 100 * time.Millisecond, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := engine.Capture(ctx, o.ID)
	fmt.Println("capture:", err != nil)

	// The webhook of the order update arrives at once: nothing is sent.
	res, _ := engine.Reconcile(context.Background(), o.ID)
	for _, w := range res.Waiting {
		fmt.Println("waiting:", w.Action, "for", w.Until.Sub(w.Since))
	}
	dt.WaitLateCommits()
	res, _ = engine.Reconcile(context.Background(), o.ID)
	tx, _ := dt.Transaction(o.TransactionID)
	fmt.Println("after Dintero finished:", len(res.Waiting), "waiting;", tx.Status, tx.CapturedAmount())
	// Output:
	// capture: true
	// waiting: capture 259900 (wc-101-capture) for 15m0s
	// after Dintero finished: 0 waiting; CAPTURED 259900
}
