package ordermgmt_test

import (
	"context"
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
	"github.com/shopspring/decimal"
)

// world is a store, a Dintero, and an engine between them, with the
// engine's webhook and callback handlers served on loopback.
type world struct {
	t      testing.TB
	store  *wctest.Server
	dt     *dinterotest.Server
	wc     *woocommerce.Client
	dc     *dintero.Client
	engine *ordermgmt.Engine
	hooks  *httptest.Server
	clock  *fakeClock
}

// fakeClock is the engine's clock in tests: real time plus what the test
// has stepped over, so in-doubt waits pass at once.
type fakeClock struct {
	mu      sync.Mutex
	stepped time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.stepped)
}

// advance moves the clock on by d.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stepped += d
}

// pastDoubt moves the engine's clock past the in-doubt wait.
func (w *world) pastDoubt() {
	w.clock.advance(w.engine.Settings().InDoubtWait + time.Second)
}

const (
	webhookSecret  = "wc-webhook-secret"
	callbackSecret = "dintero-callback-secret"
)

func d(s string) decimal.Decimal   { return decimal.RequireFromString(s) }
func dp(s string) *decimal.Decimal { v := d(s); return &v }

type worldOption struct {
	settings ordermgmt.Settings
	webhooks bool
	queue    ordermgmt.Queue
}

func newWorld(t testing.TB, opts ...func(*worldOption)) *world {
	t.Helper()
	var o worldOption
	for _, f := range opts {
		f(&o)
	}
	w := &world{t: t, clock: &fakeClock{}}
	w.store = wctest.NewServer()
	// A balancing line in these tests only ever balances rounding: a
	// larger one would hide a line the engine left out.
	w.dt = dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)),
		dinterotest.WithChoices(dinterotest.Choices{RoundingLineLimit: 10}))
	fast := time.Millisecond
	var err error
	w.wc, err = w.store.Client(woocommerce.WithRetry(woocommerce.RetryPolicy{MinWait: fast, MaxWait: 5 * fast}))
	if err != nil {
		t.Fatal(err)
	}
	w.dc, err = w.dt.Client(dintero.WithRetry(dintero.RetryPolicy{MinWait: fast, MaxWait: 5 * fast}))
	if err != nil {
		t.Fatal(err)
	}
	eopts := []ordermgmt.Option{ordermgmt.WithSettings(o.settings), ordermgmt.WithClock(w.clock.now)}
	if o.queue != nil {
		eopts = append(eopts, ordermgmt.WithQueue(o.queue))
	}
	w.engine, err = ordermgmt.New(w.wc, w.dc, eopts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.hooks = httptest.NewServer(mux)
	mux.Handle("/woocommerce", webhookHandler(t, w.engine))
	mux.Handle("/dintero/callback", callbackHandler(t, w.engine, w.dt.AccountID(), w.hooks.URL))
	if o.webhooks {
		if _, _, err := w.wc.Webhooks.Create(context.Background(), &woocommerce.WebhookRequest{
			Topic: "order.updated", DeliveryURL: w.hooks.URL + "/woocommerce", Secret: webhookSecret}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		w.store.Close()
		w.dt.Close()
		w.hooks.Close()
		// Every accessor call decoded the servers' JSON with the clients.
		for _, err := range []error{w.store.DecodeError(), w.dt.DecodeError()} {
			if err != nil {
				t.Error(err)
			}
		}
	})
	return w
}

func withWebhooks(o *worldOption) { o.webhooks = true }

// webhookHandler is the engine's webhook handler with the tests' secret.
func webhookHandler(t testing.TB, e *ordermgmt.Engine) http.Handler {
	t.Helper()
	h, err := e.WebhookHandler(webhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// callbackHandler is the engine's callback handler, verifying with the
// tests' secret for callbacks Dintero makes to publicURL.
func callbackHandler(t testing.TB, e *ordermgmt.Engine, accountID, publicURL string) http.Handler {
	t.Helper()
	public, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.CallbackHandler(&dintero.CallbackVerifier{Secret: []byte(callbackSecret), AccountID: accountID, PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// callbackURL is the public URL the tests' callbacks are signed for.
const callbackURL = "https://shop.example/dintero/callback"

// callback calls h as Dintero calls callbackURL with query, signed with
// the tests' secret when sign is set, and returns the answer's status.
func (w *world) callback(h http.Handler, query string, sign bool) int {
	u, _ := url.Parse(callbackURL + "?" + query)
	r := httptest.NewRequest(http.MethodGet, u.String(), nil)
	if sign {
		r.Header.Set(dintero.SignatureHeader, dintero.SignCallback([]byte(callbackSecret), w.dt.AccountID(), "GET", u, time.Now()))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

func withSettings(s ordermgmt.Settings) func(*worldOption) {
	return func(o *worldOption) { o.settings = s }
}

// nokOrder: two products at 25 % VAT, one at 15 %, and shipping at 25 %.
func nokOrder() wctest.OrderSpec {
	return wctest.OrderSpec{
		Currency: "NOK", Status: woocommerce.StatusPending,
		Lines: []wctest.LineSpec{
			{Name: "Chair", Quantity: 2, UnitPrice: d("1000.00"), TaxRate: d("25")},
			{Name: "Lamp", Quantity: 1, UnitPrice: d("399.20"), TaxRate: d("25")},
			{Name: "Cookbook", Quantity: 3, UnitPrice: d("86.96"), TaxRate: d("15")},
		},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}},
	}
}

// paid seeds an order and plays the customer paying it at Dintero with the
// outcome; the callback reaches the engine.
func (w *world) paid(spec wctest.OrderSpec, outcome dinterotest.Outcome) *woocommerce.Order {
	w.t.Helper()
	o := w.store.SeedOrder(spec)
	w.pay(o, outcome)
	got, ok := w.store.Order(o.ID)
	if !ok {
		w.t.Fatal("order vanished")
	}
	return got
}

func (w *world) pay(o *woocommerce.Order, outcome dinterotest.Outcome) *dintero.Transaction {
	w.t.Helper()
	order, err := ordermgmt.SessionOrder(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.paySession(order, outcome)
}

// paySession creates a session for order, as a checkout built it, and
// pays it with the outcome.
func (w *world) paySession(order dintero.Order, outcome dinterotest.Outcome) *dintero.Transaction {
	w.t.Helper()
	ctx := context.Background()
	created, _, err := w.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL: dintero.SessionURLs{ReturnURL: "https://shop.test/thanks",
			CallbackURL: w.hooks.URL + "/dintero/callback?report_error=true&sid_parameter_name=sid"},
		Order: order, ProfileID: "default"}, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	tx, err := w.dt.Pay(ctx, created.ID, outcome)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, cb := range w.dt.Callbacks() {
		if cb.TransactionID == tx.ID && cb.Status != 200 {
			w.t.Fatalf("callback answered %d", cb.Status)
		}
	}
	return tx
}

func (w *world) tx(o *woocommerce.Order) dintero.Transaction {
	w.t.Helper()
	got, _ := w.store.Order(o.ID)
	tx, ok := w.dt.Transaction(got.TransactionID)
	if !ok {
		w.t.Fatalf("order %d has no transaction %q", o.ID, got.TransactionID)
	}
	return tx
}

func (w *world) order(o *woocommerce.Order) *woocommerce.Order {
	w.t.Helper()
	got, _ := w.store.Order(o.ID)
	return got
}

// notes returns the texts of an order's notes, oldest first.
func (w *world) notes(o *woocommerce.Order) []string {
	var out []string
	for _, n := range w.store.Notes(o.ID) {
		out = append(out, n.Note)
	}
	return out
}

func (w *world) wantNotes(o *woocommerce.Order, want ...string) {
	w.t.Helper()
	got := w.notes(o)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		w.t.Errorf("notes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func countEvents(tx dintero.Transaction, typ dintero.EventType) int {
	n := 0
	for _, e := range tx.Events {
		if e.Event == typ && e.Success {
			n++
		}
	}
	return n
}

// countNote counts the order's notes with exactly this text.
func (w *world) countNote(o *woocommerce.Order, text string) int {
	n := 0
	for _, note := range w.notes(o) {
		if note == text {
			n++
		}
	}
	return n
}
