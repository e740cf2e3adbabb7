package wctest

import (
	"context"
	"time"
)

// Idle reports whether the store is doing nothing right now: no request
// being served, no webhook delivery under way, no late commit pending.
func (s *Server) Idle() bool {
	return s.busy.Load() == 0 && s.late.Pending() == 0 && s.deliveriesIdle()
}

// Idler is anything that can say it is doing nothing: a Server,
// dinterotest's Server, or a test's own receiver.
type Idler interface{ Idle() bool }

// WaitQuiet waits until the store and every other given party (for
// example the dinterotest server its webhooks drive, and through it the
// callbacks it sends) have all been idle at once for settle, which
// catches a webhook whose handler starts a request the moment the
// delivery ends. It returns the context's error if they never are.
func WaitQuiet(ctx context.Context, settle time.Duration, parties ...Idler) error {
	if settle <= 0 {
		settle = 20 * time.Millisecond
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var quietSince time.Time
	for {
		all := true
		for _, p := range parties {
			if !p.Idle() {
				all = false
				break
			}
		}
		switch {
		case !all:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = time.Now()
		case time.Since(quietSince) >= settle:
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
