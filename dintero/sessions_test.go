package dintero

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/dinterowoo/dinterowoo/money"
)

func testOrder() Order {
	return Order{
		Amount: 33890, Currency: "NOK", MerchantReference: "wc-1001", VATAmount: 6778,
		Items: []Item{{ID: "chair-1", LineID: "1", Description: "Stablestol", Quantity: N(1), Amount: 29990, VATAmount: 5998, VAT: N(25)}},
		ShippingOption: &ShippingOption{ID: "pickup", LineID: "shipping", Amount: 3900, VATAmount: 780, VAT: N(25),
			Title: "Pick up", DeliveryMethod: "pick_up"},
	}
}

const wantOrderJSON = `{"amount":33890,"currency":"NOK","merchant_reference":"wc-1001","vat_amount":6778,
  "items":[{"id":"chair-1","line_id":"1","description":"Stablestol","quantity":1,"amount":29990,"vat_amount":5998,"vat":25}],
  "shipping_option":{"id":"pickup","line_id":"shipping","amount":3900,"vat_amount":780,"vat":25,"title":"Pick up","operator":"","delivery_method":"pick_up"}}`

func TestSessionsCreateFromProfile(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"sessions-profile", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("include_session") != "true" {
			t.Errorf("include_session missing: %s", r.URL.RawQuery)
		}
		return expect(t, "POST", "/v1/sessions-profile",
			`{"url":{"return_url":"https://shop.test/thanks","callback_url":"https://shop.test/cb"},"order":`+wantOrderJSON+`,"profile_id":"default"}`,
			200, `{"id":"T12345678.sess","url":"https://checkout.dintero.com/v1/view/T12345678.sess","session":{"id":"T12345678.sess"}}`)(r)
	})
	created, _, err := c.Sessions.CreateFromProfile(context.Background(), &SessionRequest{
		URL: SessionURLs{ReturnURL: "https://shop.test/thanks", CallbackURL: "https://shop.test/cb"}, Order: testOrder(), ProfileID: "default",
	}, &CreateOptions{IncludeSession: true})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != "T12345678.sess" || created.URL == "" || created.Session == nil {
		t.Errorf("created = %+v", created)
	}
}

func TestSessionsCreateInline(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"sessions", expect(t, "POST", "/v1/sessions",
		`{"url":{"return_url":"https://shop.test/thanks"},"order":`+wantOrderJSON+`,"configuration":{"auto_capture":false}}`,
		200, `{"id":"T12345678.s2","url":"https://x"}`))
	_, _, err := c.Sessions.Create(context.Background(), &SessionRequest{
		URL: SessionURLs{ReturnURL: "https://shop.test/thanks"}, Order: testOrder(), Configuration: map[string]any{"auto_capture": false},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func TestSessionsGetUpdateCancel(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	ctx := context.Background()
	mt.RegisterResponder(http.MethodGet, checkoutURL+"sessions/S1", expect(t, "GET", "/v1/sessions/S1", "", 200,
		`{"id":"S1","transaction_id":"T1","order":{"amount":100,"currency":"NOK","merchant_reference":"m"},"url":{"return_url":"https://r"}}`))
	sess, _, err := c.Sessions.Get(ctx, "S1")
	if err != nil || sess.TransactionID != "T1" || sess.Order.Amount != 100 {
		t.Fatalf("sess %+v err %v", sess, err)
	}
	mt.RegisterResponder(http.MethodPut, checkoutURL+"sessions/S1", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("update_without_lock") != "true" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		return expect(t, "PUT", "/v1/sessions/S1", `{"order":`+wantOrderJSON+`,"remove_lock":false}`, 200, `{"id":"S1"}`)(r)
	})
	removeLock := false
	if _, _, err := c.Sessions.Update(ctx, "S1", &SessionUpdate{Order: testOrder(), RemoveLock: &removeLock}, &UpdateOptions{WithoutLock: true}); err != nil {
		t.Fatal(err)
	}
	mt.RegisterResponder(http.MethodPost, checkoutURL+"sessions/S1/cancel", expect(t, "POST", "/v1/sessions/S1/cancel", "", 200,
		`{"id":"S1","cancelled_at":"2026-11-29T10:00:00Z","cancelled_by":"x"}`))
	sess, _, err = c.Sessions.Cancel(ctx, "S1")
	if err != nil || sess.CancelledAt.IsZero() {
		t.Fatalf("cancel: %+v %v", sess, err)
	}
}

// TestCheckOrder follows dintero_spec.md §4.1: line_id is optional,
// gift_card lines are negative, and amounts must add up only with the
// strict-session-amounts toggle (always on update).
func TestCheckOrder(t *testing.T) {
	giftCard := Item{LineID: "gift-ABCD", Type: ItemGiftCard, Description: "Gift card: ABCD", Quantity: N(1), Amount: -5000}
	tests := []struct {
		name       string
		mutate     func(*Order)
		ok, strict bool // valid without, and with, the toggle
	}{
		{"valid", func(*Order) {}, true, true},
		{"unknown currency", func(o *Order) { o.Currency = "XYZ" }, false, false},
		{"no reference", func(o *Order) { o.MerchantReference = "" }, false, false},
		{"negative amount", func(o *Order) { o.Amount = -1 }, false, false},
		{"amount off by one", func(o *Order) { o.Amount++ }, true, false},
		{"shipping forgotten", func(o *Order) { o.Amount -= 3900 }, true, false},
		{"partial payment below", func(o *Order) { o.Amount -= 3900; o.PartialPayment = true }, true, true},
		{"partial payment above", func(o *Order) { o.Amount += 1; o.PartialPayment = true }, false, false},
		{"duplicate line", func(o *Order) { o.Items = append(o.Items, o.Items[0]); o.Amount += 29990 }, false, false},
		{"shipping line clash", func(o *Order) { o.ShippingOption.LineID = "1" }, false, false},
		{"no line id", func(o *Order) { o.Items[0].LineID = "" }, true, true},
		{"two lines without ids", func(o *Order) {
			o.Items[0].LineID = ""
			o.Items = append(o.Items, o.Items[0])
			o.Amount += 29990
		}, true, true},
		{"gift card", func(o *Order) { o.Items = append(o.Items, giftCard); o.Amount -= 5000 }, true, true},
		{"negative product line", func(o *Order) { o.Items[0].Amount = -29990; o.Amount -= 2 * 29990 }, false, false},
		{"shipping only, amount off", func(o *Order) { o.Items = nil; o.Amount = 500 }, true, false},
		{"amounts that overflow", func(o *Order) {
			o.Items = append(o.Items, Item{LineID: "a", Amount: 1 << 62}, Item{LineID: "b", Amount: 1 << 62}, Item{LineID: "c", Amount: 1 << 62}, Item{LineID: "d", Amount: 1 << 62})
		}, false, false},
		{"shipping without title", func(o *Order) { o.ShippingOption.Title = "" }, false, false},
		{"shipping without line id", func(o *Order) { o.ShippingOption.LineID = "" }, false, false},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			o := testOrder()
			tt.mutate(&o)
			err := checkOrder(&o, strict)
			want := tt.ok
			if strict {
				want = tt.strict
			}
			if want != (err == nil) {
				t.Errorf("%s (strict %v): err = %v", tt.name, strict, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("%s: %v does not wrap ErrInvalidRequest", tt.name, err)
			}
		}
	}
	o := testOrder()
	o.Currency = "XYZ"
	if err := CheckOrder(&o); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("unknown currency: %v", err)
	}
}

func TestSessionValidationSendsNothing(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	ctx := context.Background()
	good := SessionRequest{URL: SessionURLs{ReturnURL: "https://r"}, Order: testOrder(), ProfileID: "default"}
	noReturn := good
	noReturn.URL.ReturnURL = ""
	noProfile := good
	noProfile.ProfileID = ""
	badOrder := good
	badOrder.Order.Amount = 1
	for name, call := range map[string]func() error{
		"nil":        func() error { _, _, err := c.Sessions.CreateFromProfile(ctx, nil, nil); return err },
		"no return":  func() error { _, _, err := c.Sessions.CreateFromProfile(ctx, &noReturn, nil); return err },
		"no profile": func() error { _, _, err := c.Sessions.CreateFromProfile(ctx, &noProfile, nil); return err },
		"bad order": func() error {
			_, _, err := c.Sessions.CreateFromProfile(ctx, &badOrder, &CreateOptions{StrictAmounts: true})
			return err
		},
		"bad update": func() error {
			_, _, err := c.Sessions.Update(ctx, "S1", &SessionUpdate{Order: badOrder.Order}, nil)
			return err
		},
		"no config":    func() error { _, _, err := c.Sessions.Create(ctx, &good, nil); return err },
		"nil update":   func() error { _, _, err := c.Sessions.Update(ctx, "S1", nil, nil); return err },
		"empty get":    func() error { _, _, err := c.Sessions.Get(ctx, ""); return err },
		"empty cancel": func() error { _, _, err := c.Sessions.Cancel(ctx, ""); return err },
	} {
		if err := call(); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if mt.GetTotalCallCount() != 0 {
		t.Errorf("%d requests sent", mt.GetTotalCallCount())
	}
}
