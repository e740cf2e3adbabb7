package faultinject

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// Late runs work that a server commits after its client has gone: the
// request is held until the client gives up (or the server cuts the
// connection), and the change lands later, as a real server that goes on
// processing a request nobody waits for any more. The zero value is ready
// to use and safe for concurrent use.
type Late struct {
	mu      sync.Mutex
	timers  map[*time.Timer]bool
	running int        // held requests and commits not done yet
	idle    *sync.Cond // signalled when running drops to 0
	closed  bool
	stop    chan struct{} // closed by Stop: held requests end
}

// A counter under mu, not a sync.WaitGroup: a WaitGroup's Add from zero
// must happen before its Wait, and a request is held on a server goroutine
// while a test may already be waiting.

func (l *Late) add() { l.running++ } // the caller holds l.mu

func (l *Late) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running--
	if l.running == 0 && l.idle != nil {
		l.idle.Broadcast()
	}
}

func (l *Late) stopped() chan struct{} {
	if l.stop == nil {
		l.stop = make(chan struct{})
	}
	return l.stop
}

// Commit holds r until its client gives up (its context ends: a deadline,
// a cancel, a cut connection) or holdFor passes (0: only the client ends
// it), cuts the connection without an answer, and runs commit on a copy of
// r, body included, delay later. Commits not started when Stop is called
// are dropped.
func (l *Late) Commit(w http.ResponseWriter, r *http.Request, holdFor, delay time.Duration, commit func(*http.Request)) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.add() // counted from the start, so Wait covers a held request
	stop := l.stopped()
	l.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	var timeout <-chan time.Time
	if holdFor > 0 {
		t := time.NewTimer(holdFor)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.Context().Done():
	case <-timeout:
	case <-stop:
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
	later := r.Clone(context.Background())
	later.Body = io.NopCloser(bytes.NewReader(body))
	later.ContentLength = int64(len(body))

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.done()
		return
	}
	defer l.mu.Unlock()
	if l.timers == nil {
		l.timers = map[*time.Timer]bool{}
	}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		defer l.done()
		l.mu.Lock()
		delete(l.timers, t)
		closed := l.closed
		l.mu.Unlock()
		if !closed {
			commit(later)
		}
	})
	l.timers[t] = true
}

// Wait blocks until every held request has been committed or dropped.
func (l *Late) Wait() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.idle == nil {
		l.idle = sync.NewCond(&l.mu)
	}
	for l.running > 0 {
		l.idle.Wait()
	}
}

// Stop drops the commits not started yet (a server shutting down loses
// the work it had not done) and ends the requests still held.
func (l *Late) Stop() {
	l.mu.Lock()
	if !l.closed {
		close(l.stopped())
	}
	l.closed = true
	stopped := 0
	for t := range l.timers {
		if t.Stop() {
			stopped++
		}
		delete(l.timers, t)
	}
	l.mu.Unlock()
	for range stopped {
		l.done()
	}
}

// Pending returns how many held requests and commits are not done yet.
func (l *Late) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running
}
