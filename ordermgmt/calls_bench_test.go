package ordermgmt_test

import (
	"context"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// calls counts the requests both servers have received.
func calls(w *world) int {
	n := 0
	for _, r := range []dinterotest.Route{dinterotest.RouteToken, dinterotest.RouteCreateSession, dinterotest.RouteGetSession,
		dinterotest.RouteUpdateSession, dinterotest.RouteCancelSession, dinterotest.RouteListTransactions, dinterotest.RouteGetTransaction,
		dinterotest.RouteUpdateTransaction, dinterotest.RouteCapture, dinterotest.RouteRefund, dinterotest.RouteVoid, dinterotest.RouteAuthorization} {
		n += w.dt.Requests(r)
	}
	for _, r := range []wctest.Route{wctest.RouteListOrders, wctest.RouteGetOrder, wctest.RouteUpdateOrder, wctest.RouteBatch,
		wctest.RouteNotes, wctest.RouteCreateNote, wctest.RouteDeleteNote, wctest.RouteRefunds, wctest.RouteCreateRefund,
		wctest.RouteDeleteRefund, wctest.RouteWebhooks} {
		n += w.store.Requests(r)
	}
	return n
}

// BenchmarkCallsPerMovement reports the API calls of each money movement
// on the happy path: the Reconcile that captures an order set to
// Completed, the next Reconcile (which the engine's own order update
// causes through the webhook, and which records the capture note's key),
// a Reconcile that voids a cancelled order, and a "Refund via Dintero" of
// an amount on a captured order with no refunds yet.
func BenchmarkCallsPerMovement(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	var capture, next, void, refund int
	n := 0
	for b.Loop() {
		n++
		o := w.paid(nokOrder(), dinterotest.Authorized)
		w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		c0 := calls(w)
		if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
			b.Fatal(err)
		}
		c1 := calls(w)
		if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
			b.Fatal(err)
		}
		c2 := calls(w)
		if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("100")}); err != nil {
			b.Fatal(err)
		}
		c3 := calls(w)
		v := w.paid(nokOrder(), dinterotest.Authorized)
		w.store.SetStatus(v.ID, woocommerce.StatusCancelled)
		c4 := calls(w)
		if _, err := w.engine.Reconcile(ctx, v.ID); err != nil {
			b.Fatal(err)
		}
		c5 := calls(w)
		capture, next, refund, void = capture+c1-c0, next+c2-c1, refund+c3-c2, void+c5-c4
	}
	b.ReportMetric(float64(capture)/float64(n), "calls/capture")
	b.ReportMetric(float64(next)/float64(n), "calls/next-reconcile")
	b.ReportMetric(float64(refund)/float64(n), "calls/refund")
	b.ReportMetric(float64(void)/float64(n), "calls/void")
}
