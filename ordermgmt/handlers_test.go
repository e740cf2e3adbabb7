package ordermgmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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

func TestMerchantCompletesInAdminWebhookCaptures(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted) // the admin's Update button
	w.store.WaitWebhooks()
	if tx := w.tx(o); tx.Status != dintero.StatusCaptured {
		t.Fatalf("tx %s", tx.Status)
	}
	notes := w.notes(o)
	if notes[len(notes)-2] != "Order status changed from Processing to Completed." ||
		notes[len(notes)-1] != "The Dintero order has been captured. Captured amount: 3398.01 NOK." {
		t.Errorf("notes %q", notes)
	}
}

// signedDelivery is a webhook delivery of the order as it is now.
func signedDelivery(t *testing.T, w *world, id int64) []byte {
	t.Helper()
	o, _ := w.store.Order(id)
	body, _ := json.Marshal(o)
	return body
}

func post(h http.Handler, body []byte) int {
	r := httptest.NewRequest(http.MethodPost, "/woocommerce", bytes.NewReader(body))
	r.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook(body, webhookSecret))
	r.Header.Set(woocommerce.HeaderTopic, "order.updated")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

func TestDuplicatedAndReorderedWebhooks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	old := signedDelivery(t, w, o.ID) // processing
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	fresh := signedDelivery(t, w, o.ID) // completed
	h := webhookHandler(t, w.engine)
	// Ten copies of both, newest first, concurrently.
	var wg sync.WaitGroup
	for range 10 {
		for _, b := range [][]byte{fresh, old} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code := post(h, b); code != 200 {
					t.Errorf("delivery answered %d", code)
				}
			}()
		}
	}
	wg.Wait()
	tx := w.tx(o)
	if countEvents(tx, dintero.EventCapture) != 1 || w.dt.Requests(dinterotest.RouteCapture) != 1 {
		t.Errorf("captures %d, requests %d", countEvents(tx, dintero.EventCapture), w.dt.Requests(dinterotest.RouteCapture))
	}
	n := w.countNote(o, "The Dintero order has been captured. Captured amount: 3398.01 NOK.")
	if n != 1 {
		t.Errorf("capture notes %d", n)
	}
	// A forged delivery is refused.
	r := httptest.NewRequest(http.MethodPost, "/woocommerce", bytes.NewReader(fresh))
	r.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook(fresh, "guess"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("forged: %d", rec.Code)
	}
}

func TestCallbackHandlerAnswers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	tx := w.tx(o)
	h := callbackHandler(t, w.engine, w.dt.AccountID(), callbackURL)
	call := func(query string, sign bool) int { return w.callback(h, query, sign) }
	if code := call("transaction_id="+tx.ID+"&merchant_reference=1", true); code != 200 {
		t.Errorf("good callback: %d", code)
	}
	if code := call("transaction_id="+tx.ID, false); code != 400 {
		t.Errorf("unsigned: %d", code)
	}
	if code := call("merchant_reference=1", true); code != 400 {
		t.Errorf("no transaction: %d", code)
	}
	if code := call("transaction_id=T12345678.nope", true); code != 400 {
		t.Errorf("unknown transaction: %d", code)
	}
	// A transaction whose order the store does not have: 500, so Dintero
	// tries again (the order may not be saved yet).
	ctx := context.Background()
	created, _, _ := w.dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{URL: dintero.SessionURLs{ReturnURL: "https://r"},
		ProfileID: "default", Order: dintero.Order{Amount: 100, Currency: "NOK", MerchantReference: "999999"}}, nil)
	orphan, _ := w.dt.Pay(ctx, created.ID, dinterotest.Authorized)
	if code := call("transaction_id="+orphan.ID, true); code != 500 {
		t.Errorf("unknown order: %d", code)
	}
	// The query is never trusted: a transaction of another order does not
	// touch this one.
	other := w.paid(nokOrder(), dinterotest.Authorized)
	if code := call("transaction_id="+w.tx(other).ID+"&merchant_reference="+dintero.N(o.ID).String(), true); code != 200 {
		t.Errorf("other order: %d", code)
	}
	if got := w.order(o); got.TransactionID != tx.ID {
		t.Errorf("order relinked to %s", got.TransactionID)
	}
}

func TestPollerReconcilesWhatWebhooksMissed(t *testing.T) {
	t.Parallel()
	w := newWorld(t) // no webhooks: they were all lost
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	var orders []*woocommerce.Order
	for range 12 {
		o := w.paid(nokOrder(), dinterotest.Authorized)
		w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		orders = append(orders, o)
	}
	other := nokOrder()
	other.PaymentMethod = "bacs"
	w.store.SeedOrder(other)
	res, err := w.engine.Poll(ctx, start, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked != 12 || len(res.Failed) != 0 || !res.Until.After(start) {
		t.Errorf("poll %+v", res)
	}
	for _, o := range orders {
		if tx := w.tx(o); tx.Status != dintero.StatusCaptured {
			t.Errorf("order %d: %s", o.ID, tx.Status)
		}
	}
	// Polling again moves no money.
	w.engine.Poll(ctx, start, 4)
	if n := w.dt.Requests(dinterotest.RouteCapture); n != 12 {
		t.Errorf("captures %d", n)
	}
}

func TestNoteFailureIsRetriedWithoutMovingMoneyAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.paid(nokOrder(), dinterotest.Authorized)
	// The capture succeeds; the note after it fails (a crash there).
	w.store.InjectFault(wctest.RouteCreateNote, wctest.Fault{Status: 503, Times: 4})
	if _, err := w.engine.Capture(ctx, o.ID); err == nil {
		t.Fatal("expected the note failure")
	}
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if countEvents(w.tx(o), dintero.EventCapture) != 1 {
		t.Error("captured twice")
	}
	n := w.countNote(o, "The Dintero order has been captured. Captured amount: 3398.01 NOK.")
	if n != 1 {
		t.Errorf("capture notes %d", n)
	}
}

func TestCrashBetweenEverySteps(t *testing.T) {
	t.Parallel()
	// Each WooCommerce or Dintero route fails once, at the start of a
	// refund and then a capture; whatever failed, a later Reconcile leaves
	// exactly one money movement and its note.
	routes := []struct {
		name   string
		inject func(w *world)
		// extraNotes is how many repeated notes the failure may cause: the
		// note is written before the meta that says so, by design.
		extraNotes int
	}{
		{"dintero refund 503", func(w *world) {
			w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 1})
		}, 0},
		{"dintero refund dropped", func(w *world) {
			w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{DropAfterCommit: true, Times: 1})
		}, 0},
		{"woocommerce record dropped", func(w *world) {
			w.store.InjectFault(wctest.RouteCreateRefund, wctest.Fault{DropAfterCommit: true, Times: 1})
		}, 0},
		{"note lost", func(w *world) {
			w.store.InjectFault(wctest.RouteCreateNote, wctest.Fault{Status: 500, Times: 1})
		}, 0},
		{"meta lost", func(w *world) {
			w.store.InjectFault(wctest.RouteUpdateOrder, wctest.Fault{Status: 500, Times: 1})
		}, 1},
		{"read lost", func(w *world) {
			w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 500, Times: 1})
		}, 0},
		{"dintero refund committed late", func(w *world) {
			w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{LateCommit: true, HoldFor: 10 * time.Millisecond,
				CommitDelay: 50 * time.Millisecond, Times: 1})
		}, 0},
		{"dintero refund seen late", func(w *world) {
			w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{DropAfterCommit: true, VisibleAfter: 100 * time.Millisecond, Times: 1})
		}, 0},
		{"woocommerce record committed late", func(w *world) {
			w.store.InjectFault(wctest.RouteCreateRefund, wctest.Fault{LateCommit: true, HoldFor: 10 * time.Millisecond,
				CommitDelay: 50 * time.Millisecond, Times: 1})
		}, 0},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			o := w.captured()
			rt.inject(w)
			w.engine.Refund(ctx, o.ID, ordermgmtRefund100())
			w.engine.Reconcile(ctx, o.ID) // in doubt: reads only
			// Dintero and the store finish what they hold in real time; the
			// engine's clock then steps over the wait.
			w.dt.WaitLateCommits()
			w.store.WaitLateCommits()
			time.Sleep(150 * time.Millisecond) // past VisibleAfter
			w.pastDoubt()
			for range 3 {
				w.engine.Reconcile(ctx, o.ID)
			}
			tx := w.tx(o)
			records := w.store.Refunds(o.ID)
			if len(records) > 1 || tx.RefundedAmount() != int64(len(records))*10000 || countEvents(tx, dintero.EventRefund) != len(records) {
				t.Fatalf("records %d, refunded %d in %d events", len(records), tx.RefundedAmount(), countEvents(tx, dintero.EventRefund))
			}
			n := w.countNote(o, "The Dintero order has been partially refunded. Refunded amount: 100.00 NOK.")
			if n < len(records) || n > len(records)+rt.extraNotes {
				t.Errorf("%d notes for %d refunds", n, len(records))
			}
		})
	}
}

// Handlers refuse, at construction, what would accept forgeries: an empty
// webhook secret, a callback verifier without a secret or a public URL.
// Unsigned callbacks are an explicit choice, logged (security review,
// finding 7).
func TestHandlersRefuseWeakConfiguration(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := w.engine.WebhookHandler(""); !errors.Is(err, woocommerce.ErrNoSecret) {
		t.Errorf("empty webhook secret: %v", err)
	}
	public, _ := url.Parse("https://shop.example/dintero/callback")
	for name, v := range map[string]*dintero.CallbackVerifier{
		"nil":          nil,
		"empty secret": {AccountID: w.dt.AccountID(), PublicURL: public},
		"no PublicURL": {Secret: []byte(callbackSecret), AccountID: w.dt.AccountID()},
	} {
		if _, err := w.engine.CallbackHandler(v); !errors.Is(err, dintero.ErrVerifierConfig) {
			t.Errorf("%s verifier: %v", name, err)
		}
	}
	var logs bytes.Buffer
	e, _ := ordermgmt.New(w.wc, w.dc, ordermgmt.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	e.UnsignedCallbackHandler()
	if !strings.Contains(logs.String(), "not verified") {
		t.Errorf("unsigned callbacks chosen without a word: %q", logs.String())
	}
}

// Replays cost little: fifty copies of one valid webhook, arriving while
// the first is being handled, collapse into one follow-up (security
// review, finding 9).
func TestReplayedWebhooksCoalesce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	o := w.paid(nokOrder(), dinterotest.Authorized)
	w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
	b := signedDelivery(t, w, o.ID)
	h := webhookHandler(t, w.engine)
	// The first reconcile's order read is slow: the replays pile up.
	w.store.InjectFault(wctest.RouteGetOrder, wctest.Fault{Latency: 100 * time.Millisecond, Times: 1})
	reads := w.store.Requests(wctest.RouteGetOrder)
	txReads := w.dt.Requests(dinterotest.RouteGetTransaction)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); post(h, b) }()
	time.Sleep(20 * time.Millisecond)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := post(h, b); code != 200 {
				t.Errorf("replay answered %d", code)
			}
		}()
	}
	wg.Wait()
	// Each reconcile reads the order (and, after a status change, again);
	// two reconciles, not fifty-one.
	if n := w.store.Requests(wctest.RouteGetOrder) - reads; n > 12 {
		t.Errorf("51 deliveries read the order %d times", n)
	}
	if n := w.dt.Requests(dinterotest.RouteGetTransaction) - txReads; n > 12 {
		t.Errorf("51 deliveries read the transaction %d times", n)
	}
	if n := countEvents(w.tx(o), dintero.EventCapture); n != 1 {
		t.Fatalf("%d captures", n)
	}
}

// TestWebhooksSurviveADinteroOutage: during an outage longer than seven
// deliveries, every verified delivery is answered 2xx, so WooCommerce never
// disables the webhook; the orders are due, and the poller captures them
// once Dintero is back.
func TestWebhooksSurviveADinteroOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks)
	var orders []int64
	for range 9 {
		orders = append(orders, w.paid(nokOrder(), dinterotest.Authorized).ID)
	}
	w.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 503})
	for _, id := range orders {
		w.store.SetStatus(id, woocommerce.StatusCompleted)
	}
	w.store.WaitWebhooks()
	failed := 0
	for _, d := range w.store.Deliveries() {
		if !d.Ping && (d.Status < 200 || d.Status > 299) {
			failed++
		}
	}
	if failed != 0 {
		t.Errorf("%d deliveries answered with a failure during the outage", failed)
	}
	hooks, _, err := w.wc.Webhooks.List(context.Background(), nil)
	if err != nil || len(hooks) != 1 || hooks[0].Status != "active" {
		t.Fatalf("webhook after the outage: %+v %v", hooks, err)
	}
	w.dt.ClearFaults()
	if _, err := w.engine.Poll(context.Background(), time.Now().Add(-time.Hour), 4); err != nil {
		t.Fatal(err)
	}
	for _, id := range orders {
		if tx := w.tx(&woocommerce.Order{ID: id}); tx.Status != dintero.StatusCaptured {
			t.Errorf("order %d: %s after the poller", id, tx.Status)
		}
	}
}

// TestCheckWebhooks: a disabled order webhook is reported and, when asked,
// set active again; a paused one is left to the person who paused it;
// webhooks to other URLs are not the service's.
func TestCheckWebhooks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withWebhooks)
	ctx := context.Background()
	url := w.hooks.URL + "/woocommerce"
	h, err := w.engine.CheckWebhooks(ctx, url, false)
	if err != nil || !h.Healthy() || len(h.Webhooks) != 1 {
		t.Fatalf("healthy store: %+v %v", h, err)
	}
	other, _, err := w.wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.created", DeliveryURL: "https://elsewhere.example/hook", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	w.wc.Webhooks.Update(ctx, other.ID, &woocommerce.WebhookRequest{Status: "disabled"})
	paused, _, _ := w.wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.created", DeliveryURL: url + "/", Secret: webhookSecret})
	w.wc.Webhooks.Update(ctx, paused.ID, &woocommerce.WebhookRequest{Status: "paused"})
	ours := h.Webhooks[0]
	w.wc.Webhooks.Update(ctx, ours.ID, &woocommerce.WebhookRequest{Status: "disabled"})

	h, err = w.engine.CheckWebhooks(ctx, url, false)
	if err != nil || h.Healthy() || len(h.Webhooks) != 2 || len(h.Inactive) != 2 || len(h.Reactivated) != 0 {
		t.Fatalf("report only: %+v %v", h, err)
	}
	if !strings.Contains(h.String(), "poller carries") {
		t.Errorf("report %q", h.String())
	}
	h, err = w.engine.CheckWebhooks(ctx, url, true)
	if err != nil || len(h.Reactivated) != 1 || h.Reactivated[0].ID != ours.ID || h.Reactivated[0].Status != "active" {
		t.Fatalf("reactivate: %+v %v", h, err)
	}
	if got, _, _ := w.wc.Webhooks.Get(ctx, paused.ID); got.Status != "paused" {
		t.Errorf("a paused webhook became %s", got.Status)
	}
	if got, _, _ := w.wc.Webhooks.Get(ctx, other.ID); got.Status != "disabled" {
		t.Errorf("another service's webhook became %s", got.Status)
	}
}

// TestSaturatedEngineAnswersAtOnce: when every work slot is busy, a
// verified delivery is answered 2xx at once and left to the poller,
// instead of waiting until WooCommerce (or the service's connection limit)
// gives up on it.
func TestSaturatedEngineAnswersAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	busy, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithMaxConcurrent(1), ordermgmt.WithClock(w.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	a, b := w.paid(nokOrder(), dinterotest.Authorized), w.paid(nokOrder(), dinterotest.Authorized)
	w.store.InjectFault(wctest.RouteGetOrder, wctest.Fault{Latency: 2 * time.Second, Times: 1})
	go busy.Reconcile(context.Background(), a.ID) // holds the only slot
	time.Sleep(100 * time.Millisecond)
	h, _ := busy.WebhookHandler(webhookSecret)
	w.store.SetStatus(b.ID, woocommerce.StatusCompleted)
	start := time.Now()
	if code := post(h, signedDelivery(t, w, b.ID)); code != 200 {
		t.Fatalf("answered %d", code)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("answered after %s while saturated", d)
	}
	time.Sleep(2 * time.Second) // the slot is free again
	if _, err := busy.Poll(context.Background(), time.Now().Add(time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(b); tx.Status != dintero.StatusCaptured {
		t.Errorf("the order left to the poller is %s", tx.Status)
	}
}

// TestHandlersAnswerWhatTheSenderNeeds: a verified delivery the engine
// cannot read as an order is still answered 2xx (an error would count
// toward disabling the webhook); a signed callback naming only a session
// is answered 500 while Dintero cannot say what became of it, so that
// Dintero tries again (found by review).
func TestHandlersAnswerWhatTheSenderNeeds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if code := post(webhookHandler(t, w.engine), []byte(`{"id":"not a number","status":"completed"}`)); code != http.StatusOK {
		t.Errorf("unreadable verified delivery: %d, want 200", code)
	}
	h := callbackHandler(t, w.engine, w.dt.AccountID(), callbackURL)
	call := func() int { return w.callback(h, "session_id=T12345678.someSession&error=cancelled", true) }
	w.dt.InjectFault(dinterotest.RouteGetSession, dinterotest.Fault{Status: http.StatusServiceUnavailable})
	if code := call(); code != http.StatusInternalServerError {
		t.Errorf("session callback with Dintero down: %d, want 500", code)
	}
	w.dt.ClearFaults()
	if code := call(); code != http.StatusOK {
		t.Errorf("session callback for an unknown session: %d, want 200", code)
	}
}
