package ordermgmt

import (
	"context"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// PollResult is what one poll did.
type PollResult struct {
	// Checked is how many Dintero orders were reconciled.
	Checked int
	// Failed maps order ids to the error reconciling them.
	Failed map[int64]error
	// Until is the modification time the next poll can start from.
	Until time.Time
}

// Poll reconciles every order modified after since, with at most
// concurrency orders at once: the safety net for webhooks that WooCommerce
// never retries. It reads the orders as a list (id, status, payment method
// and modification time only) and reconciles the Dintero ones. It also
// reconciles the orders this engine left waiting on a movement in doubt
// whose wait is over: nothing modifies such an order when the wait ends.
func (e *Engine) Poll(ctx context.Context, since time.Time, concurrency int) (*PollResult, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	res := &PollResult{Failed: map[int64]error{}, Until: since}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	reconcile := func(id int64, due bool) {
		defer wg.Done()
		defer func() { <-sem }()
		_, err := e.Reconcile(ctx, id)
		if handled(err) {
			// Dealt with on the order (a note asks for manual handling,
			// or a movement waits): polling again changes nothing, and a
			// failure would hold the poller's watermark back for good.
			err = nil
		}
		if err != nil && due {
			// Nothing else brings it back: the next poll tries again.
			e.markDue(id, e.now())
		}
		mu.Lock()
		defer mu.Unlock()
		res.Checked++
		if err != nil {
			res.Failed[id] = err
		}
	}
	due := e.dueOrders()
	for i, id := range due {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for _, left := range due[i:] {
				e.markDue(left, e.now())
			}
			wg.Wait()
			return res, ctx.Err()
		}
		wg.Add(1)
		go reconcile(id, true)
	}
	// Paged by id, not by modification time: reconciling modifies orders
	// (in-flight records, notes' keys), which would move them behind the
	// page being read and make the pages after it skip others. The set of
	// orders modified after since only grows, and by id it keeps its
	// order.
	opts := &woocommerce.OrderListOptions{ModifiedAfter: since, OrderBy: "id", Order: "asc", PerPage: 100,
		Fields: []string{"id", "status", "payment_method", "date_modified_gmt"}}
	var listErr error
	for o, err := range e.wc.Orders.ListIter(ctx, opts) {
		if err != nil {
			listErr = err
			break
		}
		if o.DateModified.After(res.Until) {
			res.Until = o.DateModified.Time
		}
		if o.PaymentMethod != e.settings.PaymentMethod {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			listErr = ctx.Err()
		}
		if listErr != nil {
			break
		}
		wg.Add(1)
		go reconcile(o.ID, false)
	}
	wg.Wait()
	return res, listErr
}

// dueSet is the orders whose Reconcile left a movement in doubt, with when
// the last wait ends: Poll reconciles them then.
type dueSet struct {
	mu    sync.Mutex
	until map[int64]time.Time
}

// noteDue records an order's waiting movements after a Reconcile (or
// forgets the order when none wait).
func (e *Engine) noteDue(orderID int64, waiting []InDoubt) {
	e.due.mu.Lock()
	defer e.due.mu.Unlock()
	if len(waiting) == 0 {
		delete(e.due.until, orderID)
		return
	}
	if e.due.until == nil {
		e.due.until = map[int64]time.Time{}
	}
	var last time.Time
	for _, w := range waiting {
		if w.Until.After(last) {
			last = w.Until
		}
	}
	e.due.until[orderID] = last
}

// markDue makes Poll reconcile the order once until has passed.
func (e *Engine) markDue(orderID int64, until time.Time) {
	e.due.mu.Lock()
	defer e.due.mu.Unlock()
	if e.due.until == nil {
		e.due.until = map[int64]time.Time{}
	}
	if prev, ok := e.due.until[orderID]; !ok || until.Before(prev) {
		e.due.until[orderID] = until
	}
}

// dueOrders returns, and forgets, the orders whose wait is over (each
// Reconcile records them again if they still wait).
func (e *Engine) dueOrders() []int64 {
	e.due.mu.Lock()
	defer e.due.mu.Unlock()
	now := e.now()
	var out []int64
	for id, until := range e.due.until {
		if !now.Before(until) {
			out = append(out, id)
			delete(e.due.until, id)
		}
	}
	return out
}

// RunPoller polls every interval until ctx ends, each time from the last
// modification seen minus overlap (WooCommerce's times have one-second
// precision, and a slow save can land behind a faster one). Errors of one
// round are reported to onError, if set, and the next round goes on.
//
// Orders left waiting on a movement in doubt are known to this process
// only (Poll comes back to them when their wait ends); a process that
// starts afresh finds them again by looking back far enough. So the first
// round reaches InDoubtWait further back than since: give since as the
// time the last process stopped polling (or earlier).
func (e *Engine) RunPoller(ctx context.Context, since time.Time, interval, overlap time.Duration, concurrency int, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	since = since.Add(-e.settings.InDoubtWait)
	for {
		res, err := e.Poll(ctx, since.Add(-overlap), concurrency)
		if err == nil && len(res.Failed) == 0 {
			since = res.Until
		} else if onError != nil {
			if err == nil {
				for _, ferr := range res.Failed {
					err = ferr
					break
				}
			}
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
