package woocommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// ErrOutcomeUnknown marks a refund create whose result cannot be known:
// the connection broke after sending, or the store answered 5xx. Look for
// your marker in the order's refunds (Refunds.List) before trying again.
// It is the same value as dintero.ErrOutcomeUnknown.
var ErrOutcomeUnknown = transport.ErrOutcomeUnknown

// ErrRedirect is matched by a call the store answered with a redirect,
// which is never followed (the credentials would go along); the error
// names the location, to fix the store URL with. It is the same value as
// dintero.ErrRedirect.
var ErrRedirect = transport.ErrRedirect

// ErrInsecureURL is returned by New for a plain-http store URL on a host
// other than loopback, without WithInsecureHTTP.
var ErrInsecureURL = transport.ErrInsecureURL

// ErrInvalidRequest is wrapped by errors raised before anything is sent
// because the request itself is wrong.
var ErrInvalidRequest = errors.New("woocommerce: invalid request")

// Sentinels that match an *APIError by HTTP status through errors.Is.
var (
	ErrBadRequest      = &APIError{Status: http.StatusBadRequest}
	ErrUnauthorized    = &APIError{Status: http.StatusUnauthorized}
	ErrForbidden       = &APIError{Status: http.StatusForbidden}
	ErrNotFound        = &APIError{Status: http.StatusNotFound}
	ErrGone            = &APIError{Status: http.StatusGone}
	ErrTooLarge        = &APIError{Status: http.StatusRequestEntityTooLarge}
	ErrRateLimited     = &APIError{Status: http.StatusTooManyRequests}
	ErrServer          = &APIError{Status: http.StatusInternalServerError}
	ErrNotImplemented  = &APIError{Status: http.StatusNotImplemented}
	ErrUnavailable     = &APIError{Status: http.StatusServiceUnavailable}
	ErrInvalidOrderID  = &APIError{Code: "woocommerce_rest_shop_order_invalid_id"}
	ErrRefundRefused   = &APIError{Code: "woocommerce_rest_cannot_create_order_refund"}
	ErrInvalidParam    = &APIError{Code: "rest_invalid_param"}
	ErrNoRoute         = &APIError{Code: "rest_no_route"}
	ErrAuthentication  = &APIError{Code: "woocommerce_rest_authentication_error"}
	ErrInvalidRefund   = &APIError{Code: "woocommerce_rest_invalid_order_refund"}
	ErrTrashNotSupport = &APIError{Code: "woocommerce_rest_trash_not_supported"}
)

// APIError is an error answer from WooCommerce: {"code","message","data"}.
type APIError struct {
	// Op names the client call, such as "woocommerce.Refunds.Create".
	Op string
	// Status is the HTTP status. WooCommerce's refund paths answer 500 with
	// "data": 404 for an unknown order; the HTTP status is what counts.
	Status  int
	Code    string
	Message string
	// Data is the raw "data" member: an object (with "status", "params",
	// "details") or, on some paths, a bare number.
	Data json.RawMessage
	// Params holds data.params of a rest_invalid_param error: field → why.
	Params map[string]string
	// AdditionalErrors holds further errors WordPress attached.
	AdditionalErrors []json.RawMessage
	Attempts         int
	// OutcomeUnknown is set on a 5xx answer to a refund create: the refund
	// may have been recorded (and, with the gateway, paid).
	OutcomeUnknown bool
	// Body is the raw answer, at most 64 KiB.
	Body []byte
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.OutcomeUnknown {
		b.WriteString(" (outcome unknown: list the order's refunds before retrying)")
	}
	return b.String()
}

// Is matches a sentinel *APIError by status and/or code.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	if !ok {
		return false
	}
	return (t.Status == 0 || t.Status == e.Status) && (t.Code == "" || t.Code == e.Code)
}

// Unwrap makes errors.Is(err, ErrOutcomeUnknown) true when OutcomeUnknown
// is set.
func (e *APIError) Unwrap() error {
	if e.OutcomeUnknown {
		return ErrOutcomeUnknown
	}
	return nil
}

const maxErrorBody = 64 << 10

func newAPIError(op string, r *transport.Response) *APIError {
	// An error page may echo the request, credentials included.
	raw := transport.Scrub(r.Body, r.HTTP.Request)
	r = &transport.Response{HTTP: r.HTTP, Body: raw, Attempts: r.Attempts, OutcomeUnknown: r.OutcomeUnknown}
	e := &APIError{Op: op, Status: r.HTTP.StatusCode, Attempts: r.Attempts, OutcomeUnknown: r.OutcomeUnknown,
		Body: r.Body[:min(len(r.Body), maxErrorBody)]}
	var body struct {
		Code             string            `json:"code"`
		Message          string            `json:"message"`
		Data             json.RawMessage   `json:"data"`
		AdditionalErrors []json.RawMessage `json:"additional_errors"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Code == "" && body.Message == "" {
		e.Message = strings.Join(strings.Fields(string(r.Body[:min(len(r.Body), 200)])), " ")
		return e
	}
	e.Code, e.Message, e.Data, e.AdditionalErrors = body.Code, body.Message, body.Data, body.AdditionalErrors
	if strings.HasPrefix(e.Code, "woocommerce_rest_") || strings.HasPrefix(e.Code, "rest_") {
		// WooCommerce answers 500 to refusals it decided on ("Invalid
		// refund amount.", a gateway's no): its own error code proves the
		// request was handled and refused, so the outcome is known.
		e.OutcomeUnknown = false
	}
	var data struct {
		Params map[string]string `json:"params"`
	}
	if len(body.Data) > 0 && body.Data[0] == '{' && json.Unmarshal(body.Data, &data) == nil {
		e.Params = data.Params
	}
	return e
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", op, ErrInvalidRequest, fmt.Sprintf(format, args...))
}
