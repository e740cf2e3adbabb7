package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/internal/pgtest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/ordermgmt/pgstore"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 40
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestLockerExcludes: replicas (separate pools) contending for a few keys
// never hold one key twice at once, and every attempt gets its turn.
func TestLockerExcludes(t *testing.T) {
	dsn := pgtest.DSN(t)
	var lockers []*pgstore.Locker
	for range 3 {
		l, err := pgstore.NewLocker(newPool(t, dsn), pgstore.WithStore("shop"))
		if err != nil {
			t.Fatal(err)
		}
		lockers = append(lockers, l)
	}
	keys := []string{"order:1", "order:2", "order:3"}
	inside := make([]atomic.Int32, len(keys))
	var overlaps, done atomic.Int32
	var wg sync.WaitGroup
	for w := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lockers[w%len(lockers)]
			for i := range 10 {
				k := (w + i) % len(keys)
				_, unlock, err := l.Lock(context.Background(), keys[k])
				if err != nil {
					t.Error(err)
					return
				}
				if inside[k].Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(time.Millisecond)
				inside[k].Add(-1)
				unlock()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if overlaps.Load() != 0 || done.Load() != 240 {
		t.Errorf("%d overlaps, %d of 240 turns", overlaps.Load(), done.Load())
	}
}

// TestLockerKeysAreScopedByStore: the same order id in two stores is two
// locks.
func TestLockerKeysAreScopedByStore(t *testing.T) {
	pool := newPool(t, pgtest.DSN(t))
	a, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop-a"))
	b, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop-b"))
	_, unlockA, err := a.Lock(context.Background(), "order:7")
	if err != nil {
		t.Fatal(err)
	}
	defer unlockA()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, unlockB, err := b.Lock(ctx, "order:7")
	if err != nil {
		t.Fatalf("another store's order 7 waits for this one's: %v", err)
	}
	unlockB()
	if pgstore.Key("shop-a", "order:7") == pgstore.Key("shop-b", "order:7") {
		t.Error("the keys collide")
	}
}

// TestLockerWaitEndsWithContext: a waiter gives up with its context and
// holds nothing afterwards.
func TestLockerWaitEndsWithContext(t *testing.T) {
	pool := newPool(t, pgtest.DSN(t))
	l, _ := pgstore.NewLocker(pool)
	_, unlock, err := l.Lock(context.Background(), "order:1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := l.Lock(ctx, "order:1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting on a held lock: %v", err)
	}
	unlock()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	_, unlock2, err := l.Lock(ctx2, "order:1")
	if err != nil {
		t.Fatalf("after the holder released, and a waiter gave up: %v", err)
	}
	unlock2()
}

// TestLockerLostAndReleasedOnCrash: when the holder's connection dies (here
// the server ends its session, as a crash or a cut would), the lock is free
// for another replica at once, and the holder's held context ends with
// ErrLockLost within the check interval.
func TestLockerLostAndReleasedOnCrash(t *testing.T) {
	dsn := pgtest.DSN(t)
	holderPool, otherPool := newPool(t, dsn), newPool(t, dsn)
	holder, _ := pgstore.NewLocker(holderPool, pgstore.WithCheckEvery(50*time.Millisecond))
	other, _ := pgstore.NewLocker(otherPool)
	held, unlock, err := holder.Lock(context.Background(), "order:42")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	key := pgstore.Key("", "order:42")
	var pid int32
	err = otherPool.QueryRow(context.Background(),
		"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::oid AND objid = $2::bigint::oid AND objsubid = 2 AND granted",
		uint32(pgstore.LockClass), int64(uint32(key))).Scan(&pid)
	if err != nil {
		t.Fatalf("the lock is not in pg_locks: %v", err)
	}
	if _, err := otherPool.Exec(context.Background(), "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, unlockOther, err := other.Lock(ctx, "order:42")
	if err != nil {
		t.Fatalf("the crashed holder's lock was not released: %v", err)
	}
	defer unlockOther()
	select {
	case <-held.Done():
		if !errors.Is(context.Cause(held), ordermgmt.ErrLockLost) {
			t.Errorf("held ended with %v, want ErrLockLost", context.Cause(held))
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the holder never learned it lost the lock")
	}
}

// TestEngineStopsWhenItsLockIsLost: work under a lost lock fails instead
// of going on.
func TestEngineStopsWhenItsLockIsLost(t *testing.T) {
	pool := newPool(t, pgtest.DSN(t))
	l, _ := pgstore.NewLocker(pool, pgstore.WithCheckEvery(20*time.Millisecond))
	held, unlock, err := l.Lock(context.Background(), "order:9")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := pool.Exec(context.Background(),
		"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::oid AND granted", uint32(pgstore.LockClass)); err != nil {
		t.Fatal(err)
	}
	<-held.Done()
	if err := held.Err(); err == nil {
		t.Fatal("held is still live")
	}
}

func BenchmarkLockUnlock(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		pool := newPool(b, pgtest.DSN(b))
		l, _ := pgstore.NewLocker(pool)
		b.ReportAllocs()
		for b.Loop() {
			_, unlock, err := l.Lock(context.Background(), "order:1")
			if err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
	// The least any advisory lock costs, in the same run: a pooled
	// connection, the lock and the unlock, two round trips.
	b.Run("raw-pgx", func(b *testing.B) {
		pool := newPool(b, pgtest.DSN(b))
		b.ReportAllocs()
		for b.Loop() {
			conn, err := pool.Acquire(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(context.Background(), "SELECT pg_advisory_lock($1, $2)", pgstore.LockClass, int32(1)); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1, $2)", pgstore.LockClass, int32(1)); err != nil {
				b.Fatal(err)
			}
			conn.Release()
		}
	})
	b.Run("memory", func(b *testing.B) {
		var l ordermgmt.MemoryLocker
		b.ReportAllocs()
		for b.Loop() {
			_, unlock, err := l.Lock(context.Background(), "order:1")
			if err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
}

// TestLockerWaitsDespiteTimeouts: a role or database with lock_timeout
// and statement_timeout does not cut a wait short; the lock session's
// settings do not leak into the pool afterwards.
func TestLockerWaitsDespiteTimeouts(t *testing.T) {
	dsn := pgtest.DSN(t)
	setup := newPool(t, dsn)
	if _, err := setup.Exec(context.Background(), "ALTER DATABASE "+dbName(t, dsn)+" SET lock_timeout = '200ms'"); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(context.Background(), "ALTER DATABASE "+dbName(t, dsn)+" SET statement_timeout = '300ms'"); err != nil {
		t.Fatal(err)
	}
	pool := newPool(t, dsn)
	l, _ := pgstore.NewLocker(pool)
	_, unlock, err := l.Lock(context.Background(), "order:5")
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(time.Second, unlock)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, unlock2, err := l.Lock(ctx, "order:5")
	if err != nil {
		t.Fatalf("the wait was cut after %s: %v", time.Since(start), err)
	}
	unlock2()
	var lockTimeout string
	if err := pool.QueryRow(context.Background(), "SHOW lock_timeout").Scan(&lockTimeout); err != nil || lockTimeout != "200ms" {
		t.Errorf("a pooled connection's lock_timeout is %q (%v), want the database's 200ms", lockTimeout, err)
	}
}

func dbName(t *testing.T, dsn string) string {
	i := strings.LastIndex(dsn, "/")
	name, _, _ := strings.Cut(dsn[i+1:], "?")
	return name
}

// TestLeaderTakesOver: of two replicas running the poller under Lead, one
// leads; when its session dies, the other takes over.
func TestLeaderTakesOver(t *testing.T) {
	dsn := pgtest.DSN(t)
	var mu sync.Mutex
	var leading []string
	run := func(name string, pool *pgxpool.Pool) {
		l, _ := pgstore.NewLocker(pool, pgstore.WithStore("shop"), pgstore.WithCheckEvery(100*time.Millisecond))
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go ordermgmt.Lead(ctx, l, "poller", func(ctx context.Context) {
			mu.Lock()
			leading = append(leading, name)
			mu.Unlock()
			<-ctx.Done()
			mu.Lock()
			leading = slices.DeleteFunc(leading, func(n string) bool { return n == name })
			mu.Unlock()
		}, nil)
	}
	poolA, poolB := newPool(t, dsn), newPool(t, dsn)
	run("a", poolA)
	leaders := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(leading)
	}
	// a leads (waited for: a loaded machine may take a while)...
	for deadline := time.Now().Add(10 * time.Second); !slices.Equal(leaders(), []string{"a"}); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("leading %v, want [a]", leaders())
		}
	}
	run("b", poolB)
	time.Sleep(200 * time.Millisecond)
	if got := leaders(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("with b waiting, leading %v, want [a]", got)
	}
	// The leader's session dies.
	if _, err := poolB.Exec(context.Background(), "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::bigint::oid AND granted",
		int64(uint32(pgstore.LeaderClass))); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if slices.Equal(leaders(), []string{"b"}) {
			return
		}
	}
	t.Fatalf("after the leader died, leading %v, want [b]", leaders())
}

// TestReconcileStopsBeforeMovingMoneyOnALostLock: the lock is lost while
// the engine writes the capture's in-flight record (the step right before
// the capture); the capture is never sent, and the reconcile says why.
func TestReconcileStopsBeforeMovingMoneyOnALostLock(t *testing.T) {
	pool := newPool(t, pgtest.DSN(t))
	store, dt := wctest.NewServer(), dinterotest.NewServer()
	defer store.Close()
	defer dt.Close()
	wc, _ := store.Client()
	dc, _ := dt.Client()
	ctx := context.Background()
	o, tx := completedOrder(t, store, dt, wc, dc)
	locker, _ := pgstore.NewLocker(pool, pgstore.WithCheckEvery(20*time.Millisecond))
	engine, _ := ordermgmt.New(wc, dc, ordermgmt.WithLocker(locker))
	store.InjectFault(wctest.RouteUpdateOrder, wctest.Fault{Latency: time.Second, Times: 1})
	go func() {
		// While the in-flight record is being written: the session ends.
		time.Sleep(300 * time.Millisecond)
		pool.Exec(context.Background(), "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::oid AND granted", uint32(pgstore.LockClass))
	}()
	_, err := engine.Reconcile(ctx, o.ID)
	if !errors.Is(err, ordermgmt.ErrLockLost) {
		t.Errorf("reconcile: %v, want ErrLockLost", err)
	}
	if n := dt.Requests(dinterotest.RouteCapture); n != 0 {
		t.Fatalf("%d capture requests after the lock was lost", n)
	}
	// With a lock again, the order is captured, once.
	if _, err := engine.Reconcile(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := dt.Transaction(tx.ID); got.Status != dintero.StatusCaptured || dt.Requests(dinterotest.RouteCapture) != 1 {
		t.Errorf("after: %s, %d capture requests", got.Status, dt.Requests(dinterotest.RouteCapture))
	}
}
