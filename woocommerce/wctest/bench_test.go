package wctest_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// BenchmarkListIterMemory lists 100 and 10,000 orders through the
// iterator and reports how far the live heap grew above where it started
// (after a collection, sampled while iterating; the store's own orders are
// in the base of both): one page at a time keeps it about the same
// whatever the number of orders.
func BenchmarkListIterMemory(b *testing.B) {
	sizes := []int{100, 10000}
	if testing.Short() {
		sizes[1] = 1000 // CI keeps the benchmark from rotting, not the numbers
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			store := wctest.NewServer()
			defer store.Close()
			for range n {
				store.SeedOrder(norwegianOrder())
			}
			c, _ := store.Client()
			ctx := context.Background()
			var ms runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base, peak := ms.HeapAlloc, ms.HeapAlloc
				seen := 0
				for _, err := range c.Orders.ListIter(ctx, &woocommerce.OrderListOptions{PerPage: 100}) {
					if err != nil {
						b.Fatal(err)
					}
					if seen++; seen%50 == 0 {
						runtime.GC() // live memory, not garbage awaiting collection
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				}
				if seen != n {
					b.Fatalf("listed %d of %d", seen, n)
				}
				b.ReportMetric(float64(peak-base)/(1<<20), "peak-heap-MB")
			}
		})
	}
}
