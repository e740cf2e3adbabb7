package wctest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// A refund create whose client gave up is saved afterwards, as PHP goes on
// running a request whose client has gone: looking for the marker right
// after the failure finds nothing, and the record appears later.
func TestRefundCreateCommittedLate(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	o := s.SeedOrder(norwegianOrder())
	s.InjectFault(wctest.RouteCreateRefund, wctest.Fault{LateCommit: true, CommitDelay: 60 * time.Millisecond, Times: 1})
	// A deadline generous enough for the request to arrive on a loaded
	// machine; the store holds it past the deadline whatever.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, _, err := c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("10"), Gateway: woocommerce.RecordOnly,
		MetaData: []woocommerce.Meta{woocommerce.MetaString("_dinterowoo_refund", "r-late")}})
	if err == nil {
		t.Fatal("the held request was answered")
	}
	if !errors.Is(err, woocommerce.ErrOutcomeUnknown) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if n := len(s.Refunds(o.ID)); n != 0 {
		t.Fatalf("saved before the client gave up: %d", n)
	}
	s.WaitLateCommits()
	rs := s.Refunds(o.ID)
	if len(rs) != 1 {
		t.Fatalf("refunds after the late commit: %d", len(rs))
	}
	if m, _ := rs[0].Meta("_dinterowoo_refund"); m.StringValue() != "r-late" {
		t.Error("the late record lost its marker")
	}
}

// HoldFor cuts the connection for a client without a deadline. The
// client retries a note create and an order update on the cut connection,
// so each lands twice, the held copy last.
func TestHoldForThenLateCommit(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := context.Background()
	o := s.SeedOrder(norwegianOrder())
	before := len(s.Notes(o.ID))
	s.InjectFault(wctest.RouteCreateNote, wctest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 30 * time.Millisecond, Times: 1})
	if _, _, err := c.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: "late"}); err != nil {
		t.Fatalf("the retried note: %v", err)
	}
	if n := len(s.Notes(o.ID)); n != before+1 {
		t.Fatalf("notes before the late commit: %d, want %d", n, before+1)
	}
	s.InjectFault(wctest.RouteUpdateOrder, wctest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 30 * time.Millisecond, Times: 1})
	if _, _, err := c.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{MetaData: []woocommerce.Meta{woocommerce.MetaString("k", "v")}}); err != nil {
		t.Fatalf("the retried update: %v", err)
	}
	if n := s.Requests(wctest.RouteUpdateOrder); n != 2 {
		t.Errorf("update sent %d times, want 2", n)
	}
	s.WaitLateCommits()
	if n := len(s.Notes(o.ID)); n != before+2 {
		t.Errorf("notes after the late commit: %d, want %d", n, before+2)
	}
	if got, _ := s.Order(o.ID); !hasMeta(got, "k") {
		t.Fatal("the update never landed")
	}
}

func hasMeta(o *woocommerce.Order, key string) bool {
	_, ok := o.Meta(key)
	return ok
}
