package dintero

import (
	"net/http"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// Response is the HTTP answer to a call, returned next to the result (and
// next to an *APIError) so callers can read headers.
type Response struct {
	*http.Response
	// RequestID is Dintero's request id header, when present.
	RequestID string
	// Attempts is how many requests were sent, token refreshes not counted.
	Attempts int
	// Pending is set when Dintero answered 202 Accepted to a capture,
	// refund or void: the operation was accepted and will complete later
	// with an event whose CorrelationRequestID is EventRequestID.
	Pending bool
	// EventRequestID is the event-request-id header of a 202 answer.
	EventRequestID string
}

func newResponse(r *transport.Response) *Response {
	if r == nil {
		return nil
	}
	resp := &Response{
		Response:  r.HTTP,
		RequestID: requestID(r.HTTP.Header),
		Attempts:  r.Attempts,
	}
	if r.HTTP.StatusCode == http.StatusAccepted {
		resp.Pending = true
		resp.EventRequestID = r.HTTP.Header.Get("Event-Request-Id")
	}
	return resp
}
