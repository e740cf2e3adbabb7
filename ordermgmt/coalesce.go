package ordermgmt

import (
	"context"
	"sync"
	"time"
)

// followUpTimeout bounds a follow-up Reconcile, which runs on after the
// caller that started it has gone.
const followUpTimeout = 5 * time.Minute

// coalescer collapses the Reconciles of one order: while one runs, every
// later trigger (a webhook replayed fifty times, WooCommerce's bursts of
// order.updated, a callback) joins one follow-up that starts when it ends,
// and all of them get that follow-up's result. The follow-up is needed:
// a trigger may bring news the running Reconcile read too early to see.
type coalescer struct {
	mu      sync.Mutex
	flights map[int64]*flight
}

// flight is one Reconcile of an order and those waiting for it.
type flight struct {
	done chan struct{}
	res  *Result
	err  error
	next *flight // the follow-up, once a trigger came while this ran
}

// do runs fn for the order, or joins the follow-up of the one running.
func (c *coalescer) do(ctx context.Context, orderID int64, fn func(context.Context) (*Result, error)) (*Result, error) {
	c.mu.Lock()
	if c.flights == nil {
		c.flights = map[int64]*flight{}
	}
	cur := c.flights[orderID]
	if cur == nil {
		f := &flight{done: make(chan struct{})}
		c.flights[orderID] = f
		c.mu.Unlock()
		c.run(ctx, orderID, f, fn)
		return f.res, f.err
	}
	if cur.next == nil {
		cur.next = &flight{done: make(chan struct{})}
	}
	next := cur.next
	c.mu.Unlock()
	select {
	case <-next.done:
		return next.res, next.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run does f, then starts its follow-up, if any, detached from ctx's end
// (its callers wait with their own contexts).
func (c *coalescer) run(ctx context.Context, orderID int64, f *flight, fn func(context.Context) (*Result, error)) {
	f.res, f.err = fn(ctx)
	c.mu.Lock()
	next := f.next
	if next == nil {
		delete(c.flights, orderID)
	} else {
		c.flights[orderID] = next
	}
	c.mu.Unlock()
	close(f.done)
	if next != nil {
		go func() {
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), followUpTimeout)
			defer cancel()
			c.run(fctx, orderID, next, fn)
		}()
	}
}
