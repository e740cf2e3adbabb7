// Package faultinject keeps the faults the in-process servers inject, per
// route, and counts the requests each route received.
package faultinject

import "sync"

// Queue holds faults of type F queued per route R. The zero value is ready
// to use and safe for concurrent use.
type Queue[R ~string, F any] struct {
	mu       sync.Mutex
	faults   map[R][]*entry[F]
	requests map[R]int
	chooser  func(R) (F, bool)
}

type entry[F any] struct {
	fault       F
	times, used int
}

// Inject queues f on route for the next times requests (0: all of them).
// Faults apply in the order injected.
func (q *Queue[R, F]) Inject(route R, f F, times int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.faults == nil {
		q.faults = map[R][]*entry[F]{}
	}
	q.faults[route] = append(q.faults[route], &entry[F]{fault: f, times: times})
}

// Clear removes every queued fault.
func (q *Queue[R, F]) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.faults)
}

// SetChooser sets a function asked for a fault when none is queued for a
// route, for faults drawn at random at a rate; nil removes it.
func (q *Queue[R, F]) SetChooser(choose func(R) (F, bool)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.chooser = choose
}

// Take counts a request on route and returns the fault that applies to it.
func (q *Queue[R, F]) Take(route R) (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.requests == nil {
		q.requests = map[R]int{}
	}
	q.requests[route]++
	var zero F
	list := q.faults[route]
	if len(list) == 0 {
		if q.chooser != nil {
			return q.chooser(route)
		}
		return zero, false
	}
	e := list[0]
	e.used++
	if e.times > 0 && e.used >= e.times {
		q.faults[route] = list[1:]
	}
	return e.fault, true
}

// Requests returns how many requests route received.
func (q *Queue[R, F]) Requests(route R) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.requests[route]
}
