package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/pgtest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// syncBuffer is a log both replicas write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTwoReplicasShareOneDatabase: two replicas on one PostgreSQL, each
// with its own webhook, so every delivery reaches both at once. Every
// order is captured once, exactly one replica polls, and the poller's
// watermark is stored.
func TestTwoReplicasShareOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	const webhookSecret, callbackSecret = "w-secret", "c-secret"
	store := wctest.NewServer()
	defer store.Close()
	dt := dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)))
	defer dt.Close()
	wc, _ := store.Client()
	dc, _ := dt.Client()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var logs syncBuffer
	var addrs []string
	done := make(chan error, 2)
	for i := range 2 {
		cfg := &config{addr: "127.0.0.1:0", wc: wc, dc: dc, webhookSecret: webhookSecret, callbackSecret: callbackSecret,
			accountID: dt.AccountID(), pollInterval: 100 * time.Millisecond, databaseURL: dsn, storeName: "shop"}
		log := slog.New(slog.NewJSONHandler(&logs, nil)).With("replica", i)
		ready := make(chan string, 1)
		go func() { done <- serve(ctx, cfg, log, ready) }()
		select {
		case a := <-ready:
			addrs = append(addrs, a)
		case err := <-done:
			t.Fatal(err)
		}
		if _, _, err := wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated",
			DeliveryURL: "http://" + addrs[i] + "/hooks/woocommerce", Secret: webhookSecret}); err != nil {
			t.Fatal(err)
		}
	}
	d := decimal.RequireFromString
	var orders []int64
	for i := range 12 {
		o := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
			Lines: []wctest.LineSpec{{Name: "Chair", Quantity: 1, UnitPrice: d("1000"), TaxRate: d("25")}}})
		session, _ := ordermgmt.SessionOrder(o)
		callback, _ := ordermgmt.CallbackURL("http://" + addrs[i%2] + "/hooks/dintero")
		created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
			URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks", CallbackURL: callback}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dt.Pay(ctx, created.ID, dinterotest.Authorized); err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o.ID)
	}
	waitPaid(t, store, orders)
	for _, id := range orders {
		store.SetStatus(id, woocommerce.StatusCompleted) // both replicas get the delivery
	}
	store.WaitWebhooks()
	// The pollers keep both servers busy: wait for the captures instead.
	waitCaptured(store, dt, orders)
	dt.WaitCallbacks()
	for _, id := range orders {
		o, _ := store.Order(id)
		tx, _ := dt.Transaction(o.TransactionID)
		captures := 0
		for _, e := range tx.Events {
			if e.Event == dintero.EventCapture && e.Success {
				captures++
			}
		}
		if tx.Status != dintero.StatusCaptured || captures != 1 {
			t.Errorf("order %d: %s with %d captures", id, tx.Status, captures)
		}
	}
	time.Sleep(300 * time.Millisecond) // a poll round or two
	if n := strings.Count(logs.String(), `"msg":"this replica polls"`); n != 1 {
		t.Errorf("%d replicas poll, want 1:\n%s", n, logs.String())
	}
	stop()
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	// The watermark is in the database.
	pool := newTestPool(t, dsn)
	var until time.Time
	if err := pool.QueryRow(context.Background(), "SELECT until FROM dinterowoo_checkpoints WHERE store = 'shop'").Scan(&until); err != nil {
		t.Fatalf("no stored watermark: %v", err)
	}
}

// waitPaid waits until every order shows its payment (linked, in
// processing), as a merchant sees it before acting on it: callbacks are
// jobs, answered before they run.
func waitPaid(t *testing.T, store *wctest.Server, ids []int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left := 0
		for _, id := range ids {
			if o, _ := store.Order(id); o.TransactionID == "" || o.Status != woocommerce.StatusProcessing {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d orders never showed their payment", left, len(ids))
		}
	}
}

// waitCaptured waits until every order's transaction is captured, or 30
// seconds have passed.
func waitCaptured(store *wctest.Server, dt *dinterotest.Server, ids []int64) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		left := 0
		for _, id := range ids {
			o, _ := store.Order(id)
			if tx, _ := dt.Transaction(o.TransactionID); tx.Status != dintero.StatusCaptured {
				left++
			}
		}
		if left == 0 {
			return
		}
	}
}

func newTestPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestTwoStoresShareOneDatabase: an agency runs two stores, each with its
// own Dintero account, on one service database. Their order ids are the
// same numbers; locks and checkpoints are per store, so neither waits for
// the other, and each store's watermark is its own.
func TestTwoStoresShareOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	d := decimal.RequireFromString
	type shop struct {
		name   string
		store  *wctest.Server
		dt     *dinterotest.Server
		orders []int64
	}
	var shops []*shop
	done := make(chan error, 2)
	for _, name := range []string{"shop-a", "shop-b"} {
		s := &shop{name: name, store: wctest.NewServer(), dt: dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte("c")))}
		defer s.store.Close()
		defer s.dt.Close()
		wc, _ := s.store.Client()
		dc, _ := s.dt.Client()
		cfg := &config{addr: "127.0.0.1:0", wc: wc, dc: dc, webhookSecret: "w", callbackSecret: "c", accountID: s.dt.AccountID(),
			pollInterval: 100 * time.Millisecond, databaseURL: dsn, storeName: name}
		ready := make(chan string, 1)
		go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
		addr := <-ready
		if _, _, err := wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated",
			DeliveryURL: "http://" + addr + "/hooks/woocommerce", Secret: "w"}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			o := s.store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusPending,
				Lines: []wctest.LineSpec{{Name: "Chair", Quantity: 1, UnitPrice: d("1000"), TaxRate: d("25")}}})
			session, _ := ordermgmt.SessionOrder(o)
			callback, _ := ordermgmt.CallbackURL("http://" + addr + "/hooks/dintero")
			created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "default", Order: session,
				URL: dintero.SessionURLs{ReturnURL: "https://shop.example/thanks", CallbackURL: callback}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.dt.Pay(ctx, created.ID, dinterotest.Authorized); err != nil {
				t.Fatal(err)
			}
			s.orders = append(s.orders, o.ID)
		}
		shops = append(shops, s)
	}
	if shops[0].orders[0] != shops[1].orders[0] {
		t.Fatalf("the stores' order ids differ (%d, %d): the test wants them equal", shops[0].orders[0], shops[1].orders[0])
	}
	for _, s := range shops {
		waitPaid(t, s.store, s.orders)
		for _, id := range s.orders {
			s.store.SetStatus(id, woocommerce.StatusCompleted)
		}
	}
	for _, s := range shops {
		s.store.WaitWebhooks()
		waitCaptured(s.store, s.dt, s.orders)
		for _, id := range s.orders {
			o, _ := s.store.Order(id)
			if tx, _ := s.dt.Transaction(o.TransactionID); tx.Status != dintero.StatusCaptured {
				t.Errorf("%s order %d: %s", s.name, id, tx.Status)
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // a poll round each
	stop()
	for range 2 {
		<-done
	}
	pool := newTestPool(t, dsn)
	var stores int
	if err := pool.QueryRow(context.Background(), "SELECT count(DISTINCT store) FROM dinterowoo_checkpoints WHERE store IN ('shop-a', 'shop-b')").Scan(&stores); err != nil || stores != 2 {
		t.Errorf("checkpoints for %d stores (%v), want 2", stores, err)
	}
}
