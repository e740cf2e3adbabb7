package woocommerce

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// AuthMode is how the client authenticates.
type AuthMode int

// Authentication modes.
const (
	// AuthAuto is Basic over HTTPS and OAuth 1.0a over HTTP.
	AuthAuto AuthMode = iota
	// AuthBasic sends the key and secret in an Authorization header.
	// WooCommerce only reads it over HTTPS.
	AuthBasic
	// AuthQueryString sends consumer_key and consumer_secret in the query,
	// for hosts that strip the Authorization header. The secret then lands
	// in access logs; prefer Basic.
	AuthQueryString
	// AuthOAuth1 signs each request with one-legged OAuth 1.0a.
	AuthOAuth1
)

// RetryPolicy says how often and how long the client retries. Reads and
// updates are retried on transport errors, 429, 502, 503 and 504; refund
// creates only when the connection could not be opened. The zero value
// means the defaults; MaxRetries < 0 turns retries off.
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
	httpClient      *http.Client
	logger          *slog.Logger
	retry           RetryPolicy
	auth            AuthMode
	signatureMethod SignatureMethod
	prefix          string
	queryRouting    bool
	userAgent       string
	now             func() time.Time
	nonce           func() string
	insecureHTTP    bool
}

// WithInsecureHTTP allows a store URL with plain http on a host other than
// loopback (loopback is always allowed, for wctest and local stores). Over
// plain http the key or secret travels in clear text with Basic and
// query-string auth, and with OAuth 1.0a, which signs requests but not
// answers, anyone on the path can rewrite what the store says (an order
// read as refunded, and the engine refunds). Use it only on a link you
// trust, such as a private network with its own encryption.
func WithInsecureHTTP() Option {
	return func(c *config) error { c.insecureHTTP = true; return nil }
}

// WithAuth forces an authentication mode.
func WithAuth(m AuthMode) Option {
	return func(c *config) error { c.auth = m; return nil }
}

// WithSignatureMethod selects the OAuth 1.0a signature method (default
// HMAC-SHA256).
func WithSignatureMethod(m SignatureMethod) Option {
	return func(c *config) error {
		if m != HMACSHA256 && m != HMACSHA1 {
			return fmt.Errorf("%w: signature method %q", ErrInvalidRequest, m)
		}
		c.signatureMethod = m
		return nil
	}
}

// WithOAuthClock sets the clock and nonce source of the OAuth signer, for
// tests.
func WithOAuthClock(now func() time.Time, nonce func() string) Option {
	return func(c *config) error { c.now, c.nonce = now, nonce; return nil }
}

// WithQueryRouting routes requests through ?rest_route=/wc/v3/... for stores
// with plain permalinks, which do not answer under /wp-json/.
//
// Version limits: WooCommerce authenticates API keys on this form only
// from 11.1 on. WooCommerce 10.x and older run key authentication only for
// URLs containing "wp-json/wc/", so every request here is answered 401
// woocommerce_rest_cannot_view, whatever the credentials; such stores need
// pretty permalinks. From 11.1 on, OAuth 1.0a signs the home URL without a
// trailing slash, with rest_route as a signed parameter, which is what this
// client sends.
func WithQueryRouting() Option {
	return func(c *config) error { c.queryRouting = true; return nil }
}

// WithRESTPrefix sets a custom REST prefix (default "wp-json").
func WithRESTPrefix(prefix string) Option {
	return func(c *config) error { c.prefix = prefix; return nil }
}

// WithHTTPClient sets the HTTP client, used as given. Status changes and
// refunds run gateway calls inside WooCommerce's request: give it a timeout
// of a minute or more.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return fmt.Errorf("%w: nil *http.Client", ErrInvalidRequest)
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger sets a logger for debug records of requests and retries; they
// never hold keys, secrets, signatures or query strings. Default: silent.
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
