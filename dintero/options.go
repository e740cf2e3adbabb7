package dintero

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// RetryPolicy says how often and how long the client retries. Reads and
// updates are retried on transport errors, 429, 502, 503 and 504; captures,
// refunds and voids only when the connection could not be opened at all.
// The zero value means the defaults (3 retries, 250ms doubling to 5s, with
// jitter; Retry-After obeyed up to 30s); MaxRetries < 0 turns retries off.
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

// Option configures a Client in New.
type Option func(*config) error

type config struct {
	checkoutURL, apiURL string
	httpClient          *http.Client
	logger              *slog.Logger
	retry               RetryPolicy
	userAgent           string
	headers             http.Header
	now                 func() time.Time
	insecureHTTP        bool
}

// WithInsecureHTTP allows checkout and API URLs with plain http on a host
// other than loopback (loopback is always allowed, for dinterotest). Over
// plain http the client credentials and tokens travel in clear text, and
// answers can be rewritten on the way. Use it only on a link you trust.
func WithInsecureHTTP() Option {
	return func(c *config) error { c.insecureHTTP = true; return nil }
}

// WithCheckoutURL sets the Checkout API base URL (default
// DefaultCheckoutURL), for instance a dinterotest server's URL.
func WithCheckoutURL(u string) Option {
	return func(c *config) error { c.checkoutURL = u; return nil }
}

// WithAPIURL sets the base URL of the API host that issues tokens (default
// DefaultAPIURL). The token audience always names api.dintero.com, as
// Dintero requires, whatever this URL is.
func WithAPIURL(u string) Option {
	return func(c *config) error { c.apiURL = u; return nil }
}

// WithHTTPClient sets the HTTP client. It is used as given and never
// modified; its Timeout bounds each attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return fmt.Errorf("%w: nil *http.Client", ErrInvalidRequest)
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger sets a logger for debug records of requests and retries.
// Records never hold tokens, credentials, headers or bodies. The default
// is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithRetry sets the retry policy.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error { c.retry = p; return nil }
}

// WithUserAgent replaces the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error { c.userAgent = ua; return nil }
}

// WithSystem sets the Dintero-System-Name and Dintero-System-Version
// headers, which Dintero stores on the transaction to tell which system
// created it (for a WooCommerce store: "woocommerce" and its version).
func WithSystem(name, version string) Option {
	return func(c *config) error {
		c.headers.Set("Dintero-System-Name", name)
		c.headers.Set("Dintero-System-Version", version)
		return nil
	}
}

// WithPlugin sets the Dintero-System-Plugin-Name and
// Dintero-System-Plugin-Version headers.
func WithPlugin(name, version string) Option {
	return func(c *config) error {
		c.headers.Set("Dintero-System-Plugin-Name", name)
		c.headers.Set("Dintero-System-Plugin-Version", version)
		return nil
	}
}

// WithClock sets the clock used for token expiry, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error { c.now = now; return nil }
}
