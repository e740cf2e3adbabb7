package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LockClass is the first key of the advisory locks this package takes on
// orders (the two-key form, pg_advisory_lock(int4, int4)): the bytes
// "DWOO". Other keys (the poller's leadership, "poller") take LeaderClass,
// so that a hash collision can never make an order wait for a lock held
// as long as a replica leads.
// PostgreSQL keeps the one-key (bigint) and the two-key lock spaces apart,
// so an application's own bigint advisory locks never collide with these;
// two-key locks collide only if they use this class.
const LockClass int32 = 0x44574F4F

// LeaderClass is the first key of the locks on keys that are not an
// order's ("poller"): the bytes "DWOP".
const LeaderClass int32 = 0x44574F50

// class is the first key of an engine key's lock.
func class(key string) int32 {
	if strings.HasPrefix(key, "order:") {
		return LockClass
	}
	return LeaderClass
}

// Locker is an ordermgmt.Locker on PostgreSQL's session advisory locks,
// shared by every replica that uses the same database. A lock is held on
// a connection of its own, taken from the pool for as long as the lock is
// held; the pool must allow as many connections as orders worked on at
// once (ordermgmt.WithMaxConcurrent), plus the rest of the service's.
//
// The second key is an FNV-1a hash of the store and the engine's key
// ("order:1001"). Two orders whose hashes meet only wait for each other;
// they never share money.
//
// A lock is lost when its session ends (a restart, a network cut, an idle
// timeout): PostgreSQL releases it, and another replica may take it. The
// lock's session has TCP keepalives and a user timeout of a few check
// intervals, so the server notices a vanished peer within seconds rather
// than TCP's default two hours. The holder checks, every interval, that
// its own session still holds the lock, and its held context ends with
// ordermgmt.ErrLockLost at the first check that fails or takes longer
// than two intervals: within three check intervals of the loss (longer if
// the process was paused).
//
// Between the loss and that moment two workers may act on the order. The
// engine's in-flight records in WooCommerce keep money safe then: a
// capture, void or refund is recorded on the order before it is sent; a
// worker that reads such a record waits for the in-doubt period
// (Settings.InDoubtWait) and looks for the movement's reference at Dintero
// before sending anything; and a worker whose own record-write returns the
// order with a record of the same movement that another worker wrote since
// it read the order steps back. Of two workers racing, the one that writes
// second always sees the other's record, so a movement is never sent
// twice.
//
// It needs a direct connection or session pooling: a pooler that shares
// server sessions between clients (pgbouncer's transaction mode) cannot
// hold session locks for one client. Such a setup is detected (the
// session already holds the key, or the checking session is not the one
// that took the lock) and refused or reported as a lost lock. Point every
// replica at the primary: a hot standby has locks of its own.
type Locker struct {
	pool  *pgxpool.Pool
	store string
	every time.Duration
}

// LockerOption configures a Locker.
type LockerOption func(*Locker)

// WithStore names the store the locks are for, so that one database can
// serve several stores whose order ids overlap.
func WithStore(name string) LockerOption { return func(l *Locker) { l.store = name } }

// WithCheckEvery sets how often a held lock is checked (default 1s): a
// lost lock is noticed within three intervals.
func WithCheckEvery(d time.Duration) LockerOption { return func(l *Locker) { l.every = d } }

// NewLocker returns a Locker on pool.
func NewLocker(pool *pgxpool.Pool, opts ...LockerOption) (*Locker, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	l := &Locker{pool: pool, every: time.Second}
	for _, o := range opts {
		o(l)
	}
	if l.every <= 0 {
		return nil, errors.New("pgstore: the check interval must be positive")
	}
	return l, nil
}

// ownsLock is true when this session holds the advisory lock ($1, $2),
// both given as their unsigned values (pg_locks shows keys as oids).
const ownsLock = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::bigint::oid
	AND objid = $2::bigint::oid AND objsubid = 2 AND pid = pg_backend_pid() AND granted)`

// Key is the second advisory-lock key of an engine key in a store. In
// pg_locks the keys show as unsigned oids: classid = uint32(LockClass)
// (uint32(LeaderClass) for keys that are not an order's), objid =
// uint32(Key), objsubid = 2.
func Key(store, key string) int32 {
	h := fnv.New32a()
	h.Write([]byte(store))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int32(h.Sum32())
}

// Lock implements ordermgmt.Locker: it waits for the advisory lock on a
// connection of its own, and watches that connection while the lock is
// held.
func (l *Locker) Lock(ctx context.Context, key string) (context.Context, func(), error) {
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("pgstore: lock %s: %w", key, err)
	}
	cls, objid := class(key), Key(l.store, key)
	fail := func(err error) (context.Context, func(), error) {
		// A connection that is closed holds nothing, whatever the server
		// granted before a cancel reached it.
		conn.Hijack().Close(context.Background())
		return nil, nil, fmt.Errorf("pgstore: lock %s: %w", key, err)
	}
	// The lock's session waits as long as ctx allows (a role's
	// lock_timeout or statement_timeout would cut it short), and a peer
	// that vanishes without closing is noticed by the server within
	// seconds, not the hours of TCP's defaults, so that its lock is freed.
	// The server frees a vanished peer's lock after about five check
	// intervals (two idle, three probes), later than the holder notices
	// (three intervals), so that two holders never overlap for that reason.
	secs := max(1, int((l.every+time.Second-1)/time.Second))
	userTimeout := (5 * time.Duration(secs) * time.Second).Milliseconds()
	// The settings and the check below share one round trip: a lock is
	// taken per order reconciled, and each round trip is most of its cost.
	// The session must not hold the key already: behind a pooler that
	// shares server sessions between clients (pgbouncer in transaction
	// mode), two clients would both "get" a re-entrant lock.
	var pid int32
	var heldAlready bool
	if err := conn.QueryRow(ctx, `SELECT set_config('lock_timeout', '0', false), set_config('statement_timeout', '0', false),
		set_config('idle_in_transaction_session_timeout', '0', false), set_config('tcp_keepalives_idle', $3, false),
		set_config('tcp_keepalives_interval', $4, false), set_config('tcp_keepalives_count', '3', false),
		set_config('tcp_user_timeout', $5, false), pg_backend_pid(), `+ownsLock,
		int64(uint32(cls)), int64(uint32(objid)), strconv.Itoa(2*secs), strconv.Itoa(secs), strconv.FormatInt(userTimeout, 10),
	).Scan(nil, nil, nil, nil, nil, nil, nil, &pid, &heldAlready); err != nil {
		return fail(err)
	}
	if heldAlready {
		return fail(errors.New("this database session already holds the lock: is a pooler sharing sessions between clients? Use a direct connection or session pooling"))
	}
	// A statement of its own: the timeouts set above apply from the next
	// statement on.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", cls, objid); err != nil {
		return fail(err)
	}
	held, lose := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(l.every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-held.Done():
				return
			case <-t.C:
				// Not a ping: the check that this session, the one that
				// took it, still holds the lock. A pooler that swapped the
				// session, a DISCARD ALL or a dead connection all fail it.
				// The check gets two intervals (one was too tight for a
				// busy machine, and a slow answer is taken as a loss): the
				// holder must learn of a loss, within three, before the
				// server frees the lock for another (see the keepalives
				// set at Lock, which take five).
				pctx, cancel := context.WithTimeout(context.Background(), 2*l.every)
				var owns bool
				err := conn.QueryRow(pctx, "SELECT pg_backend_pid() = $3 AND "+ownsLock, int64(uint32(cls)), int64(uint32(objid)), pid).Scan(&owns)
				cancel()
				if err == nil && !owns {
					err = errors.New("the session no longer holds it")
				}
				if err != nil {
					lose(fmt.Errorf("%w: %s: %v", ordermgmt.ErrLockLost, key, err))
					return
				}
			}
		}
	}()
	var once sync.Once
	unlock := func() {
		once.Do(func() {
			close(stop)
			wg.Wait() // the watcher no longer uses the connection
			lost := context.Cause(held) != nil && errors.Is(context.Cause(held), ordermgmt.ErrLockLost)
			lose(nil)
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if lost {
				conn.Hijack().Close(uctx)
				return
			}
			// One round trip: the unlock and the settings back to the
			// role's, before the connection goes back to the pool. An
			// unlock of a lock the session does not hold changes nothing;
			// any error ends the session, which releases everything.
			if _, err := conn.Exec(uctx, fmt.Sprintf("SELECT pg_advisory_unlock(%d, %d); RESET lock_timeout; RESET statement_timeout; "+
				"RESET idle_in_transaction_session_timeout; RESET tcp_keepalives_idle; RESET tcp_keepalives_interval; "+
				"RESET tcp_keepalives_count; RESET tcp_user_timeout", cls, objid)); err != nil {
				conn.Hijack().Close(uctx)
				return
			}
			conn.Release()
		})
	}
	return held, unlock, nil
}

// MayOverlap implements ordermgmt.Overlapping: a lost advisory lock may be
// held by two workers until the first notices, so the engine looks each
// movement up at Dintero right before sending it.
func (l *Locker) MayOverlap() bool { return true }
