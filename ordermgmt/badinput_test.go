package ordermgmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// snapshot is everything both servers hold about the orders, so a test can
// tell that a refused input changed nothing anywhere.
func (w *world) snapshot(ids ...int64) string {
	var b strings.Builder
	for _, tx := range w.dt.Transactions() {
		j, _ := json.Marshal(tx)
		b.Write(j)
	}
	for _, id := range ids {
		o, _ := w.store.Order(id)
		j, _ := json.Marshal(struct {
			O *woocommerce.Order
			R []woocommerce.Refund
			N []woocommerce.Note
		}{o, w.store.Refunds(id), w.store.Notes(id)})
		b.Write(j)
	}
	return b.String()
}

func rawPost(t *testing.T, url, user, pass, ctype string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBadInput: malformed, missing, wrong-typed, huge, negative,
// over-precise, unknown and stale inputs across the packages each give a
// typed, clear error and change nothing on either server.
func TestBadInput(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	captured := w.captured()
	authorized := w.paid(nokOrder(), dinterotest.Authorized)
	bacs := nokOrder()
	bacs.PaymentMethod = "bacs"
	other := w.store.SeedOrder(bacs)
	ids := []int64{captured.ID, authorized.ID, other.ID}
	capTx, authTx := w.tx(captured), w.tx(authorized)
	chair := captured.LineItems[0]
	key, secret := w.store.Key()
	dec := decimal.RequireFromString
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
	apiStatus := func(status int) func(error) bool {
		return func(err error) bool {
			var e *dintero.APIError
			return errors.As(err, &e) && e.StatusCode == status && e.Message != ""
		}
	}
	nok := dintero.Order{Amount: 100, Currency: "NOK", MerchantReference: "x",
		Items: []dintero.Item{{LineID: "1", Amount: 100}}}
	signed := func(q, sig string, at time.Time) error {
		u, _ := url.Parse("https://shop.example/cb?" + q)
		r := httptest.NewRequest("GET", u.String(), nil)
		if sig != "" {
			r.Header.Set(dintero.SignatureHeader, sig)
		}
		v := &dintero.CallbackVerifier{Secret: []byte("s"), AccountID: w.dt.AccountID(), PublicURL: u, Now: func() time.Time { return at }}
		return v.Verify(r)
	}
	now := time.Now()
	goodURL, _ := url.Parse("https://shop.example/cb?transaction_id=T1")
	hook := func(body []byte, sig string) error {
		r := httptest.NewRequest("POST", "/h", bytes.NewReader(body))
		r.Header.Set(woocommerce.HeaderSignature, sig)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set(woocommerce.HeaderTopic, "order.updated")
		d, err := woocommerce.ParseDelivery(r, webhookSecret, 1<<20)
		if err != nil {
			return err
		}
		_, err = d.Order()
		return err
	}

	cases := []struct {
		name string
		run  func() error
		ok   func(error) bool
	}{
		// The Dintero client and dinterotest.
		{"capture zero", func() error {
			_, _, err := w.dc.Transactions.Capture(ctx, authTx.ID, &dintero.CaptureRequest{})
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"capture negative", func() error {
			_, _, err := w.dc.Transactions.Capture(ctx, authTx.ID, &dintero.CaptureRequest{Amount: -1})
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"capture above remaining", func() error {
			_, _, err := w.dc.Transactions.Capture(ctx, authTx.ID, &dintero.CaptureRequest{Amount: authTx.Amount + 1})
			return err
		}, apiStatus(400)},
		{"capture unknown line id", func() error {
			_, _, err := w.dc.Transactions.Capture(ctx, authTx.ID, &dintero.CaptureRequest{Amount: 100, Items: []dintero.Item{{LineID: "nope", Amount: 100}}})
			return err
		}, apiStatus(400)},
		{"capture lines not adding up", func() error {
			_, _, err := w.dc.Transactions.Capture(ctx, authTx.ID, &dintero.CaptureRequest{Amount: 100, Items: []dintero.Item{{LineID: "1", Amount: 99}}})
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"refund above captured", func() error {
			_, _, err := w.dc.Transactions.Refund(ctx, capTx.ID, &dintero.RefundRequest{Amount: capTx.Amount + 1})
			return err
		}, apiStatus(400)},
		{"refund not captured", func() error {
			_, _, err := w.dc.Transactions.Refund(ctx, authTx.ID, &dintero.RefundRequest{Amount: 1})
			return err
		}, apiStatus(400)},
		{"void after capture", func() error { _, _, err := w.dc.Transactions.Void(ctx, capTx.ID); return err }, apiStatus(400)},
		{"unknown transaction", func() error {
			_, _, err := w.dc.Transactions.Get(ctx, "T12345678.unknown", nil)
			return err
		}, is(dintero.ErrNotFound)},
		{"metadata key", func() error {
			_, _, err := w.dc.Transactions.Refund(ctx, capTx.ID, &dintero.RefundRequest{Amount: 1, Metadata: map[string]string{"k": "v"}})
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"unknown currency", func() error {
			o := nok
			o.Currency = "XBT"
			_, _, err := w.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{URL: dintero.SessionURLs{ReturnURL: "https://r"}, Order: o, ProfileID: "p"}, nil)
			return err
		}, is(money.ErrUnknownCurrency)},
		{"session amount off, strict amounts", func() error {
			o := nok
			o.Amount = 101
			_, _, err := w.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{URL: dintero.SessionURLs{ReturnURL: "https://r"}, Order: o, ProfileID: "p"},
				&dintero.CreateOptions{StrictAmounts: true})
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"session without return url", func() error {
			_, _, err := w.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{Order: nok, ProfileID: "p"}, nil)
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"list limit", func() error {
			_, _, err := w.dc.Transactions.List(ctx, &dintero.ListOptions{Limit: 101})
			return err
		}, is(dintero.ErrInvalidRequest)},
		{"wrong client secret", func() error {
			c, _ := dintero.New(w.dt.AccountID(), dinterotest.DefaultClientID, "wrong", dintero.WithCheckoutURL(w.dt.URL), dintero.WithAPIURL(w.dt.URL))
			_, _, err := c.Transactions.Get(ctx, capTx.ID, nil)
			return err
		}, is(dintero.ErrUnauthorized)},
		{"malformed JSON to Dintero", func() error {
			return fmt.Errorf("status %d", rawPost(t, w.dt.URL+"accounts/"+w.dt.AccountID()+"/auth/token", dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, "application/json", []byte(`{"grant_type":`)))
		}, func(err error) bool { return err.Error() == "status 400" }},
		{"huge body to Dintero (400: no 413 is declared)", func() error {
			return fmt.Errorf("status %d", rawPost(t, w.dt.URL+"accounts/"+w.dt.AccountID()+"/auth/token", dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, "application/json", bytes.Repeat([]byte(" "), 2<<20)))
		}, func(err error) bool { return err.Error() == "status 400" }},
		{"callback wrong signature", func() error {
			return signed("transaction_id=T1", dintero.SignCallback([]byte("other"), w.dt.AccountID(), "GET", goodURL, now), now)
		}, is(dintero.ErrSignatureInvalid)},
		{"callback stale timestamp", func() error {
			return signed("transaction_id=T1", dintero.SignCallback([]byte("s"), w.dt.AccountID(), "GET", goodURL, now.Add(-10*time.Minute)), now)
		}, is(dintero.ErrSignatureExpired)},
		{"callback replayed after the window", func() error {
			sig := dintero.SignCallback([]byte("s"), w.dt.AccountID(), "GET", goodURL, now)
			return signed("transaction_id=T1", sig, now.Add(6*time.Minute))
		}, is(dintero.ErrSignatureExpired)},
		{"callback unsigned", func() error { return signed("transaction_id=T1", "", now) }, is(dintero.ErrSignatureMissing)},

		// The WooCommerce client and wctest.
		{"refund without a gateway choice", func() error {
			_, _, err := w.wc.Refunds.Create(ctx, captured.ID, &woocommerce.RefundRequest{Amount: dec("1")})
			return err
		}, is(woocommerce.ErrInvalidRequest)},
		{"refund negative", func() error {
			_, _, err := w.wc.Refunds.Create(ctx, captured.ID, &woocommerce.RefundRequest{Amount: dec("-1"), Gateway: woocommerce.RecordOnly})
			return err
		}, is(woocommerce.ErrInvalidRequest)},
		{"refund above remaining", func() error {
			_, _, err := w.wc.Refunds.Create(ctx, captured.ID, &woocommerce.RefundRequest{Amount: dec("99999"), Gateway: woocommerce.RecordOnly})
			return err
		}, is(woocommerce.ErrRefundRefused)},
		{"refund lines disagree", func() error {
			_, _, err := w.wc.Refunds.Create(ctx, captured.ID, &woocommerce.RefundRequest{Amount: dec("10"), Gateway: woocommerce.RecordOnly,
				LineItems: []woocommerce.RefundLine{{ItemID: chair.ID, Total: dec("9")}}})
			return err
		}, is(woocommerce.ErrInvalidRequest)},
		{"refund amount as a number", func() error {
			return fmt.Errorf("status %d", rawPost(t, fmt.Sprintf("%swp-json/wc/v3/orders/%d/refunds", w.store.URL, captured.ID), key, secret,
				"application/json", []byte(`{"amount":10,"api_refund":false}`)))
		}, func(err error) bool { return err.Error() == "status 400" }},
		{"malformed JSON to WooCommerce", func() error {
			return fmt.Errorf("status %d", rawPost(t, fmt.Sprintf("%swp-json/wc/v3/orders/%d/notes", w.store.URL, captured.ID), key, secret,
				"application/json", []byte(`{"note":`)))
		}, func(err error) bool { return err.Error() == "status 400" }},
		{"unknown order", func() error { _, _, err := w.wc.Orders.Get(ctx, 987654, nil); return err }, is(woocommerce.ErrNotFound)},
		{"unknown status", func() error {
			_, _, err := w.wc.Orders.SetStatus(ctx, captured.ID, "shipped-to-mars")
			return err
		}, is(woocommerce.ErrInvalidParam)},
		{"per_page too big", func() error {
			_, _, err := w.wc.Orders.List(ctx, &woocommerce.OrderListOptions{PerPage: 101})
			return err
		}, is(woocommerce.ErrInvalidRequest)},
		{"batch too big", func() error {
			b := &woocommerce.OrderBatch{Delete: make([]int64, 101)}
			_, _, err := w.wc.Orders.Batch(ctx, b)
			return err
		}, is(woocommerce.ErrInvalidRequest)},
		{"wrong consumer secret", func() error {
			c, _ := woocommerce.New(w.store.URL, key, "cs_wrong", woocommerce.WithAuth(woocommerce.AuthBasic))
			_, _, err := c.Orders.Get(ctx, captured.ID, nil)
			return err
		}, is(woocommerce.ErrAuthentication)},
		{"empty note", func() error {
			_, _, err := w.wc.Notes.Create(ctx, captured.ID, &woocommerce.NoteRequest{Note: " "})
			return err
		}, is(woocommerce.ErrInvalidRequest)},
		{"webhook wrong signature", func() error {
			return hook([]byte(`{"id":1}`), woocommerce.SignWebhook([]byte(`{"id":1}`), "guess"))
		}, is(woocommerce.ErrSignatureInvalid)},
		{"webhook huge", func() error {
			b := bytes.Repeat([]byte("x"), 2<<20)
			return hook(b, woocommerce.SignWebhook(b, webhookSecret))
		}, is(woocommerce.ErrDeliveryTooLarge)},
		{"webhook malformed order", func() error {
			b := []byte(`{"id":"seven","total":[1]}`)
			return hook(b, woocommerce.SignWebhook(b, webhookSecret))
		}, is(woocommerce.ErrBadDelivery)},

		// The engine.
		{"refund over-precise", func() error {
			_, err := w.engine.Refund(ctx, captured.ID, ordermgmt.RefundRequest{Amount: dec("10.001")})
			return err
		}, is(ordermgmt.ErrInvalidRefund)},
		{"refund unknown line", func() error {
			_, err := w.engine.Refund(ctx, captured.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: 1, Quantity: 1}}})
			return err
		}, is(ordermgmt.ErrInvalidRefund)},
		{"refund above remaining", func() error {
			_, err := w.engine.Refund(ctx, captured.ID, ordermgmt.RefundRequest{Amount: dec("3398.02")})
			return err
		}, is(ordermgmt.ErrInvalidRefund)},
		{"refund negative quantity", func() error {
			_, err := w.engine.Refund(ctx, captured.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Quantity: -1}}})
			return err
		}, is(ordermgmt.ErrInvalidRefund)},
		{"refund negative tax", func() error {
			total, tax := dec("10"), dec("-1")
			_, err := w.engine.Refund(ctx, captured.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: chair.ID, Total: &total, Tax: &tax}}})
			return err
		}, is(ordermgmt.ErrInvalidRefund)},
		{"refund before capture", func() error {
			_, err := w.engine.Refund(ctx, authorized.ID, ordermgmt.RefundRequest{Amount: dec("1")})
			return err
		}, is(ordermgmt.ErrNotCaptured)},
		{"refund another gateway's order", func() error {
			_, err := w.engine.Refund(ctx, other.ID, ordermgmt.RefundRequest{Amount: dec("1")})
			return err
		}, is(ordermgmt.ErrNotDintero)},
		{"transaction of another order", func() error {
			_, err := w.engine.ReconcileTransaction(ctx, authorized.ID, capTx.ID)
			return err
		}, is(ordermgmt.ErrTransactionMismatch)},
		{"overlapping settings", func() error {
			_, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithSettings(ordermgmt.Settings{
				CaptureStatuses: []woocommerce.Status{"completed"}, RefundStatuses: []woocommerce.Status{"completed"}}))
			return err
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), `"completed" is both`) }},
		{"amount out of range", func() error {
			_, err := money.ToMinor(dec("1e30"), "NOK")
			return err
		}, is(money.ErrOutOfRange)},
		// Security review (issue 11).
		{"empty webhook secret", func() error {
			_, err := w.engine.WebhookHandler("")
			return err
		}, is(woocommerce.ErrNoSecret)},
		{"callback verifier without a secret", func() error {
			_, err := w.engine.CallbackHandler(&dintero.CallbackVerifier{AccountID: w.dt.AccountID(), PublicURL: &url.URL{Scheme: "https", Host: "shop.example"}})
			return err
		}, is(dintero.ErrVerifierConfig)},
		{"callback verifier trusting the Host header", func() error {
			_, err := w.engine.CallbackHandler(&dintero.CallbackVerifier{Secret: []byte("s"), AccountID: w.dt.AccountID()})
			return err
		}, is(dintero.ErrVerifierConfig)},
		{"plain http to a remote store", func() error {
			_, err := woocommerce.New("http://shop.example", "ck_1", "cs_1", woocommerce.WithAuth(woocommerce.AuthBasic))
			return err
		}, is(woocommerce.ErrInsecureURL)},
		{"plain http to a remote Dintero", func() error {
			_, err := dintero.New("T12345678", "id", "secret", dintero.WithCheckoutURL("http://checkout.example/v1/"))
			return err
		}, is(dintero.ErrInsecureURL)},
		{"refund on another order's payment", func() error {
			other := w.store.SeedOrder(nokOrder())
			w.wc.Orders.Update(ctx, other.ID, &woocommerce.OrderUpdate{TransactionID: &capTx.ID, Status: woocommerce.StatusCompleted})
			_, err := w.engine.Refund(ctx, other.ID, ordermgmt.RefundRequest{Amount: dec("1")})
			return err
		}, is(ordermgmt.ErrTransactionMismatch)},
		{"mistyped InDoubtWait", func() error {
			_, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithSettings(ordermgmt.Settings{InDoubtWait: 15}))
			return err
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "InDoubtWait") }},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		before := w.snapshot(ids...)
		err := c.run()
		if err == nil || !c.ok(err) {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") || len(err.Error()) > 300 {
			t.Errorf("%s: unclear error %q", c.name, err)
		}
		if after := w.snapshot(ids...); after != before {
			t.Errorf("%s changed state on a server", c.name)
		}
	}
	// Unknown currency on an order: reconciling it is an error, and moves
	// nothing.
	spec := nokOrder()
	spec.Currency = "XBT"
	odd := w.store.SeedOrder(spec)
	// A payment whose session the plugin made (its reference in the
	// order's meta), so that the currency is what is refused.
	pluginTx := w.payWith(w.store.SeedOrder(nokOrder()), func(o *dintero.Order) { o.MerchantReference, o.MerchantReference2 = "plugin-xbt", "" })
	w.wc.Orders.Update(ctx, odd.ID, &woocommerce.OrderUpdate{TransactionID: &pluginTx.ID,
		MetaData: []woocommerce.Meta{woocommerce.MetaString(ordermgmt.MetaPluginMerchantReference, "plugin-xbt")}})
	w.store.SetStatus(odd.ID, woocommerce.StatusCompleted)
	before := w.snapshot(ids...)
	if _, err := w.engine.Reconcile(ctx, odd.ID); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("unknown currency order: %v", err)
	}
	if w.snapshot(ids...) != before {
		t.Error("an order in an unknown currency moved money")
	}
}
