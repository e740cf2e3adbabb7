package dinterotest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
)

// A late commit: the client's deadline passes with no answer, and the
// capture lands afterwards, validated when it is done.
func TestLateCommitAfterClientDeadline(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{LateCommit: true, CommitDelay: 80 * time.Millisecond, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 33890, CaptureReference: "wc-1-capture"})
	if err == nil {
		t.Fatal("the held request was answered")
	}
	if !errors.Is(err, dintero.ErrOutcomeUnknown) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := srv.Transaction(tx.ID); got.CapturedAmount() != 0 {
		t.Fatal("committed before the client gave up")
	}
	srv.WaitLateCommits()
	if time.Since(start) < 380*time.Millisecond {
		t.Errorf("committed %s after the request, before the deadline plus the delay", time.Since(start))
	}
	got, _ := srv.Transaction(tx.ID)
	if got.FindEvent(dintero.EventCapture, "wc-1-capture") == nil || got.CapturedAmount() != 33890 || got.Status != dintero.StatusCaptured {
		t.Fatalf("after the late commit: %s captured %d", got.Status, got.CapturedAmount())
	}
}

// HoldFor: the server cuts the connection itself (the client has no
// deadline), and commits later; a commit that no longer fits is refused
// silently, as nobody waits for it.
func TestLateCommitHoldForAndRevalidation(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{LateCommit: true, HoldFor: 5 * time.Millisecond, CommitDelay: 50 * time.Millisecond, Times: 1})
	_, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 33890, CaptureReference: "late"})
	if !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	// A second capture of everything goes first; the late one then no
	// longer fits and is not made.
	if _, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 33890, CaptureReference: "second"}); err != nil {
		t.Fatal(err)
	}
	srv.WaitLateCommits()
	got, _ := srv.Transaction(tx.ID)
	if got.CapturedAmount() != 33890 || got.FindEvent(dintero.EventCapture, "late") != nil {
		t.Fatalf("captured %d; late event %v", got.CapturedAmount(), got.FindEvent(dintero.EventCapture, "late"))
	}
}

// VisibleAfter: the refund is made and the answer lost; reads show it
// only later, while later operations are checked against the real state.
func TestCommittedButVisibleLater(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	ctx := context.Background()
	tx := pay(t, srv, c, "", dinterotest.Captured)
	srv.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{DropAfterCommit: true, VisibleAfter: 150 * time.Millisecond, Times: 1})
	_, _, err := c.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: tx.Amount, RefundReference: "r1"})
	if !errors.Is(err, dintero.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	read, _, err := c.Transactions.Get(ctx, tx.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if read.FindEvent(dintero.EventRefund, "r1") != nil || read.Status != dintero.StatusCaptured {
		t.Fatalf("the refund is visible at once: %s", read.Status)
	}
	list, _, err := c.Transactions.List(ctx, &dintero.ListOptions{})
	if err != nil || len(list) != 1 || list[0].RefundedAmount() != 0 {
		t.Fatalf("list shows the hidden refund: %v", err)
	}
	// The state is real: refunding it again is refused.
	if _, _, err := c.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: tx.Amount, RefundReference: "r2"}); !errors.Is(err, dintero.ErrBadRequest) {
		t.Fatalf("second refund: %v", err)
	}
	time.Sleep(160 * time.Millisecond)
	read, _, err = c.Transactions.Get(ctx, tx.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if read.FindEvent(dintero.EventRefund, "r1") == nil || read.Status != dintero.StatusRefunded {
		t.Fatalf("after the delay: %s", read.Status)
	}
}

// Close drops commits not done yet: a late commit never outlives the
// server.
func TestCloseDropsLateCommits(t *testing.T) {
	t.Parallel()
	srv := dinterotest.NewServer()
	c, _ := srv.Client()
	tx := pay(t, srv, c, "", dinterotest.Authorized)
	srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{LateCommit: true, HoldFor: time.Millisecond, CommitDelay: time.Hour, Times: 1})
	c.Transactions.Capture(context.Background(), tx.ID, &dintero.CaptureRequest{Amount: 33890, CaptureReference: "x"})
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for an hour-long late commit")
	}
}
