package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LockClass is the first key of every advisory lock this package takes
// (the two-key form, pg_advisory_lock(int4, int4)): the bytes "DWOO".
// PostgreSQL keeps the one-key (bigint) and the two-key lock spaces apart,
// so an application's own bigint advisory locks never collide with these;
// two-key locks collide only if they use this class.
const LockClass int32 = 0x44574F4F

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
// A lock is lost when its connection dies (a restart, a network cut, an
// idle timeout): PostgreSQL releases it at once, and another replica may
// take it. The holder learns it within the check interval, when a ping on
// the lock's connection fails, and its held context ends with
// ordermgmt.ErrLockLost. Between the loss and that moment both may act on
// the order; the engine's in-flight records in WooCommerce keep money
// safe then: a capture or refund is recorded on the order before it is
// sent, and a second holder that finds such a record waits for the
// in-doubt period (Settings.InDoubtWait) and looks for the movement's
// reference at Dintero before it sends anything. Money therefore never
// moves twice, even with two holders.
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

// WithCheckEvery sets how often a held lock's connection is checked
// (default 1s): the longest a lost lock goes unnoticed.
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

// Key is the second advisory-lock key of an engine key in a store: what
// to look for in pg_locks (classid = LockClass, objid = Key, objsubid = 2).
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
	objid := Key(l.store, key)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", LockClass, objid); err != nil {
		// Cancelled while waiting: the server was asked to cancel, but
		// the lock may have been granted just before; a connection that
		// is closed holds nothing.
		conn.Hijack().Close(context.Background())
		return nil, nil, fmt.Errorf("pgstore: lock %s: %w", key, err)
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
				pctx, cancel := context.WithTimeout(context.Background(), l.every)
				err := conn.Ping(pctx)
				cancel()
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
			var ok bool
			if err := conn.QueryRow(uctx, "SELECT pg_advisory_unlock($1, $2)", LockClass, objid).Scan(&ok); err != nil || !ok {
				// Not sure it is released: end the session, which is.
				conn.Hijack().Close(uctx)
				return
			}
			conn.Release()
		})
	}
	return held, unlock, nil
}
