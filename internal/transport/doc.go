// Package transport is the HTTP plumbing the dintero and woocommerce clients
// share: retries on go-retryablehttp under a policy that knows which requests
// may be repeated, a capped and jittered backoff, bounded response reading,
// attempt counting and logging that never sees a credential.
//
// The rule that matters most: a request marked MovesMoney (a capture, refund
// or void, a WooCommerce refund create) is sent again only when it provably
// never reached the server (the connection could not be opened). When it may
// have arrived, the outcome is unknown, and the error wraps ErrOutcomeUnknown
// so the caller reads the resource back instead of paying twice.
package transport
