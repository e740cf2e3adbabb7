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
	running sync.WaitGroup // held requests and commits not done yet
	closed  bool
	stop    chan struct{} // closed by Stop: held requests end
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
	l.running.Add(1) // counted from the start, so Wait covers a held request
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
	defer l.mu.Unlock()
	if l.closed {
		l.running.Done()
		return
	}
	if l.timers == nil {
		l.timers = map[*time.Timer]bool{}
	}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		defer l.running.Done()
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
func (l *Late) Wait() { l.running.Wait() }

// Stop drops the commits not started yet (a server shutting down loses
// the work it had not done) and ends the requests still held.
func (l *Late) Stop() {
	l.mu.Lock()
	if !l.closed {
		close(l.stopped())
	}
	l.closed = true
	for t := range l.timers {
		if t.Stop() {
			l.running.Done()
		}
		delete(l.timers, t)
	}
	l.mu.Unlock()
}
