package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// JobKind is the River kind of the jobs Jobs runs: reconcile one order of
// one store.
const JobKind = "dinterowoo.reconcile_order"

// QueueName is the River queue of a store's jobs: "dinterowoo_" and a
// hash of the store's name (River's queue names allow only a few
// characters). Each store has its own queue, worked only by processes that
// Handle the store, so that services of different stores can share one
// database.
func QueueName(store string) string {
	return "dinterowoo_" + strconv.FormatUint(fnv64(store), 16)
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// reconcileArgs is a job's row: which store's order, and the transaction
// a callback reported. Round and Due are only there to keep jobs apart
// that must not be merged (see Jobs.enqueue).
type reconcileArgs struct {
	Store         string `json:"store" river:"unique"`
	OrderID       int64  `json:"order_id" river:"unique"`
	TransactionID string `json:"transaction_id,omitempty" river:"unique"`
	Due           bool   `json:"due,omitempty" river:"unique"`
	Round         int    `json:"round,omitempty" river:"unique"`
}

func (reconcileArgs) Kind() string { return JobKind }

// uniqueStates are the states in which a second job for the same order is
// a duplicate: River requires available, pending, running and scheduled,
// and with retryable an order that keeps failing has one chain of retries,
// not one per change (a change brings its retry forward instead).
var uniqueStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}

// rounds is how many jobs of one order may be queued behind each other
// while earlier ones run: River counts a job as running until its
// completion is written, a little after its work has ended, so a change
// made then needs a second job behind it, and in rare cases a third.
// Beyond that (a replica died holding them all) one more job a minute is
// queued (see enqueue).
const rounds = 3

// JobsConfig tunes Jobs.
type JobsConfig struct {
	// Workers is how many jobs of each store run at once in this process
	// (default 16). Each holds a connection while it holds its order's
	// lock (Locker), and River needs a few of its own: size the pool for
	// the stores' Workers + 8.
	Workers int
	// MaxAttempts is how often a failing job is tried before River gives
	// up on it (default 100: with Backoff's default, over two days). The
	// poller queues the order again whenever it changes.
	MaxAttempts int
	// Backoff is the wait before the retry after attempt n (1, 2, …);
	// default 30 seconds doubling to 30 minutes, with a tenth of jitter.
	Backoff func(attempt int) time.Duration
	// JobTimeout bounds one run (default 2 minutes).
	JobTimeout time.Duration
	// PollInterval is how often River looks for jobs when PostgreSQL's
	// notifications are not heard (default River's, 1 second).
	PollInterval time.Duration
	// Logger hears River and the jobs (default: silent).
	Logger *slog.Logger
}

// Jobs is a durable queue of ordermgmt jobs on PostgreSQL, run by River
// (github.com/riverqueue/river): a job survives the replica that took it,
// runs in whichever replica is free, and a failing one is retried with
// backoff, on its own. One database serves several stores: each store's
// engine is given the store's Queue and registered with Handle, and its
// jobs go to a River queue of its own (QueueName), which only processes
// that Handle the store work.
//
//	jobs, _ := pgstore.NewJobs(pool, pgstore.JobsConfig{})
//	engine, _ := ordermgmt.New(wc, dc, ordermgmt.WithLocker(locker), ordermgmt.WithQueue(jobs.Queue("shop-1")))
//	jobs.Handle("shop-1", engine)
//	jobs.Start(ctx)
//	defer jobs.Stop(context.Background())
//
// Jobs are level-triggered, "reconcile order N of store S", never "capture
// N". Two jobs for the same order are one while neither has started; one
// asked for while the order's job runs is kept, to run after it.
//
// Run Migrate first: it creates River's tables too.
type Jobs struct {
	pool     *pgxpool.Pool
	cfg      JobsConfig
	workers  *river.Workers
	inserter *river.Client[pgx.Tx] // queues jobs; works none
	log      *slog.Logger

	mu      sync.RWMutex
	engines map[string]*ordermgmt.Engine
	runner  *river.Client[pgx.Tx] // works the handled stores' queues; nil before Start
}

// NewJobs returns a queue on the pool. Jobs can be queued at once; this
// process runs them only after Start.
func NewJobs(pool *pgxpool.Pool, cfg JobsConfig) (*Jobs, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 100
	}
	if cfg.Backoff == nil {
		cfg.Backoff = defaultBackoff
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	j := &Jobs{pool: pool, cfg: cfg, log: cfg.Logger, engines: map[string]*ordermgmt.Engine{}, workers: river.NewWorkers()}
	if err := river.AddWorkerSafely(j.workers, &reconcileWorker{jobs: j}); err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Workers: j.workers, MaxAttempts: cfg.MaxAttempts, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	j.inserter = inserter
	return j, nil
}

// Handle registers the engine that runs the store's jobs, for every store
// this process runs. After Start it starts working the store's queue.
func (j *Jobs) Handle(store string, engine *ordermgmt.Engine) error {
	if engine == nil {
		return errors.New("pgstore: nil engine")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_, known := j.engines[store]
	j.engines[store] = engine
	if j.runner != nil && !known {
		if err := j.runner.Queues().Add(QueueName(store), river.QueueConfig{MaxWorkers: j.cfg.Workers}); err != nil {
			return fmt.Errorf("pgstore: working the jobs of %q: %w", store, err)
		}
	}
	return nil
}

// Start works the handled stores' jobs until Stop, or until ctx ends,
// which stops them the same way: jobs under way finish (within their
// JobTimeout) before the work ends, rather than being cancelled in the
// middle of a capture. At least one store must be handled.
func (j *Jobs) Start(ctx context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.runner != nil {
		return errors.New("pgstore: Jobs started twice")
	}
	if len(j.engines) == 0 {
		return errors.New("pgstore: no store to run jobs for (Jobs.Handle)")
	}
	queues := map[string]river.QueueConfig{}
	for store := range j.engines {
		queues[QueueName(store)] = river.QueueConfig{MaxWorkers: j.cfg.Workers}
	}
	rc := &river.Config{
		Queues:      queues,
		Workers:     j.workers,
		MaxAttempts: j.cfg.MaxAttempts,
		RetryPolicy: backoffPolicy(j.cfg.Backoff),
		JobTimeout:  j.cfg.JobTimeout,
		// A job left running by a replica that died is tried again after
		// this (River's default is an hour): it holds its order's place
		// in the queue until then, and reconciling again is always safe.
		RescueStuckJobsAfter: 2 * j.cfg.JobTimeout,
		Logger:               j.cfg.Logger,
	}
	if j.cfg.PollInterval > 0 {
		rc.FetchPollInterval = j.cfg.PollInterval
		rc.FetchCooldown = min(j.cfg.PollInterval, 100*time.Millisecond)
	}
	runner, err := river.NewClient(riverpgxv5.New(j.pool), rc)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	// River cancels the jobs under way when the context it was started
	// with ends: it gets one that does not, and ctx's end is a Stop.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	j.runner = runner
	go func() {
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.Background(), j.cfg.JobTimeout)
			defer cancel()
			runner.Stop(stop)
		case <-runner.Stopped():
		}
	}()
	return nil
}

// Stop stops taking jobs and waits for those under way to end, or for
// ctx to end. A job still running when the process exits counts as
// running until River rescues it (after twice JobTimeout) and runs it
// again, here or in another replica; meanwhile a later job for the same
// order runs behind it, so a change is not held up.
func (j *Jobs) Stop(ctx context.Context) error {
	j.mu.RLock()
	runner := j.runner
	j.mu.RUnlock()
	if runner == nil {
		return nil
	}
	return runner.Stop(ctx)
}

// Queue returns the store's queue, for ordermgmt.WithQueue.
func (j *Jobs) Queue(store string) ordermgmt.Queue { return storeQueue{jobs: j, store: store} }

// storeQueue is one store's view of Jobs.
type storeQueue struct {
	jobs  *Jobs
	store string
}

// Enqueue implements ordermgmt.Queue.
func (q storeQueue) Enqueue(ctx context.Context, job ordermgmt.Job) error {
	return q.jobs.enqueue(ctx, q.store, job)
}

// enqueue inserts the job unless one like it is waiting. A job that is
// waiting (available or scheduled) will read the order when it runs, so a
// second one adds nothing; one waiting for a retry is run now instead; but
// one that runs may have read the order before the change this job is for,
// so then the job goes in behind it, as the next round. A job for later
// (an in-doubt wait's end) is kept apart from jobs for now, so that it
// never delays them.
func (j *Jobs) enqueue(ctx context.Context, store string, job ordermgmt.Job) error {
	if job.OrderID <= 0 {
		return fmt.Errorf("pgstore: a job for order %d: %w", job.OrderID, ordermgmt.ErrNoOrder)
	}
	args := reconcileArgs{Store: store, OrderID: job.OrderID, TransactionID: job.TransactionID}
	opts := &river.InsertOpts{Queue: QueueName(store), UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
	if !job.At.IsZero() && job.At.After(time.Now()) {
		args.Due, opts.ScheduledAt = true, job.At
	}
	for round := range rounds {
		args.Round = round
		res, err := j.inserter.Insert(ctx, args, opts)
		if err != nil {
			return fmt.Errorf("pgstore: queuing order %d of %q: %w", job.OrderID, store, err)
		}
		switch {
		case !res.UniqueSkippedAsDuplicate:
			return nil
		case res.Job.State == rivertype.JobStateRetryable && !args.Due:
			// A failed job waits for its retry: the change runs it now.
			if _, err := j.inserter.JobRetry(ctx, res.Job.ID); err != nil {
				return fmt.Errorf("pgstore: queuing order %d of %q again: %w", job.OrderID, store, err)
			}
			return nil
		case res.Job.State != rivertype.JobStateRunning:
			return nil
		}
	}
	// Every round counts as running. That happens when a replica took
	// them all and died (River rescues its jobs only after twice the job
	// timeout): one more job, at most one a minute, so the change is not
	// left waiting on the rescue.
	args.Round = rounds
	opts.UniqueOpts.ByPeriod = time.Minute
	if _, err := j.inserter.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("pgstore: queuing order %d of %q: %w", job.OrderID, store, err)
	}
	return nil
}

// reconcileWorker runs a job with its store's engine.
type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	jobs *Jobs
}

func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[reconcileArgs]) error {
	a := job.Args
	w.jobs.mu.RLock()
	engine := w.jobs.engines[a.Store]
	w.jobs.mu.RUnlock()
	if engine == nil {
		// Only the store's own queue is worked here, so this is a job
		// put in it by hand: retrying cannot help.
		return river.JobCancel(fmt.Errorf("pgstore: no engine for store %q (Jobs.Handle)", a.Store))
	}
	err := engine.RunJob(ctx, ordermgmt.Job{OrderID: a.OrderID, TransactionID: a.TransactionID})
	if errors.Is(err, ordermgmt.ErrNoOrder) {
		w.jobs.log.Warn("pgstore: job for an order that does not exist; not retried", "store", a.Store, "order", a.OrderID, "error", err)
		return river.JobCancel(err)
	}
	if err != nil {
		wait := w.jobs.cfg.Backoff(max(job.Attempt, 1))
		ownRetry := time.Now().Add(wait + wait/10) // the latest, jitter included
		if waits, lerr := w.jobs.otherRoundWaits(ctx, job, ownRetry); lerr == nil && waits {
			// Another round of this order failed too and waits for its
			// retry (a change came while it ran), due no later than this
			// one's own: that one reads the order afresh when it runs, so
			// this one would only be a second retry chain for the same
			// order.
			w.jobs.log.Warn("pgstore: order not reconciled; its other job retries it", "store", a.Store, "order", a.OrderID, "attempt", job.Attempt, "error", err)
			return river.JobCancel(err)
		}
		w.jobs.log.Warn("pgstore: order not reconciled; retried with backoff", "store", a.Store, "order", a.OrderID, "attempt", job.Attempt, "error", err)
	}
	return err
}

// otherRoundWaits reports whether another job for the same order (same
// transaction hint and due flag, another round) is waiting to run or to
// be retried by the time given: giving way to one due later would delay the retry.
func (j *Jobs) otherRoundWaits(ctx context.Context, job *river.Job[reconcileArgs], by time.Time) (bool, error) {
	a := job.Args
	params := river.NewJobListParams().Kinds(JobKind).Queues(job.Queue).First(1).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		Where("args->>'store' = @store AND (args->>'order_id')::bigint = @order_id AND coalesce(args->>'transaction_id', '') = @tx"+
			" AND coalesce((args->>'due')::boolean, false) = @due AND id <> @id AND scheduled_at <= @by",
			river.NamedArgs{"store": a.Store, "order_id": a.OrderID, "tx": a.TransactionID, "due": a.Due, "id": job.ID, "by": by})
	res, err := j.inserter.JobList(ctx, params)
	if err != nil {
		return false, err
	}
	return len(res.Jobs) > 0, nil
}

// defaultBackoff is 30 seconds doubling to 30 minutes, as the in-process
// poller's retries.
func defaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// backoffPolicy is a River retry policy from a backoff function, with up
// to a tenth of jitter so that jobs that failed together (an outage) do
// not all come back in the same second.
type backoffPolicy func(attempt int) time.Duration

func (b backoffPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := b(max(job.Attempt, 1))
	if jitter := d / 10; jitter > 0 {
		d += rand.N(jitter)
	}
	return time.Now().Add(d)
}
