package ordermgmt_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

var bulkOrders = flag.Int("bulk.orders", 10000, "orders in BenchmarkBulkReconcile")

// BenchmarkWebhookDelivery: verifying, decoding and planning one
// order.updated delivery of a 20-line order (no I/O).
func BenchmarkWebhookDelivery(b *testing.B) {
	store := wctest.NewServer()
	defer store.Close()
	spec := wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusCompleted, TransactionID: "T1",
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}}}
	for i := range 20 {
		spec.Lines = append(spec.Lines, wctest.LineSpec{Name: "item", Quantity: int64(1 + i%3), UnitPrice: decimal.New(int64(1999+i*137), -2),
			TaxRate: []decimal.Decimal{d("25"), d("15"), d("12")}[i%3]})
	}
	o := store.SeedOrder(spec)
	body, _ := json.Marshal(o)
	sig := woocommerce.SignWebhook(body, webhookSecret)
	tx := &dintero.Transaction{ID: "T1", Status: dintero.StatusAuthorized, Amount: o.Total.Shift(2).IntPart(), Currency: "NOK",
		MerchantReference: ordermgmt.OrderReference(o.ID)}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r := httptest.NewRequest("POST", "/hooks/woocommerce", strings.NewReader(string(body)))
		r.Header.Set(woocommerce.HeaderSignature, sig)
		r.Header.Set(woocommerce.HeaderTopic, "order.updated")
		d, err := woocommerce.ParseDelivery(r, webhookSecret, 0)
		if err != nil {
			b.Fatal(err)
		}
		order, err := d.Order()
		if err != nil {
			b.Fatal(err)
		}
		p, err := ordermgmt.PlanState(ordermgmt.State{Order: order, Transaction: tx}, ordermgmt.Settings{})
		if err != nil || len(p.Actions) == 0 || p.Actions[0].Kind != ordermgmt.ActCapture {
			b.Fatalf("plan %+v %v", p, err)
		}
	}
}

// seedPaid seeds n orders (two chairs and shipping), each paid at Dintero
// and linked to its transaction, as the bulk benchmarks start from.
func seedPaid(tb testing.TB, store *wctest.Server, dt *dinterotest.Server, wc *woocommerce.Client, dc *dintero.Client, n int) []int64 {
	tb.Helper()
	ctx := context.Background()
	var ids []int64
	for range n {
		o := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusProcessing,
			Lines:    []wctest.LineSpec{{Name: "Chair", Quantity: 2, UnitPrice: d("1000"), TaxRate: d("25")}},
			Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}}})
		session, _ := ordermgmt.SessionOrder(o)
		created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "p", Order: session,
			URL: dintero.SessionURLs{ReturnURL: "https://r"}}, nil)
		if err != nil {
			tb.Fatal(err)
		}
		tx, _ := dt.Pay(ctx, created.ID, dinterotest.Authorized)
		if _, _, err := wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{TransactionID: &tx.ID}); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// BenchmarkBulkReconcile: -bulk.orders orders completed at once, both
// servers adding 2 ms to every request, reconciled by the poller with 64
// at a time. It reports the API calls per order and the wall time next to
// two floors measured or computed in the same run: the network floor
// (calls × 2 ms ÷ 64) and the CPU floor (the same reconcile of as many
// other orders with no added latency, which is what the in-process servers
// and the engine cost on this machine's cores). x-floor is the wall time
// over the larger floor.
func BenchmarkBulkReconcile(b *testing.B) {
	const latency = 2 * time.Millisecond
	const concurrency = 64
	orders := *bulkOrders
	if testing.Short() {
		orders = 300 // CI keeps the benchmark from rotting, not the numbers
	}
	for b.Loop() {
		b.StopTimer()
		store := wctest.NewServer()
		dt := dinterotest.NewServer()
		wc, _ := store.Client()
		dc, _ := dt.Client()
		engine, err := ordermgmt.New(wc, dc)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		seed := func() []int64 { return seedPaid(b, store, dt, wc, dc, orders) }
		count := func() int {
			n := 0
			for _, r := range []wctest.Route{wctest.RouteListOrders, wctest.RouteGetOrder, wctest.RouteUpdateOrder, wctest.RouteNotes,
				wctest.RouteCreateNote, wctest.RouteRefunds, wctest.RouteCreateRefund} {
				n += store.Requests(r)
			}
			for _, r := range []dinterotest.Route{dinterotest.RouteToken, dinterotest.RouteGetTransaction, dinterotest.RouteCapture} {
				n += dt.Requests(r)
			}
			return n
		}
		// run completes the orders at once and lets the poller reconcile
		// them; it returns the wall time and the calls made.
		run := func(ids []int64, timed bool) (time.Duration, int) {
			// modified_after has one-second precision: keep the batches apart.
			time.Sleep(1100 * time.Millisecond)
			since := time.Now()
			time.Sleep(1100 * time.Millisecond)
			for _, id := range ids {
				store.SetStatus(id, woocommerce.StatusCompleted) // in the admin
			}
			before := count()
			if timed {
				b.StartTimer()
			}
			t0 := time.Now()
			res, err := engine.Poll(ctx, since, concurrency)
			wall := time.Since(t0)
			if timed {
				b.StopTimer()
			}
			if err != nil || len(res.Failed) != 0 || res.Checked != len(ids) {
				b.Fatalf("poll: checked %d of %d, %d failed, %v", res.Checked, len(ids), len(res.Failed), err)
			}
			return wall, count() - before
		}
		cpuIDs := seed()
		cpuWall, _ := run(cpuIDs, false)
		ids := seed()
		dt.SetFaultFunc(func(dinterotest.Route) *dinterotest.Fault { return &dinterotest.Fault{Latency: latency} })
		store.SetFaultFunc(func(wctest.Route) *wctest.Fault { return &wctest.Fault{Latency: latency} })
		wall, calls := run(ids, true)
		for _, id := range ids[:min(len(ids), 50)] {
			o, _ := store.Order(id)
			if tx, _ := dt.Transaction(o.TransactionID); tx.Status != dintero.StatusCaptured {
				b.Fatalf("order %d not captured: %s", id, tx.Status)
			}
		}
		netFloor := time.Duration(calls) * latency / concurrency
		b.ReportMetric(float64(calls)/float64(len(ids)), "calls/order")
		b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
		b.ReportMetric(float64(netFloor.Milliseconds()), "net-floor-ms")
		b.ReportMetric(float64(cpuWall.Milliseconds()), "cpu-floor-ms")
		b.ReportMetric(wall.Seconds()/max(netFloor.Seconds(), cpuWall.Seconds()), "x-floor")
		store.Close()
		dt.Close()
		b.StartTimer()
	}
}
