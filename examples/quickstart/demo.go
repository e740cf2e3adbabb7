package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

const (
	webhookSecret  = "quickstart-webhook-secret"
	callbackSecret = "quickstart-callback-secret"
)

// shop is the in-process world: a store, a Dintero, the engine and the
// service that receives their webhooks and callbacks.
type shop struct {
	store   *wctest.Server
	dintero *dinterotest.Server
	wc      *woocommerce.Client
	dc      *dintero.Client
	engine  *ordermgmt.Engine
	service *httptest.Server
	p       *printer
}

func newShop(ctx context.Context, out io.Writer) (*shop, error) {
	s := &shop{p: &printer{w: out}}
	s.store = wctest.NewServer()
	s.dintero = dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)))
	var err error
	if s.wc, err = s.store.Client(); err != nil {
		return nil, err
	}
	if s.dc, err = s.dintero.Client(dintero.WithSystem("woocommerce", "9.4.0")); err != nil {
		return nil, err
	}
	if s.engine, err = ordermgmt.New(s.wc, s.dc); err != nil {
		return nil, err
	}
	// The service a merchant runs: WooCommerce webhooks and Dintero
	// callbacks on one mux.
	mux := http.NewServeMux()
	s.service = httptest.NewServer(mux)
	webhooks, err := s.engine.WebhookHandler(webhookSecret)
	if err != nil {
		return nil, err
	}
	public, _ := url.Parse(s.service.URL) // the URL Dintero calls
	callbacks, err := s.engine.CallbackHandler(&dintero.CallbackVerifier{
		Secret: []byte(callbackSecret), AccountID: s.dintero.AccountID(), PublicURL: public})
	if err != nil {
		return nil, err
	}
	mux.Handle("/hooks/woocommerce", webhooks)
	mux.Handle("/hooks/dintero", callbacks)
	if _, _, err := s.wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Name: "dinterowoo", Topic: "order.updated",
		DeliveryURL: s.service.URL + "/hooks/woocommerce", Secret: webhookSecret}); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *shop) close() {
	s.store.Close()
	s.dintero.Close()
	s.service.Close()
}

func dec(v string) decimal.Decimal { return decimal.RequireFromString(v) }

// newOrder is the merchant guide's order: two products at 25 % VAT, one at
// 15 %, and shipping, in NOK.
func newOrder() wctest.OrderSpec {
	return wctest.OrderSpec{
		Currency: "NOK", Status: woocommerce.StatusPending,
		Billing: woocommerce.Address{FirstName: "Kari", LastName: "Nordmann", Email: "kari@example.no"},
		Lines: []wctest.LineSpec{
			{Name: "Chair", Quantity: 2, UnitPrice: dec("1000.00"), TaxRate: dec("25")},
			{Name: "Lamp", Quantity: 1, UnitPrice: dec("399.20"), TaxRate: dec("25")},
			{Name: "Cookbook", Quantity: 3, UnitPrice: dec("86.96"), TaxRate: dec("15")},
		},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: dec("79.20"), TaxRate: dec("25")}},
	}
}

// pay plays the customer paying at Dintero; the callback reaches the
// service, which brings the order up to date.
func (s *shop) pay(ctx context.Context, o *woocommerce.Order, outcome dinterotest.Outcome) (*dintero.Transaction, error) {
	order, err := ordermgmt.SessionOrder(o)
	if err != nil {
		return nil, err
	}
	callback, err := ordermgmt.CallbackURL(s.service.URL + "/hooks/dintero")
	if err != nil {
		return nil, err
	}
	created, _, err := s.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL:   dintero.SessionURLs{ReturnURL: "https://shop.example/thanks", CallbackURL: callback},
		Order: order, ProfileID: "default"}, nil)
	if err != nil {
		return nil, err
	}
	return s.dintero.Pay(ctx, created.ID, outcome)
}

// admin plays the merchant changing the status in the admin; WooCommerce
// tells the service by webhook.
func (s *shop) admin(id int64, status woocommerce.Status) error {
	if err := s.store.SetStatus(id, status); err != nil {
		return err
	}
	s.store.WaitWebhooks()
	return nil
}

func (s *shop) order(id int64) *woocommerce.Order {
	o, _ := s.store.Order(id)
	return o
}

// newNotes prints the notes written since the last call.
func (s *shop) newNotes(id int64, seen *int) {
	notes := s.store.Notes(id)
	for _, n := range notes[*seen:] {
		s.p.linef("note: %s", n.Note)
	}
	*seen = len(notes)
}

func nok(minor int64) string { return money.Currency{Code: "NOK", Exponent: 2}.Format(minor) }

func run(ctx context.Context, out io.Writer) error {
	s, err := newShop(ctx, out)
	if err != nil {
		return err
	}
	defer s.close()
	p := s.p
	fmt.Fprintln(out, "dinterowoo quickstart: an in-process WooCommerce and Dintero, and the engine between them")

	// Order 1: paid, captured, refunded in three ways.
	p.section("Order 1: capture and refunds")
	o := s.store.SeedOrder(newOrder())
	p.stepf("The customer orders in WooCommerce: order #%d, %s %s, status %s", o.ID, o.Total.StringFixed(2), o.Currency, o.Status)
	for _, l := range o.LineItems {
		p.linef("%d × %-9s %8s + %7s VAT", l.Quantity.IntPart(), l.Name, l.Total.StringFixed(2), l.TotalTax.StringFixed(2))
	}
	for _, l := range o.ShippingLines {
		p.linef("shipping %-8s %7s + %7s VAT", l.MethodTitle, l.Total.StringFixed(2), l.TotalTax.StringFixed(2))
	}
	seen := 0
	tx, err := s.pay(ctx, o, dinterotest.Authorized)
	if err != nil {
		return err
	}
	p.stepf("The customer pays with Dintero: transaction %s is %s for %s; the callback arrives", tx.ID, tx.Status, nok(tx.Amount))
	p.linef("order status: %s", s.order(o.ID).Status)
	s.newNotes(o.ID, &seen)

	p.stepf("The merchant sets the order to Completed")
	if err := s.admin(o.ID, woocommerce.StatusCompleted); err != nil {
		return err
	}
	s.newNotes(o.ID, &seen)
	now, _ := s.dintero.Transaction(tx.ID)
	p.linef("Dintero: %s, captured %s", now.Status, nok(now.CapturedAmount()))

	chair, book, ship := o.LineItems[0], o.LineItems[2], o.ShippingLines[0]
	refunds := []struct {
		what string
		req  ordermgmt.RefundRequest
	}{
		{"one chair (the tax is computed)", ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 1}}}},
		{"50.00 of the cookbooks' sum with 7.50 tax, typed by the merchant", ordermgmt.RefundRequest{
			Items: []ordermgmt.RefundItem{{ItemID: book.ID, Total: ptr(dec("50.00")), Tax: ptr(dec("7.50"))}}, Reason: "Damaged covers"}},
		{"the shipping, 79.20 with 19.80 tax", ordermgmt.RefundRequest{
			Items: []ordermgmt.RefundItem{{ItemID: ship.ID, Total: ptr(dec("79.20")), Tax: ptr(dec("19.80"))}}}},
	}
	for _, r := range refunds {
		p.stepf("The merchant refunds %s via Dintero", r.what)
		res, err := s.engine.Refund(ctx, o.ID, r.req)
		if err != nil {
			return err
		}
		for _, it := range res.Items {
			p.linef("Dintero refund %s: line %s, %s incl. %s VAT (%s %%)", res.Reference, short(it.LineID), nok(it.Amount), nok(it.VATAmount), it.VAT)
		}
		s.store.WaitWebhooks()
		s.newNotes(o.ID, &seen)
	}
	p.stepf("Refunding more chairs than are left is refused before anything moves")
	_, err = s.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: 2}}})
	p.linef("error: %v", err)

	// Order 2: held for manual review, then authorized.
	p.section("Order 2: manual review")
	o2 := s.store.SeedOrder(newOrder())
	seen2 := 0
	tx2, err := s.pay(ctx, o2, dinterotest.OnHold)
	if err != nil {
		return err
	}
	p.stepf("Order #%d is paid, but Dintero holds the payment for review (%s)", o2.ID, tx2.Status)
	p.linef("order status: %s", s.order(o2.ID).Status)
	s.newNotes(o2.ID, &seen2)
	if _, err := s.dintero.ResolveOnHold(ctx, tx2.ID, true); err != nil {
		return err
	}
	s.store.WaitWebhooks()
	p.stepf("Dintero authorizes it; its second callback arrives")
	p.linef("order status: %s", s.order(o2.ID).Status)
	s.newNotes(o2.ID, &seen2)

	// Order 3: cancelled before capture.
	p.section("Order 3: cancellation")
	o3 := s.store.SeedOrder(newOrder())
	seen3 := 0
	tx3, err := s.pay(ctx, o3, dinterotest.Authorized)
	if err != nil {
		return err
	}
	s.newNotes(o3.ID, &seen3)
	p.stepf("The merchant cancels order #%d", o3.ID)
	if err := s.admin(o3.ID, woocommerce.StatusCancelled); err != nil {
		return err
	}
	s.newNotes(o3.ID, &seen3)
	now3, _ := s.dintero.Transaction(tx3.ID)
	p.linef("Dintero: %s", now3.Status)

	// The books agree.
	p.section("Where the money is")
	for _, id := range []int64{o.ID, o2.ID, o3.ID} {
		ord := s.order(id)
		t, _ := s.dintero.Transaction(ord.TransactionID)
		fmt.Fprintf(out, "Order #%d: WooCommerce %s, total %s, refunded %s\n", id, ord.Status,
			ord.Total.StringFixed(2), ord.RefundedTotal().StringFixed(2))
		fmt.Fprintf(out, "  Dintero %s: authorized %s, captured %s, refunded %s\n", t.Status, nok(t.Amount), nok(t.CapturedAmount()), nok(t.RefundedAmount()))
		for _, e := range t.Events {
			ref := ""
			if e.EventReference != "" {
				ref = " " + e.EventReference
			}
			fmt.Fprintf(out, "    event %-10s %12s%s\n", e.Event, nok(e.Amount), ref)
		}
	}
	return nil
}

func ptr(d decimal.Decimal) *decimal.Decimal { return &d }

// short trims a long line id for the timeline.
func short(id string) string {
	if len(id) > 14 {
		return id[:11] + "…"
	}
	return strings.TrimSpace(id)
}
