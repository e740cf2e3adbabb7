//go:build unix

package ordermgmt_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/peerbench"
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
	if os.Getenv("DINTEROWOO_BENCH_MODE") == "list" {
		// Orders to list: three products at two tax rates and shipping.
		for range n {
			store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusProcessing, TransactionID: "T12345678.abc",
				Lines: []wctest.LineSpec{{Name: "Stol – «Ørsta»", Quantity: 2, UnitPrice: d("1000.00"), TaxRate: d("25")},
					{Name: "Lamp", Quantity: 1, UnitPrice: d("399.20"), TaxRate: d("25")},
					{Name: "Cookbook", Quantity: 3, UnitPrice: d("86.96"), TaxRate: d("15")}},
				Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}}})
		}
		line, _ := json.Marshal(benchServers{Store: store.URL, Dintero: dt.URL, Account: dt.AccountID(), Orders: n})
		os.Stdout.Write(append(line, '\n'))
		io.Copy(io.Discard, os.Stdin)
		return
	}
	wc, _ := store.Client()
	dc, _ := dt.Client()
	ids := seedPaid(t, store, dt, wc, dc, n)
	time.Sleep(1100 * time.Millisecond) // modified_after has one-second precision
	since := time.Now()
	time.Sleep(1100 * time.Millisecond)
	for _, id := range ids {
		store.SetStatus(id, woocommerce.StatusCompleted)
	}
	line, _ := json.Marshal(benchServers{Store: store.URL, Dintero: dt.URL, Account: dt.AccountID(), Since: since, Orders: n})
	os.Stdout.Write(append(line, '\n'))
	io.Copy(io.Discard, os.Stdin)
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEngineCPU: the engine's own CPU per captured order in a bulk
// reconcile (a poll of orders completed at once, 64 at a time), with the
// store and Dintero in another process; under taskset that process runs on
// CPU 1, and the command pins the engine to CPU 0:
//
//	taskset -c 0 go test ./ordermgmt -run '^$' -bench EngineCPU -benchtime 3x
func BenchmarkEngineCPU(b *testing.B) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	for b.Loop() {
		b.StopTimer()
		srv, stop := startBenchServers(b, n, "reconcile")
		wc, _ := woocommerce.New(srv.Store, wctest.DefaultKey, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthBasic))
		dc, _ := dintero.New(srv.Account, dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
			dintero.WithCheckoutURL(srv.Dintero), dintero.WithAPIURL(srv.Dintero))
		engine, _ := ordermgmt.New(wc, dc)
		ctx := context.Background()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0 := cpuTime()
		b.StartTimer()
		res, err := engine.Poll(ctx, srv.Since, 64)
		b.StopTimer()
		cpu := cpuTime() - cpu0
		runtime.ReadMemStats(&m1)
		if err != nil || res.Checked != n || len(res.Failed) != 0 {
			b.Fatalf("poll: checked %d of %d, %d failed, %v", res.Checked, n, len(res.Failed), err)
		}
		some, _, err := wc.Orders.List(ctx, &woocommerce.OrderListOptions{PerPage: 10})
		if err != nil || len(some) == 0 {
			b.Fatal(err)
		}
		for _, o := range some {
			if tx, _, err := dc.Transactions.Get(ctx, o.TransactionID, nil); err != nil || tx.Status != dintero.StatusCaptured {
				b.Fatalf("order %d not captured: %v %v", o.ID, tx, err)
			}
		}
		stop()
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "engine-µs/order")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n), "allocs/order")
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(n), "B/order")
		b.StartTimer()
	}
}

// startBenchServers runs TestBenchServers in a process of its own (on CPU
// 1 under taskset, when there is one) with n orders, and returns where it
// serves and how to stop it.
func startBenchServers(b *testing.B, n int, mode string) (benchServers, func()) {
	b.Helper()
	args := []string{os.Args[0], "-test.run=^TestBenchServers$", "-test.count=1"}
	if path, err := exec.LookPath("taskset"); err == nil {
		args = append([]string{path, "-c", "1"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "DINTEROWOO_BENCH_SERVERS="+strconv.Itoa(n), "DINTEROWOO_BENCH_MODE="+mode, "GOMAXPROCS=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var srv benchServers
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		if line := sc.Text(); strings.HasPrefix(line, "{") {
			if err := json.Unmarshal([]byte(line), &srv); err != nil {
				b.Fatal(err)
			}
			break
		}
	}
	if srv.Orders != n {
		b.Fatal("the servers' process did not start")
	}
	return srv, func() {
		stdin.Close()
		cmd.Wait()
	}
}

// BenchmarkListOrdersCPU: the client's CPU to list every order of a store
// (10,000; 1,000 with -short), 100 a page, with the store in a process of
// its own: dinterowoo's iterator, and in the same run plain net/http with
// json-iterator into the peer's float struct, and plain net/http with
// encoding/json into dinterowoo's exact types.
//
//	taskset -c 0 go test ./ordermgmt -run '^$' -bench ListOrdersCPU -benchtime 1x -count 3
func BenchmarkListOrdersCPU(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	srv, stop := startBenchServers(b, n, "list")
	defer stop()
	ctx := context.Background()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	// pages fetches every page with plain net/http and hands each body to
	// decode, which returns how many orders it held.
	pages := func(decode func([]byte) (int, error)) int {
		seen := 0
		for page := 1; ; page++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.Store+"wp-json/wc/v3/orders?per_page=100&page="+strconv.Itoa(page), nil)
			req.SetBasicAuth(wctest.DefaultKey, wctest.DefaultSecret)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("page %d: %d %v", page, resp.StatusCode, err)
			}
			k, err := decode(body)
			if err != nil {
				b.Fatal(err)
			}
			seen += k
			if k < 100 {
				return seen
			}
		}
	}
	measure := func(b *testing.B, list func() int) {
		for b.Loop() {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuTime()
			seen := list()
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&m1)
			if seen != n {
				b.Fatalf("listed %d of %d", seen, n)
			}
			b.ReportMetric(float64(cpu.Milliseconds()), "client-cpu-ms")
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs), "allocs")
			b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), "MB")
		}
	}
	b.Run("dinterowoo", func(b *testing.B) {
		wc, _ := woocommerce.New(srv.Store, wctest.DefaultKey, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthBasic))
		measure(b, func() int {
			seen := 0
			for _, err := range wc.Orders.ListIter(ctx, &woocommerce.OrderListOptions{PerPage: 100}) {
				if err != nil {
					b.Fatal(err)
				}
				seen++
			}
			return seen
		})
	})
	b.Run("peer-jsoniter-float", func(b *testing.B) {
		measure(b, func() int {
			return pages(func(body []byte) (int, error) {
				var orders []peerbench.Order
				err := peerbench.Decode(body, &orders)
				return len(orders), err
			})
		})
	})
	b.Run("encoding-json", func(b *testing.B) {
		measure(b, func() int {
			return pages(func(body []byte) (int, error) {
				var orders []*woocommerce.Order
				err := json.Unmarshal(body, &orders)
				return len(orders), err
			})
		})
	})
}
