package dintero

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// ErrOutcomeUnknown marks a capture, refund or void whose result cannot be
// known: the connection broke after the request was sent, or Dintero
// answered with a 5xx. Dintero has no idempotency keys, so the request is
// not repeated; read the transaction and look for an event with your
// capture_reference or refund_reference (Transaction.FindEvent) before
// trying again. It is the same value as woocommerce.ErrOutcomeUnknown.
var ErrOutcomeUnknown = transport.ErrOutcomeUnknown

// ErrRedirect is matched by a call Dintero (or whatever answers at the
// configured URL) answered with a redirect, which is never followed: the
// client credentials or the token would go along. The error names the
// location. It is the same value as woocommerce.ErrRedirect.
var ErrRedirect = transport.ErrRedirect

// ErrInsecureURL is returned by New for a plain-http URL on a host other
// than loopback, without WithInsecureHTTP.
var ErrInsecureURL = transport.ErrInsecureURL

// ErrInvalidRequest is wrapped by every error the client raises before
// sending anything because the request itself is wrong.
var ErrInvalidRequest = errors.New("dintero: invalid request")

// Sentinels that match an *APIError by HTTP status through errors.Is:
//
//	if errors.Is(err, dintero.ErrNotFound) { ... }
var (
	ErrBadRequest   = &APIError{StatusCode: http.StatusBadRequest}
	ErrUnauthorized = &APIError{StatusCode: http.StatusUnauthorized}
	ErrForbidden    = &APIError{StatusCode: http.StatusForbidden}
	ErrNotFound     = &APIError{StatusCode: http.StatusNotFound}
	ErrConflict     = &APIError{StatusCode: http.StatusConflict}
	ErrRateLimited  = &APIError{StatusCode: http.StatusTooManyRequests}
	ErrUnavailable  = &APIError{StatusCode: http.StatusServiceUnavailable}
)

// APIError is an error answer from Dintero, decoded from its body
// {"error":{"code","message","errors"}}.
type APIError struct {
	// Op names the client call, such as "dintero.Transactions.Capture".
	Op         string
	StatusCode int
	// Code is Dintero's error code, such as "INVALID_REQUEST_PARAMETER".
	Code    string
	Message string
	// Details holds the entries of error.errors as sent.
	Details []map[string]any
	// RequestID is Dintero's request id header, when present.
	RequestID string
	// Attempts is the number of requests sent.
	Attempts int
	// OutcomeUnknown is set on a 5xx answer to a capture, refund or void:
	// the change may have been committed. errors.Is(err, ErrOutcomeUnknown)
	// reports it.
	OutcomeUnknown bool
	// Body is the raw answer, at most 64 KiB, for diagnostics.
	Body []byte
}

const maxErrorBody = 64 << 10

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.OutcomeUnknown {
		b.WriteString(" (outcome unknown: read the transaction before retrying)")
	}
	return b.String()
}

// Is matches a sentinel *APIError by status (and by code when the sentinel
// has one).
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	if !ok {
		return false
	}
	return (t.StatusCode == 0 || t.StatusCode == e.StatusCode) && (t.Code == "" || t.Code == e.Code)
}

// Unwrap makes errors.Is(err, ErrOutcomeUnknown) true when OutcomeUnknown
// is set.
func (e *APIError) Unwrap() error {
	if e.OutcomeUnknown {
		return ErrOutcomeUnknown
	}
	return nil
}

// newAPIError decodes a non-2xx answer. A body that is not Dintero's JSON
// shape still yields an error with the status; it is never mistaken for
// success.
func newAPIError(op string, r *transport.Response) *APIError {
	// An error page may echo the request, credentials included.
	r = &transport.Response{HTTP: r.HTTP, Body: transport.Scrub(r.Body, r.HTTP.Request), Attempts: r.Attempts, OutcomeUnknown: r.OutcomeUnknown}
	e := &APIError{
		Op:             op,
		StatusCode:     r.HTTP.StatusCode,
		RequestID:      requestID(r.HTTP.Header),
		Attempts:       r.Attempts,
		OutcomeUnknown: r.OutcomeUnknown,
		Body:           r.Body[:min(len(r.Body), maxErrorBody)],
	}
	var body struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(r.Body, &body) == nil && len(body.Error) > 0 {
		var detail struct {
			Code    string           `json:"code"`
			Message string           `json:"message"`
			Errors  []map[string]any `json:"errors"`
		}
		if json.Unmarshal(body.Error, &detail) == nil {
			e.Code, e.Message, e.Details = detail.Code, detail.Message, detail.Errors
			return e
		}
		// Some answers carry a bare string: {"error": "..."}.
		var msg string
		if json.Unmarshal(body.Error, &msg) == nil {
			e.Message = msg
			return e
		}
	}
	e.Message = bodySnippet(r.Body)
	return e
}

// bodySnippet turns a non-JSON body into a short single-line message.
func bodySnippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func requestID(h http.Header) string {
	for _, k := range []string{"Request-Id", "X-Request-Id", "Dintero-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", op, ErrInvalidRequest, fmt.Sprintf(format, args...))
}

// errorf returns an error that wraps ErrInvalidRequest.
func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
