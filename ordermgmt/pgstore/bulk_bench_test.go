package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/pgtest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/ordermgmt/pgstore"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// BenchmarkBulkReconcileReplicas captures 300 completed orders (60 with
// -short) with one and with three replicas (engines with their own
// pgstore.Locker and pool on one PostgreSQL, eight orders at once each),
// the orders dealt out between them, against in-process servers sharing
// the machine's two cores.
func BenchmarkBulkReconcileReplicas(b *testing.B) {
	n := 300
	if testing.Short() {
		n = 60
	}
	dsn := pgtest.DSN(b)
	for _, replicas := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				store := wctest.NewServer()
				dt := dinterotest.NewServer()
				wc, _ := store.Client()
				dc, _ := dt.Client()
				ctx := context.Background()
				var ids []int64
				for range n {
					o, _ := completedOrder(b, store, dt, wc, dc)
					ids = append(ids, o.ID)
				}
				var engines []*ordermgmt.Engine
				for range replicas {
					l, _ := pgstore.NewLocker(newPool(b, dsn), pgstore.WithStore("bench"))
					e, _ := ordermgmt.New(wc, dc, ordermgmt.WithLocker(l))
					engines = append(engines, e)
				}
				work := make(chan int64, n)
				for _, id := range ids {
					work <- id
				}
				close(work)
				b.StartTimer()
				var wg sync.WaitGroup
				for _, e := range engines {
					for range 8 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for id := range work {
								if _, err := e.Reconcile(ctx, id); err != nil {
									b.Error(err)
								}
							}
						}()
					}
				}
				wg.Wait()
				b.StopTimer()
				for _, id := range ids {
					o, _ := store.Order(id)
					if tx, _ := dt.Transaction(o.TransactionID); tx.Status != dintero.StatusCaptured {
						b.Fatalf("order %d: %s", id, tx.Status)
					}
				}
				store.Close()
				dt.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/order")
		})
	}
}
