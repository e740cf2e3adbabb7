package ordermgmt_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// overlappingLock grants every Lock at once, as a shared lock does for a
// moment to a holder that lost it without noticing; it says so
// (ordermgmt.Overlapping).
type overlappingLock struct{}

func (overlappingLock) Lock(ctx context.Context, _ string) (context.Context, func(), error) {
	c, cancel := context.WithCancel(ctx)
	return c, cancel, nil
}

func (overlappingLock) MayOverlap() bool { return true }

// holdFirstInflight holds the first order update that writes a refund's
// in-flight record until release is closed.
type holdFirstInflight struct {
	base          http.RoundTripper
	held, release chan struct{}
	once          atomic.Bool
}

func (h *holdFirstInflight) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.Contains(string(body), ordermgmt.MetaInFlightPrefix) && strings.Contains(string(body), "-refund-") && h.once.CompareAndSwap(false, true) {
			close(h.held)
			<-h.release
		}
	}
	return h.base.RoundTrip(r)
}

// TestStaleHolderLooksBeforeSending (found by review): a stale holder read
// the order before the rightful one completed a refund and tidied its
// in-flight record away; the stale holder's own record then finds no
// rival. With a lock that may overlap, the engine looks the movement up at
// Dintero right before sending it, and steps back.
func TestStaleHolderLooksBeforeSending(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.refundChairInDoubt(o) // a refund record whose Dintero half is missing
	w.pastDoubt()
	hold := &holdFirstInflight{base: http.DefaultTransport, held: make(chan struct{}), release: make(chan struct{})}
	wc2, err := w.store.Client(woocommerce.WithHTTPClient(&http.Client{Transport: hold, Timeout: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	stale, err := ordermgmt.New(wc2, w.dc, ordermgmt.WithLocker(overlappingLock{}), ordermgmt.WithClock(w.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	staleDone := make(chan error, 1)
	go func() { _, err := stale.Reconcile(ctx, o.ID); staleDone <- err }()
	<-hold.held // the stale holder has read the order and is writing its record
	if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	lamp := o.LineItems[1]
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: lamp.ID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	close(hold.release)
	<-staleDone
	chairRef := ordermgmt.RefundReference(o.ID, w.store.Refunds(o.ID)[0].ID)
	n := 0
	for _, e := range w.tx(o).Events {
		if e.Event == dintero.EventRefund && e.Success && e.EventReference == chairRef {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the chair's refund %s was made %d times", chairRef, n)
	}
}
