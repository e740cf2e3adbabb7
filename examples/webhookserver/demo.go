package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// runDemo wires the service to in-process servers, drives three orders
// through it (pay, complete; pay, cancel; pay, complete, refund by status)
// and shuts it down.
func runDemo(ctx context.Context, log *slog.Logger) error {
	const webhookSecret, callbackSecret = "demo-webhook-secret", "demo-callback-secret"
	store := wctest.NewServer()
	defer store.Close()
	dt := dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)))
	defer dt.Close()
	wc, _ := store.Client()
	dc, _ := dt.Client()
	cfg := &config{addr: "127.0.0.1:0", wc: wc, dc: dc, webhookSecret: webhookSecret, callbackSecret: callbackSecret,
		accountID: dt.AccountID(), pollInterval: 200 * time.Millisecond}

	ctx, stop := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		stop()
		return err
	}
	base := "http://" + addr
	if _, _, err := wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated",
		DeliveryURL: base + "/hooks/woocommerce", Secret: webhookSecret}); err != nil {
		stop()
		return err
	}

	d := decimal.RequireFromString
	drive := func(then ...woocommerce.Status) (int64, error) {
		o := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
			Lines:    []wctest.LineSpec{{Name: "Chair", Quantity: 2, UnitPrice: d("1000"), TaxRate: d("25")}},
			Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}}})
		session, err := ordermgmt.SessionOrder(o)
		if err != nil {
			return 0, err
		}
		callback, err := ordermgmt.CallbackURL(base + "/hooks/dintero")
		if err != nil {
			return 0, err
		}
		created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
			URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks", CallbackURL: callback}}, nil)
		if err != nil {
			return 0, err
		}
		if _, err := dt.Pay(ctx, created.ID, dinterotest.Authorized); err != nil {
			return 0, err
		}
		for _, st := range then {
			store.SetStatus(o.ID, st) // the merchant in the admin
			store.WaitWebhooks()
		}
		return o.ID, nil
	}
	var ids []int64
	for _, path := range [][]woocommerce.Status{
		{woocommerce.StatusCompleted},
		{woocommerce.StatusCancelled},
		{woocommerce.StatusCompleted, woocommerce.StatusRefunded},
	} {
		id, err := drive(path...)
		if err != nil {
			stop()
			return err
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		o, _ := store.Order(id)
		tx, _ := dt.Transaction(o.TransactionID)
		log.Info("order", "id", id, "woocommerce", string(o.Status), "dintero", string(tx.Status),
			"captured", tx.CapturedAmount(), "refunded", tx.RefundedAmount())
		fmt.Printf("order %d: WooCommerce %s, Dintero %s (captured %d, refunded %d)\n", id, o.Status, tx.Status, tx.CapturedAmount(), tx.RefundedAmount())
	}
	stop()
	return <-done
}
