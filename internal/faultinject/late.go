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
// request was held until the client gave up (or the server cut the
// connection), and the change lands later, as a real server that goes on
// processing a request nobody waits for any more. The zero value is ready
// to use and safe for concurrent use.
type Late struct {
	mu      sync.Mutex
	timers  map[*time.Timer]bool
	running sync.WaitGroup
	closed  bool
}

// Hold keeps r until its client gives up (its context ends: a deadline, a
// cancel, a cut connection) or holdFor passes (0: only the client ends
// it), then cuts the connection without an answer. It returns the request
// body, read before the wait, so the work can be done later.
func Hold(w http.ResponseWriter, r *http.Request, holdFor time.Duration) []byte {
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
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
	return body
}

// Detached is a copy of r, with body, that outlives the connection it came
// on: the request a late commit works on.
func Detached(r *http.Request, body []byte) *http.Request {
	d := r.Clone(context.Background())
	d.Body = io.NopCloser(bytes.NewReader(body))
	d.ContentLength = int64(len(body))
	return d
}

// After runs commit after delay, unless Stop comes first.
func (l *Late) After(delay time.Duration, commit func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if l.timers == nil {
		l.timers = map[*time.Timer]bool{}
	}
	l.running.Add(1)
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		defer l.running.Done()
		l.mu.Lock()
		delete(l.timers, t)
		closed := l.closed
		l.mu.Unlock()
		if !closed {
			commit()
		}
	})
	l.timers[t] = true
}

// Wait blocks until every scheduled commit has run.
func (l *Late) Wait() { l.running.Wait() }

// Stop drops the commits not started yet (a server shutting down loses
// the work it had not done) and waits for those running.
func (l *Late) Stop() {
	l.mu.Lock()
	l.closed = true
	for t := range l.timers {
		if t.Stop() {
			l.running.Done()
		}
		delete(l.timers, t)
	}
	l.mu.Unlock()
	l.running.Wait()
}
