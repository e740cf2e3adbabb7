package ordermgmt

import (
	"context"
	"sync"
)

// Locker serializes work on one order. The default, MemoryLocker, works
// within one process; a service running several replicas plugs in a shared
// lock (a database advisory lock, say) so that two replicas never act on
// the same order at once.
type Locker interface {
	// Lock blocks until key is held or ctx ends, and returns the function
	// that releases it.
	Lock(ctx context.Context, key string) (unlock func(), err error)
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

// Lock implements Locker.
func (m *MemoryLocker) Lock(ctx context.Context, key string) (func(), error) {
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
		var once sync.Once
		return func() {
			once.Do(func() {
				l.ch <- struct{}{}
				release()
			})
		}, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
