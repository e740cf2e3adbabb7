package ordermgmt_test

import (
	"context"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// BenchmarkAudit audits 10,000 Dintero-paid orders in wctest (500 with
// -short): a third completed and captured, one in ten with a refund, the
// rest authorized. It reports the wall time of one audit and the API
// calls per order (list pages, refund records, transactions, notes).
func BenchmarkAudit(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 500
	}
	w := newWorld(b)
	ctx := context.Background()
	for i := range n {
		o := w.paid(nokOrder(), dinterotest.Authorized)
		if i%3 == 0 {
			w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
			if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
				b.Fatal(err)
			}
			if i%10 == 0 {
				if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("100")}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	var entries, findings, callsUsed int
	b.ResetTimer()
	for b.Loop() {
		c0 := calls(w)
		entries, findings = 0, 0
		for e, err := range w.engine.Audit(ctx, ordermgmt.AuditOptions{Concurrency: 8}) {
			if err != nil {
				b.Fatal(err)
			}
			entries++
			findings += len(e.Findings)
		}
		callsUsed = calls(w) - c0
	}
	if entries != n {
		b.Fatalf("audited %d of %d orders", entries, n)
	}
	b.ReportMetric(float64(callsUsed)/float64(n), "calls/order")
	b.ReportMetric(float64(n), "orders")
	b.ReportMetric(float64(findings), "findings")
}
