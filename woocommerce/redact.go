package woocommerce

import (
	"fmt"
	"log/slog"
)

// The client, the signer and a webhook request hold secrets. Their
// String, GoString and LogValue show what identifies them and never the
// secret, so that %v, %+v, %#v and slog cannot print it.

// String describes the client without its credentials.
// (Value receivers: a dereferenced client prints safely too.)
func (c Client) String() string {
	return fmt.Sprintf("woocommerce.Client{store: %s, auth: %s, key: %s}", c.store, c.auth, redactKey(c.key))
}

// GoString is String: %#v must not print the credentials either.
func (c Client) GoString() string { return c.String() }

// LogValue logs the client without its credentials.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("store", c.store.String()), slog.String("auth", c.auth.String()),
		slog.String("key", redactKey(c.key)))
}

// String describes the signer without its secret.
func (s OAuthSigner) String() string {
	return fmt.Sprintf("woocommerce.OAuthSigner{key: %s, method: %s, secret: [redacted]}", redactKey(s.ConsumerKey), s.Method)
}

// GoString is String.
func (s OAuthSigner) GoString() string { return s.String() }

// LogValue logs the signer without its secret.
func (s OAuthSigner) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", redactKey(s.ConsumerKey)), slog.String("method", string(s.Method)))
}

// String describes the webhook request without its secret.
func (r WebhookRequest) String() string {
	return fmt.Sprintf("woocommerce.WebhookRequest{name: %q, topic: %q, delivery_url: %q, status: %q, secret set: %t}",
		r.Name, r.Topic, r.DeliveryURL, r.Status, r.Secret != "")
}

// GoString is String.
func (r WebhookRequest) GoString() string { return r.String() }

// LogValue logs the webhook request without its secret.
func (r WebhookRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", r.Name), slog.String("topic", r.Topic),
		slog.String("delivery_url", r.DeliveryURL), slog.Bool("secret_set", r.Secret != ""))
}

// String names the auth mode.
func (m AuthMode) String() string {
	switch m {
	case AuthAuto:
		return "auto"
	case AuthBasic:
		return "basic"
	case AuthQueryString:
		return "query-string"
	case AuthOAuth1:
		return "oauth1"
	}
	return fmt.Sprintf("AuthMode(%d)", int(m))
}

// redactKey keeps a consumer key's prefix and last four characters, as
// WooCommerce's own key list shows them ("ck_…1a2b").
func redactKey(k string) string {
	if len(k) <= 8 {
		return "[redacted]"
	}
	return k[:3] + "…" + k[len(k)-4:]
}
