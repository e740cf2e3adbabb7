package ordermgmt

import (
	"context"
	"errors"
	"sync"
)

// ErrLockLost is the cause (context.Cause) of a held context that ended
// because its lock was lost, as a database lock is when its connection
// dies.
var ErrLockLost = errors.New("ordermgmt: the order's lock was lost")

// Locker serializes work on one order. The default, MemoryLocker, works
// within one process; a service running several replicas plugs in a shared
// lock (PostgreSQL's advisory locks: package pgstore) so that two replicas
// never act on the same order at once.
type Locker interface {
	// Lock blocks until key is held or ctx ends. It returns held, a
	// context derived from ctx, and unlock, which releases the lock and
	// ends held. When the lock is lost while held, held ends with
	// ErrLockLost as its cause: the engine does all work under the lock
	// with held, so a holder that lost its lock stops before its next
	// call, and no money moves under a lock nobody holds.
	Lock(ctx context.Context, key string) (held context.Context, unlock func(), err error)
}

// MemoryLocker is an in-process Locker. The zero value is ready to use.
type MemoryLocker struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	ch      chan struct{} // holds one token while the key is free
	waiters int
}

// Lock implements Locker. An in-process lock is never lost: held ends
// only with ctx or unlock.
func (m *MemoryLocker) Lock(ctx context.Context, key string) (context.Context, func(), error) {
	m.mu.Lock()
	if m.locks == nil {
		m.locks = map[string]*keyLock{}
	}
	l, ok := m.locks[key]
	if !ok {
		l = &keyLock{ch: make(chan struct{}, 1)}
		l.ch <- struct{}{}
		m.locks[key] = l
	}
	l.waiters++
	m.mu.Unlock()
	release := func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		l.waiters--
		if l.waiters == 0 {
			delete(m.locks, key) // keep the map as small as the work under way
		}
	}
	select {
	case <-l.ch:
		held, cancel := context.WithCancel(ctx)
		var once sync.Once
		return held, func() {
			once.Do(func() {
				cancel()
				l.ch <- struct{}{}
				release()
			})
		}, nil
	case <-ctx.Done():
		release()
		return nil, nil, ctx.Err()
	}
}

// Overlapping is implemented by a Locker whose lock may, for a moment, be
// held by two workers (a shared lock whose loss its holder has not noticed
// yet). The engine then reads the transaction once more right before each
// capture, void or refund, and steps back when Dintero already shows it:
// one call more per movement, for a guarantee that does not depend on
// timing.
type Overlapping interface {
	MayOverlap() bool
}
