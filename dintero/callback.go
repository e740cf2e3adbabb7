package dintero

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Callback is what Dintero tells a session's callback_url: which
// transaction changed. Treat it as a hint, never as the truth: read the
// transaction with Transactions.Get before acting on it.
type Callback struct {
	TransactionID     string
	SessionID         string // from session_id, or sid with sid_parameter_name=sid
	MerchantReference string
	// Time is when Dintero sent it (zero if absent or unreadable).
	Time time.Time
	// Error is set on error callbacks (report_error=true): cancelled,
	// authorization, failed.
	Error string
	// Event and EventID are set on report_event callbacks (CAPTURE,
	// REFUND, VOID).
	Event   string
	EventID string
	// DeliveryID is the event-delivery header, unique per delivery.
	DeliveryID string
}

// ErrBadCallback is wrapped by the errors of ParseCallback.
var ErrBadCallback = errors.New("dintero: bad callback")

// ParseCallback reads a callback request's query and headers. It fails when
// the callback names neither a transaction nor a session, so a handler can
// answer 400 (Dintero does not retry 4xx).
func ParseCallback(r *http.Request) (*Callback, error) {
	q := parseForm(r.URL.RawQuery)
	get := func(k string) string {
		for _, kv := range q {
			if kv[0] == k {
				return kv[1]
			}
		}
		return ""
	}
	cb := &Callback{
		TransactionID:     get("transaction_id"),
		SessionID:         get("session_id"),
		MerchantReference: get("merchant_reference"),
		Error:             get("error"),
		Event:             get("event"),
		EventID:           get("event_id"),
		DeliveryID:        r.Header.Get("Event-Delivery"),
	}
	if cb.SessionID == "" {
		cb.SessionID = get("sid")
	}
	if t := get("time"); t != "" {
		if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
			cb.Time = ts
		}
	}
	if cb.TransactionID == "" && cb.SessionID == "" {
		return nil, fmt.Errorf("%w: neither transaction_id nor session_id is set", ErrBadCallback)
	}
	return cb, nil
}

// Errors of CallbackVerifier.Verify.
var (
	ErrSignatureMissing = errors.New("dintero: callback signature missing")
	ErrSignatureInvalid = errors.New("dintero: callback signature invalid")
	ErrSignatureExpired = errors.New("dintero: callback signature timestamp outside tolerance")
	// ErrVerifierConfig: the verifier cannot verify anything safely (an
	// empty secret, or no PublicURL).
	ErrVerifierConfig = errors.New("dintero: callback verifier not configured")
)

// SignatureHeader is the header carrying a callback's signature.
const SignatureHeader = "Dintero-Signature"

// CallbackVerifier checks the Dintero-Signature header of callbacks, as
// Dintero documents it: HMAC-SHA256, hex, over
//
//	"{t}\n{account id}\n{METHOD}\n{hostname}\n{path}\n{query sorted by key}"
//
// with the query serialised as a browser's URLSearchParams would.
type CallbackVerifier struct {
	// Secret is the account's callback signature secret.
	Secret []byte
	// AccountID is the account id, such as "P12345678".
	AccountID string
	// PublicURL is the callback URL as Dintero calls it (its host is
	// signed). It is required: the request's Host header is chosen by
	// whoever sends it, so it cannot stand for the host Dintero signed.
	PublicURL *url.URL
	// Tolerance is how far the signature's time may be from now (default
	// 5 minutes), which bounds how long a captured callback can be replayed.
	Tolerance time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Verify checks r's signature. It returns nil, or an error wrapping
// ErrSignatureMissing, ErrSignatureInvalid or ErrSignatureExpired.
func (v *CallbackVerifier) Verify(r *http.Request) error {
	if err := v.Check(); err != nil {
		return err
	}
	header := r.Header.Get(SignatureHeader)
	if header == "" {
		return ErrSignatureMissing
	}
	ts, sigs, err := ParseSignatureHeader(header)
	if err != nil {
		return err
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = 5 * time.Minute
	}
	if d := now().Sub(time.Unix(ts, 0)); d > tol || d < -tol {
		return fmt.Errorf("%w: signed at %d, %v away", ErrSignatureExpired, ts, d.Round(time.Second))
	}
	want := callbackMAC(v.Secret, ts, v.AccountID, r.Method, v.PublicURL.Host, r.URL.EscapedPath(), r.URL.RawQuery)
	for _, sig := range sigs {
		got, err := hex.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignatureInvalid
}

// Check reports whether the verifier can verify safely: a secret (an
// empty one accepts anything signed with the empty key), an account id,
// and the PublicURL whose host Dintero signs.
func (v *CallbackVerifier) Check() error {
	switch {
	case v == nil:
		return fmt.Errorf("%w: nil verifier", ErrVerifierConfig)
	case len(v.Secret) == 0:
		return fmt.Errorf("%w: empty secret", ErrVerifierConfig)
	case v.AccountID == "":
		return fmt.Errorf("%w: no account id", ErrVerifierConfig)
	case v.PublicURL == nil || v.PublicURL.Host == "":
		return fmt.Errorf("%w: no PublicURL (the Host header cannot be trusted)", ErrVerifierConfig)
	}
	return nil
}

// ParseSignatureHeader splits "t=1582236537,v0-hmac-sha256=<hex>" into the
// timestamp and the v0 signatures it holds. Unknown schemes are skipped so
// that Dintero can add one without breaking verification.
func ParseSignatureHeader(h string) (ts int64, v0 []string, err error) {
	haveT := false
	for _, part := range strings.Split(h, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts, err = strconv.ParseInt(val, 10, 64)
			if err != nil || ts <= 0 {
				return 0, nil, fmt.Errorf("%w: bad timestamp %q", ErrSignatureInvalid, val)
			}
			haveT = true
		case "v0-hmac-sha256":
			v0 = append(v0, val)
		}
	}
	if !haveT || len(v0) == 0 {
		return 0, nil, fmt.Errorf("%w: header needs t= and v0-hmac-sha256=", ErrSignatureInvalid)
	}
	return ts, v0, nil
}

// SignCallback returns the Dintero-Signature header value for a callback to
// u with the given method at time t. Dintero computes it; it is here for
// tests and for the in-process server.
func SignCallback(secret []byte, accountID, method string, u *url.URL, t time.Time) string {
	mac := callbackMAC(secret, t.Unix(), accountID, method, u.Host, u.EscapedPath(), u.RawQuery)
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",v0-hmac-sha256=" + hex.EncodeToString(mac)
}

func callbackMAC(secret []byte, ts int64, accountID, method, host, path, rawQuery string) []byte {
	if path == "" {
		path = "/"
	}
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d\n%s\n%s\n%s\n%s\n%s", ts, accountID, strings.ToUpper(method), hostname(host), path, sortedQuery(rawQuery))
	return m.Sum(nil)
}

// hostname is the WHATWG URL hostname of a Host header value: lower case,
// without the port, IPv6 literals kept in brackets.
func hostname(host string) string {
	host = strings.ToLower(host)
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			return host[:i+1]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		return host[:i]
	}
	return host
}

// VerifyWebhookSignature checks the event-signature header of an account
// webhook delivery: hex HMAC-SHA1 of the raw body with the subscription's
// secret. It returns nil or an error wrapping ErrSignatureMissing or
// ErrSignatureInvalid.
func VerifyWebhookSignature(secret, body []byte, signature string) error {
	if len(secret) == 0 {
		// The empty key would accept anything signed with it.
		return fmt.Errorf("%w: empty secret", ErrVerifierConfig)
	}
	if signature == "" {
		return ErrSignatureMissing
	}
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return fmt.Errorf("%w: not hex", ErrSignatureInvalid)
	}
	m := hmac.New(sha1.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignatureInvalid
	}
	return nil
}
