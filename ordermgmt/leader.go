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
// until ctx ends. onError, if set, hears why the lock could not be taken
// (the lock's database unreachable, a pooler refused): nobody leads then.
//
//	go ordermgmt.Lead(ctx, locker, "poller", func(ctx context.Context) {
//		engine.RunPollerWith(ctx, ordermgmt.PollerConfig{Checkpoint: checkpoint})
//	}, logError)
func Lead(ctx context.Context, locker Locker, key string, work func(ctx context.Context), onError func(error)) {
	for wait := time.Second; ctx.Err() == nil; {
		held, unlock, err := locker.Lock(ctx, key)
		if err != nil {
			if onError != nil && ctx.Err() == nil {
				onError(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
			continue
		}
		wait = time.Second
		work(held)
		unlock()
	}
}
