//go:build unix

package ordermgmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/benchproc"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// benchServers is what TestBenchServers tells BenchmarkEngineCPU.
type benchServers struct {
	Store, Dintero, Account string
	Since                   time.Time
	Orders                  int
}

// TestBenchServers is not a test of its own: BenchmarkEngineCPU runs the
// test binary with it, so that the store and Dintero serve from another
// process (on another CPU, under taskset) and the engine's process counts
// only the engine's CPU. It seeds the orders, paid and linked, completes
// them, says where it serves, and serves until its input closes.
func TestBenchServers(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DINTEROWOO_BENCH_SERVERS"))
	if n <= 0 {
		t.Skip("run by BenchmarkEngineCPU")
	}
	store := wctest.NewServer()
	defer store.Close()
	dt := dinterotest.NewServer()
	defer dt.Close()
	wc, _ := store.Client()
	dc, _ := dt.Client()
	ids := seedPaid(t, store, dt, wc, dc, n)
	time.Sleep(1100 * time.Millisecond) // modified_after has one-second precision
	since := time.Now()
	time.Sleep(1100 * time.Millisecond)
	for _, id := range ids {
		store.SetStatus(id, woocommerce.StatusCompleted)
	}
	benchproc.Serve(benchServers{Store: store.URL, Dintero: dt.URL, Account: dt.AccountID(), Since: since, Orders: n})
}

// BenchmarkEngineCPU: the engine's own CPU per captured order in a bulk
// reconcile (a poll of orders completed at once, 64 at a time), with the
// store and Dintero in another process; under taskset that process runs on
// CPU 1, and the command pins the engine to CPU 0:
//
//	taskset -c 0 go test ./ordermgmt -run '^$' -bench EngineCPU -benchtime 1x -count 3
//
// In the same run, "same-calls-net-http" makes the five calls a capture
// needs (read the order, read the transaction, write the in-flight record,
// capture, write the note) for as many other orders, 64 at a time, with
// plain net/http and encoding/json into the same types and no rules: the
// floor the HTTP calls alone put under the engine on this machine.
func BenchmarkEngineCPU(b *testing.B) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	// measure runs one reconcile of the n completed orders a fresh pair
	// of servers holds, and reports the process's CPU per order.
	measure := func(b *testing.B, run func(srv benchServers) error) {
		for b.Loop() {
			b.StopTimer()
			srv, stop := startBenchServers(b, n)
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := benchproc.CPUTime()
			b.StartTimer()
			err := run(srv)
			b.StopTimer()
			cpu := benchproc.CPUTime() - cpu0
			runtime.ReadMemStats(&m1)
			if err != nil {
				b.Fatal(err)
			}
			checkCaptured(b, srv)
			stop()
			b.ReportMetric(float64(cpu.Microseconds())/float64(n), "engine-µs/order")
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n), "allocs/order")
			b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(n), "B/order")
			b.StartTimer()
		}
	}
	b.Run("dinterowoo", func(b *testing.B) {
		measure(b, func(srv benchServers) error {
			wc, _ := woocommerce.New(srv.Store, wctest.DefaultKey, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthBasic))
			dc, _ := dintero.New(srv.Account, dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
				dintero.WithCheckoutURL(srv.Dintero), dintero.WithAPIURL(srv.Dintero))
			engine, _ := ordermgmt.New(wc, dc)
			res, err := engine.Poll(context.Background(), srv.Since, 64)
			if err == nil && (res.Checked != n || len(res.Failed) != 0) {
				err = fmt.Errorf("poll: checked %d of %d, %d failed", res.Checked, n, len(res.Failed))
			}
			return err
		})
	})
	b.Run("same-calls-net-http", func(b *testing.B) {
		measure(b, func(srv benchServers) error { return sameCalls(srv, 64) })
	})
}

// checkCaptured fails b unless the first orders of the store are captured
// in Dintero.
func checkCaptured(b *testing.B, srv benchServers) {
	b.Helper()
	ctx := context.Background()
	wc, _ := woocommerce.New(srv.Store, wctest.DefaultKey, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthBasic))
	dc, _ := dintero.New(srv.Account, dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
		dintero.WithCheckoutURL(srv.Dintero), dintero.WithAPIURL(srv.Dintero))
	some, _, err := wc.Orders.List(ctx, &woocommerce.OrderListOptions{PerPage: 10})
	if err != nil || len(some) == 0 {
		b.Fatal(err)
	}
	for _, o := range some {
		if tx, _, err := dc.Transactions.Get(ctx, o.TransactionID, nil); err != nil || tx.Status != dintero.StatusCaptured {
			b.Fatalf("order %d not captured: %v %v", o.ID, tx, err)
		}
	}
}

// sameCalls is the baseline of BenchmarkEngineCPU: the calls a capture
// costs the engine, made with plain net/http and encoding/json for every
// order modified since srv.Since, concurrency at a time, after listing them
// the same way.
func sameCalls(srv benchServers, concurrency int) error {
	ctx := context.Background()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	call := func(method, url string, body any, auth func(*http.Request), out any) error {
		var rd io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return err
			}
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, rd)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		auth(req)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, data)
		}
		return json.Unmarshal(data, out)
	}
	store := func(r *http.Request) { r.SetBasicAuth(wctest.DefaultKey, wctest.DefaultSecret) }
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := call(http.MethodPost, srv.Dintero+"accounts/"+srv.Account+"/auth/token",
		map[string]string{"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/" + srv.Account},
		func(r *http.Request) { r.SetBasicAuth(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret) }, &token); err != nil {
		return err
	}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token.AccessToken) }
	var ids []int64
	for page := 1; ; page++ {
		var orders []*woocommerce.Order
		if err := call(http.MethodGet, srv.Store+"wp-json/wc/v3/orders?per_page=100&_fields=id&page="+strconv.Itoa(page)+
			"&modified_after="+srv.Since.UTC().Format("2006-01-02T15:04:05")+"&dates_are_gmt=true", nil, store, &orders); err != nil {
			return err
		}
		for _, o := range orders {
			ids = append(ids, o.ID)
		}
		if len(orders) < 100 {
			break
		}
	}
	fields := "&_fields=" + strings.Join([]string{"id", "number", "status", "currency", "total", "total_tax", "prices_include_tax",
		"payment_method", "transaction_id", "meta_data", "line_items", "shipping_lines", "fee_lines", "tax_lines",
		"refunds", "date_modified_gmt", "date_paid_gmt"}, ",")
	one := func(id int64) error {
		orderURL := srv.Store + "wp-json/wc/v3/orders/" + strconv.FormatInt(id, 10)
		var o woocommerce.Order
		if err := call(http.MethodGet, orderURL+"?dp=2"+fields, nil, store, &o); err != nil {
			return err
		}
		var tx dintero.Transaction
		if err := call(http.MethodGet, srv.Dintero+"transactions/"+o.TransactionID, nil, bearer, &tx); err != nil {
			return err
		}
		ref := "wc-" + strconv.FormatInt(id, 10) + "-capture"
		var after woocommerce.Order
		if err := call(http.MethodPut, orderURL+"?_fields=id,status,meta_data",
			map[string]any{"meta_data": []map[string]string{{"key": "_inflight:" + ref, "value": time.Now().UTC().Format(time.RFC3339Nano)}}},
			store, &after); err != nil {
			return err
		}
		if err := call(http.MethodPost, srv.Dintero+"transactions/"+tx.ID+"/capture",
			map[string]any{"amount": tx.Amount, "capture_reference": ref, "items": tx.Items}, bearer, &tx); err != nil {
			return err
		}
		var note woocommerce.Note
		return call(http.MethodPost, orderURL+"/notes", map[string]string{"note": "The Dintero order has been captured."}, store, &note)
	}
	work := make(chan int64)
	errs := make(chan error, concurrency)
	for range concurrency {
		go func() {
			var first error
			for id := range work {
				if err := one(id); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	var err error
	for range concurrency {
		err = errors.Join(err, <-errs)
	}
	if err == nil && len(ids) == 0 {
		err = errors.New("no orders listed")
	}
	return err
}

// startBenchServers runs TestBenchServers in a process of its own (on CPU
// 1 under taskset, when there is one) with n orders, and returns where it
// serves and how to stop it.
func startBenchServers(b *testing.B, n int) (benchServers, func()) {
	var srv benchServers
	stop := benchproc.Start(b, "TestBenchServers", []string{"DINTEROWOO_BENCH_SERVERS=" + strconv.Itoa(n)}, &srv)
	if srv.Orders != n {
		stop()
		b.Fatalf("the servers' process has %d orders, not %d", srv.Orders, n)
	}
	return srv, stop
}
