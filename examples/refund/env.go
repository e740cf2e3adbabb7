package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// environment is where the tool works: in-process servers with a demo
// order, or a real store and account.
type environment struct {
	wc        *woocommerce.Client
	engine    *ordermgmt.Engine
	demoOrder int64
	close     func()
}

func setup(ctx context.Context, real bool) (*environment, error) {
	if real {
		return realEnvironment()
	}
	store, dt := wctest.NewServer(), dinterotest.NewServer()
	env := &environment{close: func() { store.Close(); dt.Close() }}
	wc, _ := store.Client()
	dc, _ := dt.Client()
	engine, err := ordermgmt.New(wc, dc)
	if err != nil {
		env.close()
		return nil, err
	}
	env.wc, env.engine = wc, engine
	d := decimal.RequireFromString
	o := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
		Lines: []wctest.LineSpec{
			{Name: "Chair", Quantity: 2, UnitPrice: d("1000.00"), TaxRate: d("25")},
			{Name: "Lamp", Quantity: 1, UnitPrice: d("399.20"), TaxRate: d("25")},
			{Name: "Cookbook", Quantity: 3, UnitPrice: d("86.96"), TaxRate: d("15")},
		},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}},
	})
	session, err := ordermgmt.SessionOrder(o)
	if err != nil {
		env.close()
		return nil, err
	}
	created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"}, ProfileID: "default", Order: session}, nil)
	if err != nil {
		env.close()
		return nil, err
	}
	tx, err := dt.Pay(ctx, created.ID, dinterotest.Authorized)
	if err == nil {
		_, err = engine.ReconcileTransaction(ctx, o.ID, tx.ID)
	}
	if err == nil {
		_, err = engine.Capture(ctx, o.ID)
	}
	if err != nil {
		env.close()
		return nil, err
	}
	env.demoOrder = o.ID
	return env, nil
}

func realEnvironment() (*environment, error) {
	get := func(k string) string { return os.Getenv(k) }
	for _, k := range []string{"WC_URL", "WC_KEY", "WC_SECRET", "DINTERO_ACCOUNT_ID", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET"} {
		if get(k) == "" {
			return nil, fmt.Errorf("%s is not set", k)
		}
	}
	wc, err := woocommerce.New(get("WC_URL"), get("WC_KEY"), get("WC_SECRET"))
	if err != nil {
		return nil, err
	}
	dc, err := dintero.New(get("DINTERO_ACCOUNT_ID"), get("DINTERO_CLIENT_ID"), get("DINTERO_CLIENT_SECRET"))
	if err != nil {
		return nil, err
	}
	engine, err := ordermgmt.New(wc, dc)
	if err != nil {
		return nil, err
	}
	return &environment{wc: wc, engine: engine, close: func() {}}, nil
}

// show prints an order's refundable lines.
func (env *environment) show(ctx context.Context, out io.Writer, id int64) error {
	o, _, err := env.wc.Orders.Get(ctx, id, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Order %d (%s): %s %s, refunded %s\n", o.ID, o.Status, o.Total.StringFixed(2), o.Currency, o.RefundedTotal().StringFixed(2))
	fmt.Fprintln(out, "  item  line")
	for _, l := range o.LineItems {
		fmt.Fprintf(out, "  %4d  %d × %-12s %10s + %8s VAT\n", l.ID, l.Quantity.IntPart(), l.Name, l.Total.StringFixed(2), l.TotalTax.StringFixed(2))
	}
	for _, l := range o.FeeLines {
		fmt.Fprintf(out, "  %4d  fee %-14s %10s + %8s VAT\n", l.ID, l.Name, l.Total.StringFixed(2), l.TotalTax.StringFixed(2))
	}
	for _, l := range o.ShippingLines {
		fmt.Fprintf(out, "  %4d  shipping %-9s %10s + %8s VAT\n", l.ID, l.MethodTitle, l.Total.StringFixed(2), l.TotalTax.StringFixed(2))
	}
	return nil
}
