//go:build unix

package peerbench_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/benchproc"
	"github.com/dinterowoo/dinterowoo/internal/peerbench"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// TestStoreProcess is not a test of its own: BenchmarkListOrdersCPU runs
// the test binary with it, so that the store serves from another process
// (on another CPU, under taskset) and the benchmark's process counts only
// the client's CPU. It seeds the orders, says where it serves, and serves
// until its input closes.
func TestStoreProcess(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PEERBENCH_STORE_ORDERS"))
	if n <= 0 {
		t.Skip("run by BenchmarkListOrdersCPU")
	}
	store := wctest.NewServer()
	defer store.Close()
	d := decimal.RequireFromString
	// Three products at two tax rates and shipping.
	for range n {
		store.SeedOrder(wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusProcessing, TransactionID: "T12345678.abc",
			Lines: []wctest.LineSpec{{Name: "Stol – «Ørsta»", Quantity: 2, UnitPrice: d("1000.00"), TaxRate: d("25")},
				{Name: "Lamp", Quantity: 1, UnitPrice: d("399.20"), TaxRate: d("25")},
				{Name: "Cookbook", Quantity: 3, UnitPrice: d("86.96"), TaxRate: d("15")}},
			Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}}})
	}
	benchproc.Serve(storeAt{URL: store.URL})
}

// storeAt is what TestStoreProcess tells the benchmark.
type storeAt struct{ URL string }

// startStore runs TestStoreProcess in a process of its own (on CPU 1
// under taskset, when there is one) with n orders, and returns the store's
// URL and how to stop it.
func startStore(b *testing.B, n int) (string, func()) {
	var at storeAt
	stop := benchproc.Start(b, "TestStoreProcess", []string{"PEERBENCH_STORE_ORDERS=" + strconv.Itoa(n)}, &at)
	return at.URL, stop
}

// BenchmarkListOrdersCPU: the client's CPU to list every order of a store
// (10,000; 1,000 with -short), 100 a page, with the store in a process of
// its own: dinterowoo's iterator, and in the same run plain net/http with
// json-iterator into the peer's float struct, and plain net/http with
// encoding/json into dinterowoo's exact types.
//
//	taskset -c 0 go test ./internal/peerbench -run '^$' -bench ListOrdersCPU -benchtime 1x -count 3
func BenchmarkListOrdersCPU(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	srv, stop := startStore(b, n)
	defer stop()
	ctx := context.Background()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	// pages fetches every page with plain net/http and hands each body to
	// decode, which returns how many orders it held.
	pages := func(decode func([]byte) (int, error)) int {
		seen := 0
		for page := 1; ; page++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv+"wp-json/wc/v3/orders?per_page=100&page="+strconv.Itoa(page), nil)
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
			cpu0 := benchproc.CPUTime()
			seen := list()
			cpu := benchproc.CPUTime() - cpu0
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
		wc, _ := woocommerce.New(srv, wctest.DefaultKey, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthBasic))
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
