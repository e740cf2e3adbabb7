package ordermgmt

import (
	"context"
	"time"
)

// Lead runs work while this process holds key in locker, and only then:
// with a shared Locker (pgstore), one replica leads at a time, and when
// the leader dies or loses its lock another takes over. work gets the
// lock's held context, which ends when the lock is lost; Lead then takes
// the lock again (waiting while another leads) and starts work anew,
// until ctx ends.
//
//	go ordermgmt.Lead(ctx, locker, "poller", func(ctx context.Context) {
//		engine.RunPollerWith(ctx, ordermgmt.PollerConfig{Checkpoint: checkpoint})
//	})
func Lead(ctx context.Context, locker Locker, key string, work func(ctx context.Context)) {
	for ctx.Err() == nil {
		held, unlock, err := locker.Lock(ctx, key)
		if err != nil {
			// The lock's database is unreachable, say: try again soon.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		work(held)
		unlock()
	}
}
