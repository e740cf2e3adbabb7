package ordermgmt

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// PollResult is what one poll did.
type PollResult struct {
	// Checked is how many Dintero orders were reconciled (with a Queue:
	// queued).
	Checked int
	// Failed maps order ids to the error reconciling (or queuing) them.
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
//
// With a Queue (WithQueue) it reconciles nothing itself: it queues a job
// for each of those orders, and the jobs do the work and the retries.
func (e *Engine) Poll(ctx context.Context, since time.Time, concurrency int) (*PollResult, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	res := &PollResult{Failed: map[int64]error{}, Until: since}
	started := e.now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	// modified is the order's modification time when the list showed it
	// (zero for a due order), kept for a failure's floor.
	reconcile := func(id int64, modified time.Time) {
		defer wg.Done()
		defer func() { <-sem }()
		var err error
		if e.queue != nil {
			// The queue retries the order with its own backoff: the poller
			// only has to make sure the job exists.
			err = e.enqueue(ctx, Job{OrderID: id})
		} else {
			_, err = e.Reconcile(ctx, id)
		}
		if handled(err) {
			// Dealt with on the order (a note asks for manual handling,
			// or a movement waits): polling again changes nothing, and a
			// failure would hold the poller's watermark back for good.
			err = nil
		}
		if err != nil {
			// Retried on its own, with backoff, by later polls: one order
			// that keeps failing never holds the watermark back.
			e.retryDue(id, modified)
		} else {
			e.clearRetry(id)
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
		go reconcile(id, time.Time{})
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
		go reconcile(o.ID, o.DateModified.Time)
	}
	wg.Wait()
	if res.Until.After(started) {
		// The walk saw changes made while it read: orders changed then on
		// pages it had passed were not read, so the next poll must start
		// no later than the walk did.
		res.Until = started
	}
	return res, listErr
}

// dueSet is the orders whose Reconcile left a movement in doubt, with when
// the last wait ends: Poll reconciles them then.
type dueSet struct {
	mu    sync.Mutex
	until map[int64]time.Time
	fails map[int64]int       // consecutive failed reconciles, for the backoff
	floor map[int64]time.Time // a failing order's modification time when it first failed
}

// retryBackoff is how long an order that failed n times in a row waits
// before the poller tries it again: 30 s doubling, at most 30 minutes.
func retryBackoff(n int) time.Duration {
	d := 30 * time.Second
	for range min(n-1, 6) {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// retryDue makes Poll try a failed order again after its backoff, and
// keeps the order's modification time (when known) as a floor for the
// stored watermark until it succeeds.
func (e *Engine) retryDue(orderID int64, modified time.Time) {
	e.due.mu.Lock()
	if e.due.fails == nil {
		e.due.fails, e.due.floor = map[int64]int{}, map[int64]time.Time{}
	}
	e.due.fails[orderID]++
	n := e.due.fails[orderID]
	if prev, ok := e.due.floor[orderID]; !modified.IsZero() && (!ok || modified.Before(prev)) {
		e.due.floor[orderID] = modified
	}
	e.due.mu.Unlock()
	e.markDue(orderID, e.now().Add(retryBackoff(n)))
}

// clearRetry forgets an order's failures once it reconciles.
func (e *Engine) clearRetry(orderID int64) {
	e.due.mu.Lock()
	defer e.due.mu.Unlock()
	delete(e.due.fails, orderID)
	delete(e.due.floor, orderID)
}

// retryFloor is the earliest modification time among the orders waiting
// on a retry, and false when none waits.
func (e *Engine) retryFloor() (time.Time, bool) {
	e.due.mu.Lock()
	defer e.due.mu.Unlock()
	var min time.Time
	for _, t := range e.due.floor {
		if min.IsZero() || t.Before(min) {
			min = t
		}
	}
	return min, !min.IsZero()
}

// noteDue records an order's waiting movements after a Reconcile (or
// forgets the order when none wait).
func (e *Engine) noteDue(orderID int64, waiting []InDoubt) {
	var last time.Time
	for _, w := range waiting {
		if w.Until.After(last) {
			last = w.Until
		}
	}
	if e.queue != nil && len(waiting) > 0 {
		// Nothing modifies the order when the wait ends: a job scheduled
		// for then comes back to it, in whichever replica is alive, and
		// this process's poller need not (it would be a second visit).
		err := e.enqueue(context.Background(), Job{OrderID: orderID, At: last})
		if err == nil {
			waiting = nil
		} else {
			e.log.Warn("ordermgmt: job for the end of an in-doubt wait not queued; this process's poller will come back", "order", orderID, "error", err)
		}
	}
	e.due.mu.Lock()
	defer e.due.mu.Unlock()
	if len(waiting) == 0 {
		delete(e.due.until, orderID)
		return
	}
	if e.due.until == nil {
		e.due.until = map[int64]time.Time{}
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
// only (Poll comes back to them when their wait ends; with a Queue, a job
// scheduled for then does, and Poll only when it could not be queued); a
// process that starts afresh finds them again by looking back far enough.
// So the first round reaches InDoubtWait further back than since: give
// since as the time the last process stopped polling (or earlier).
func (e *Engine) RunPoller(ctx context.Context, since time.Time, interval, overlap time.Duration, concurrency int, onError func(error)) {
	e.RunPollerWith(ctx, PollerConfig{Since: since, Interval: interval, Overlap: overlap, Concurrency: concurrency, OnError: onError})
}

// Checkpoint keeps the poller's watermark across restarts and replicas
// (pgstore.Checkpoint stores it in PostgreSQL).
type Checkpoint interface {
	// Load returns the stored watermark, and false when none is stored.
	Load(ctx context.Context) (time.Time, bool, error)
	// Save stores the watermark.
	Save(ctx context.Context, until time.Time) error
}

// PollerConfig tunes RunPollerWith.
type PollerConfig struct {
	// Since is where the first round starts when Checkpoint has nothing
	// stored (or is nil).
	Since time.Time
	// Interval between rounds (default 1 minute); Overlap is how far back
	// of the watermark each round reaches (default 5 minutes).
	Interval, Overlap time.Duration
	// Concurrency is how many orders one round reconciles at once
	// (default 8).
	Concurrency int
	// Checkpoint, when set, is where the watermark is read at the start
	// and saved after each round whose list was read whole.
	Checkpoint Checkpoint
	// OnError hears a round's errors: the list failing, an order failing
	// (retried on its own with backoff), or the checkpoint failing.
	OnError func(error)
}

// RunPollerWith polls every Interval until ctx ends. The watermark moves
// on after every round whose list was read whole, to the newest change it
// saw or, in a quiet store, to the round's start less Overlap (so the last
// changes are not read again every round all night), whether or not each
// order reconciled: an order that failed is retried on its own, with a
// backoff from 30 seconds doubling to 30 minutes, until it succeeds, so
// one order that keeps failing never makes later rounds read everything
// again. With a Checkpoint the watermark survives a restart. What it
// stores never passes an order still waiting on a retry (those retries
// live in this process): a process that starts afresh reads again from
// the oldest such order, and reaches InDoubtWait further back for the
// movements in doubt.
func (e *Engine) RunPollerWith(ctx context.Context, c PollerConfig) {
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.Overlap <= 0 {
		c.Overlap = 5 * time.Minute
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	report := func(err error) {
		if c.OnError != nil && err != nil && ctx.Err() == nil {
			c.OnError(err)
		}
	}
	since := c.Since
	if c.Checkpoint != nil {
		// Starting from Since when the stored watermark cannot be read
		// would skip what lies between: wait for it instead.
		for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
			stored, ok, err := c.Checkpoint.Load(ctx)
			if err == nil {
				if ok {
					since = stored
				}
				break
			}
			report(fmt.Errorf("ordermgmt: loading the poller's checkpoint (trying again in %s): %w", wait, err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
	since = since.Add(-e.settings.InDoubtWait)
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		roundStart := e.now()
		res, err := e.Poll(ctx, since.Add(-c.Overlap), c.Concurrency)
		report(err)
		for id, ferr := range res.Failed {
			report(fmt.Errorf("ordermgmt: order %d (retried with backoff): %w", id, ferr))
		}
		if err == nil {
			if res.Until.After(since) {
				since = res.Until
			}
			// In a quiet store the newest change stays where it was, and
			// every round would read the changes of the overlap before it
			// again, all night long. The overlap is what a save may land
			// behind its modification time: a round that read the whole
			// list has seen everything modified more than that before it
			// began.
			if floor := roundStart.Add(-c.Overlap); since.Before(floor) {
				since = floor
			}
			if c.Checkpoint != nil {
				save := since
				if floor, ok := e.retryFloor(); ok && floor.Before(save) {
					save = floor
				}
				report(c.Checkpoint.Save(ctx, save))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
