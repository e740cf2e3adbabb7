package transport

import (
	"errors"
	"fmt"
	"net/url"
)

// ErrOutcomeUnknown marks a money-moving request that may or may not have
// taken effect: the connection broke after the request was sent, or the
// server answered with a 5xx. Read the resource back before trying again.
var ErrOutcomeUnknown = errors.New("outcome unknown: the request may have taken effect; read the resource back before retrying")

// Error is a request that got no usable HTTP response: the transport failed,
// the context ended, or the body could not be read. Its text names the
// operation and the URL path only, never the query string or a header,
// because those can carry credentials.
type Error struct {
	Op       string // the client operation, such as "dintero.Transactions.Capture"
	Method   string
	Path     string
	Attempts int
	// OutcomeUnknown is set when a money-moving request may have arrived.
	OutcomeUnknown bool
	Err            error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s %s: %v", e.Op, e.Method, e.Path, e.Err)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	if e.OutcomeUnknown {
		msg += ": outcome unknown, read the resource back before retrying"
	}
	return msg
}

// Unwrap exposes the cause and, when set, ErrOutcomeUnknown, so both
// errors.Is(err, context.Canceled) and errors.Is(err, ErrOutcomeUnknown) work.
func (e *Error) Unwrap() []error {
	if e.OutcomeUnknown {
		return []error{e.Err, ErrOutcomeUnknown}
	}
	return []error{e.Err}
}

// stripURL removes net/http's *url.Error wrapper, whose text contains the
// full URL, query string included.
func stripURL(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			return err
		}
		err = ue.Err
	}
}
