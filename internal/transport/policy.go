package transport

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy says how often and how long to retry. The zero value means
// the defaults; MaxRetries < 0 turns retries off.
type RetryPolicy struct {
	// MaxRetries is the number of attempts after the first (default 3).
	MaxRetries int
	// MinWait is the first backoff (default 250ms); it doubles per attempt.
	MinWait time.Duration
	// MaxWait caps the exponential backoff (default 5s).
	MaxWait time.Duration
	// RetryAfterCap caps a server's Retry-After (default 30s), so that a
	// server answering "Retry-After: 3600" cannot stall a caller for an hour.
	RetryAfterCap time.Duration
}

const (
	defaultMaxRetries    = 3
	defaultMinWait       = 250 * time.Millisecond
	defaultMaxWait       = 5 * time.Second
	defaultRetryAfterCap = 30 * time.Second
)

// withDefaults fills zero fields with the defaults.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = defaultMaxRetries
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.MinWait <= 0 {
		p.MinWait = defaultMinWait
	}
	if p.MaxWait <= 0 {
		p.MaxWait = defaultMaxWait
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.RetryAfterCap <= 0 {
		p.RetryAfterCap = defaultRetryAfterCap
	}
	return p
}

// waitRange returns the shortest and longest wait before retry number
// attempt (0 for the first retry). A Retry-After header on 429 or 503 is
// obeyed up to RetryAfterCap; otherwise the wait is exponential with equal
// jitter: half the step fixed, half random, so that many clients failing
// together do not come back together.
func (p RetryPolicy) waitRange(attempt int, resp *http.Response) (lo, hi time.Duration) {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			d = min(d, p.RetryAfterCap)
			return d, d
		}
	}
	step := p.MinWait
	for i := 0; i < attempt && step < p.MaxWait; i++ {
		step *= 2
	}
	step = min(step, p.MaxWait)
	return step / 2, step
}

// backoff picks the wait within waitRange.
func (p RetryPolicy) backoff(attempt int, resp *http.Response) time.Duration {
	lo, hi := p.waitRange(attempt, resp)
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1)
}

// RetryAfter parses a Retry-After header given in seconds or as an HTTP
// date. It reports false when the header is absent or unreadable.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Guard the multiplication: a huge value is simply "very long".
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
