package ordermgmt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// Job is the durable unit of work a Queue holds: reconcile one order.
// It is level-triggered: it never says what to do (capture, refund), only
// which order to look at, so a job that runs late, twice or after a newer
// one does the right thing, and nothing is lost when a job is merged
// with another for the same order.
type Job struct {
	OrderID int64
	// TransactionID is set by a Dintero callback: the transaction it
	// reported for the order. RunJob links it to an order that has none
	// yet, after checking that it is this order's payment
	// (TransactionBelongs); an order linked to another one is left alone.
	TransactionID string
	// At is the earliest time to run the job; zero runs it now.
	At time.Time
}

// Queue holds jobs durably until a worker runs them with Engine.RunJob,
// retrying a failed job with backoff. pgstore.Jobs is one on PostgreSQL
// (River). An engine with a Queue (WithQueue) answers webhooks and
// callbacks as soon as the job is taken, and its poller feeds the queue
// instead of reconciling itself.
type Queue interface {
	// Enqueue takes the job. Enqueuing a job that is already waiting for
	// the same order (and transaction) does nothing more; one asked for
	// while the order's job runs is kept, to run after it, so that a
	// change made during a run is never missed.
	Enqueue(ctx context.Context, job Job) error
}

// WithQueue hands the engine's work to a durable queue: WebhookHandler
// and the signed CallbackHandler enqueue a job and answer at once, Poll
// enqueues the orders it finds changed, and a movement left in doubt
// schedules its order's job for when the wait ends. A worker runs the jobs
// with RunJob.
func WithQueue(q Queue) Option {
	return func(e *Engine) error {
		if q == nil {
			return errors.New("ordermgmt: nil Queue")
		}
		e.queue = q
		return nil
	}
}

// RunJob does one job of the Queue: it reconciles the order (linking the
// callback's transaction first, when the job names one). It returns nil
// when the order is done or dealt with (a note asks for manual handling,
// or a movement waits in doubt and a job is scheduled for when the wait
// ends), and otherwise the error for the queue to retry on.
func (e *Engine) RunJob(ctx context.Context, job Job) error {
	if job.OrderID <= 0 {
		return fmt.Errorf("ordermgmt: job for order %d: %w", job.OrderID, ErrNoOrder)
	}
	var err error
	if job.TransactionID != "" {
		_, err = e.ReconcileTransaction(ctx, job.OrderID, job.TransactionID)
	} else {
		_, err = e.Reconcile(ctx, job.OrderID)
	}
	switch {
	case err == nil || handled(err):
		return nil
	case errors.Is(err, woocommerce.ErrNotFound):
		// Deleted, or never there: trying again cannot help.
		return fmt.Errorf("ordermgmt: job for order %d: %w: %w", job.OrderID, ErrNoOrder, err)
	}
	return err
}

// ErrNoOrder is returned by RunJob for a job whose order does not exist;
// such a job can never succeed, and a queue should not retry it.
var ErrNoOrder = errors.New("ordermgmt: no such order")

// enqueue hands a job to the queue with a budget of its own: the caller's
// context may be about to end (a reconcile that leaves a movement in
// doubt), and a lost job is a lost change.
func (e *Engine) enqueue(ctx context.Context, job Job) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueBudget)
	defer cancel()
	return e.queue.Enqueue(ctx, job)
}

// enqueueBudget bounds one Enqueue.
const enqueueBudget = 10 * time.Second
