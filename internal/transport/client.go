package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Config configures a Client. The zero value is usable.
type Config struct {
	// HTTPClient sends the requests. It is used as given, never modified;
	// its Timeout bounds each attempt, while the caller's context bounds the
	// whole call, retries included. Nil means a pooled client with a 30s
	// timeout.
	HTTPClient *http.Client
	// Logger receives debug records of attempts and retries: operation,
	// method, path, status, attempt and duration, never headers, query
	// strings or bodies. Nil means silent.
	Logger *slog.Logger
	// Retry is the retry policy; the zero value means the defaults.
	Retry RetryPolicy
	// MaxResponseBytes bounds how much of a response body is read (default
	// 32 MiB); a larger body is an error rather than unbounded memory.
	MaxResponseBytes int64
}

const defaultMaxResponseBytes = 32 << 20

// Client sends requests with retries. It is safe for concurrent use.
type Client struct {
	rc      *retryablehttp.Client
	policy  RetryPolicy
	log     *slog.Logger
	maxBody int64
	// bufs are scratch for reading bodies; what a call keeps is copied
	// out at its exact size, so a body costs one allocation, not the
	// half-dozen of growing a slice to fit.
	bufs sync.Pool
}

// Request is one API call.
type Request struct {
	// Op names the operation in errors and logs ("dintero.Transactions.Get").
	Op     string
	Method string
	URL    *url.URL
	Header http.Header
	// Body is sent as is on every attempt.
	Body []byte
	// MovesMoney marks a request that must never be repeated once it may
	// have reached the server.
	MovesMoney bool
}

// Response is the final HTTP response of a call, with its body read.
type Response struct {
	// HTTP is the final response; its Body has been read into Body and closed.
	HTTP *http.Response
	Body []byte
	// Attempts is the number of requests sent (1 when not retried).
	Attempts int
	// OutcomeUnknown is set when a money-moving request got a 5xx answer:
	// the server may have committed the change before failing.
	OutcomeUnknown bool
}

// New returns a Client. It does no I/O.
func New(cfg Config) *Client {
	c := &Client{
		policy:  cfg.Retry.withDefaults(),
		log:     cfg.Logger,
		maxBody: cfg.MaxResponseBytes,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.maxBody <= 0 {
		c.maxBody = defaultMaxResponseBytes
	}
	c.maxBody = min(c.maxBody, math.MaxInt64-1) // maxBody+1 is read to see a longer body
	hc := cfg.HTTPClient
	if hc == nil {
		hc = DefaultHTTPClient(30 * time.Second)
	}
	hc = noRedirects(hc)
	c.rc = &retryablehttp.Client{
		HTTPClient: hc,
		// retryablehttp's own logging prints URLs with their query strings;
		// we log through hooks that see only what is safe.
		Logger:         nil,
		RetryMax:       c.policy.MaxRetries,
		RetryWaitMin:   c.policy.MinWait,
		RetryWaitMax:   c.policy.MaxWait,
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoff,
		ErrorHandler:   keepFinalResponse,
		RequestLogHook: countAttempt,
	}
	return c
}

// DefaultHTTPClient returns a pooled client with the given per-attempt
// timeout, sized for many concurrent calls to one host.
func DefaultHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: timeout, Transport: t}
}

// Policy returns the retry policy in force, defaults filled in.
func (c *Client) Policy() RetryPolicy { return c.policy }

// callState follows one call through retryablehttp's hooks, which see the
// request's context but not our Request.
type callState struct {
	op, method, path string
	movesMoney       bool
	attempts         int
	outcomeUnknown   bool
	log              *slog.Logger
}

type stateKey struct{}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil {
		return &callState{log: slog.New(slog.DiscardHandler)}
	}
	return st
}

// Do sends r, retrying as the policy allows, and returns the final response
// whatever its status. The error is non-nil only when there is no response
// to return; it is then an *Error.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	st := &callState{
		op:         r.Op,
		method:     r.Method,
		path:       SafePath(r.URL),
		movesMoney: r.MovesMoney,
		log:        c.log,
	}
	fail := func(err error) *Error {
		return &Error{Op: st.op, Method: st.method, Path: st.path, Attempts: st.attempts,
			OutcomeUnknown: st.outcomeUnknown, Err: stripURL(err)}
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}
	ctx = context.WithValue(ctx, stateKey{}, st)
	var body any
	if r.Body != nil {
		body = r.Body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, r.URL.String(), body)
	if err != nil {
		return nil, fail(err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if r.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}

	start := time.Now()
	resp, err := c.rc.Do(req)
	if err != nil {
		e := fail(err)
		c.log.LogAttrs(ctx, slog.LevelWarn, "request failed",
			slog.String("op", st.op), slog.String("method", st.method), slog.String("path", st.path),
			slog.Int("attempts", st.attempts), slog.Bool("outcome_unknown", st.outcomeUnknown),
			slog.String("error", e.Err.Error()), slog.Duration("duration", time.Since(start)))
		return nil, e
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "" {
		return nil, fail(redirectError(resp))
	}
	data, err := c.readBody(resp.Body, resp.ContentLength)
	if errors.Is(err, errTooLarge) || err == nil && int64(len(data)) > c.maxBody {
		err = fmt.Errorf("response body larger than %d bytes", c.maxBody)
	}
	if err != nil {
		// The server answered, but we cannot tell what it said.
		st.outcomeUnknown = st.outcomeUnknown || st.movesMoney
		return nil, fail(fmt.Errorf("reading response (status %d): %w", resp.StatusCode, err))
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	c.log.LogAttrs(ctx, slog.LevelDebug, "request done",
		slog.String("op", st.op), slog.String("method", st.method), slog.String("path", st.path),
		slog.Int("status", resp.StatusCode), slog.Int("attempts", st.attempts),
		slog.Duration("duration", time.Since(start)))
	return &Response{HTTP: resp, Body: data, Attempts: st.attempts, OutcomeUnknown: st.outcomeUnknown}, nil
}

// maxPooledBuffer is how much of a body is read into a pooled buffer; a
// bigger body grows a slice of its own as it arrives, so that a rare huge
// answer neither stays in memory for ever nor costs more than io.ReadAll
// would.
const maxPooledBuffer = 1 << 20

// readBody reads body to its end (so the connection is reused), at most
// maxBody+1 bytes, and returns what it read in a slice of its own: a
// pooled buffer's bytes are copied out, never shared with a later call.
// length is the declared Content-Length (-1 when unknown); it is only a
// hint, and never trusted for more than a pooled buffer's worth: memory
// grows with the bytes that arrive, not with what a server claims.
func (c *Client) readBody(body io.Reader, length int64) ([]byte, error) {
	limit := c.maxBody + 1
	buf, _ := c.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= 4*maxPooledBuffer {
			// Zeroed, so that no answer's bytes (customers' addresses)
			// stay in the pool or reach the next body's reader.
			clear(buf.Bytes())
			buf.Reset()
			c.bufs.Put(buf)
		}
	}()
	head := min(limit, maxPooledBuffer)
	if length > 0 {
		buf.Grow(int(min(length, head)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(body, head)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) < head || head == limit {
		return bytes.Clone(buf.Bytes()), nil
	}
	// More than the pooled buffer takes: the rest into a slice that
	// doubles as it fills, starting from what was read.
	data := make([]byte, buf.Len(), 2*buf.Len())
	copy(data, buf.Bytes())
	return readInto(data, io.LimitReader(body, limit-int64(buf.Len())), limit)
}

// errTooLarge is readInto's answer to a body longer than it may read.
var errTooLarge = errors.New("transport: body over the limit")

// readInto appends r's bytes to data until EOF, doubling its capacity
// (up to most bytes) when full, after a one-byte read shows there is
// more: a body that fills data exactly costs no doubling, and one that
// would go past most-1 bytes is refused without growing for the byte
// that proves it (errTooLarge).
func readInto(data []byte, r io.Reader, most int64) ([]byte, error) {
	for {
		if len(data) == cap(data) {
			var probe [1]byte
			n, err := io.ReadAtLeast(r, probe[:], 1)
			if err == io.EOF {
				return data, nil
			}
			if err != nil {
				return data, err
			}
			if int64(len(data))+1 >= most {
				return data, errTooLarge
			}
			// Exactly twice: append's own growth overshoots to 2.4×.
			grown := make([]byte, len(data), max(min(2*int64(cap(data)), most), int64(len(data))+1))
			copy(grown, data)
			data = append(grown, probe[:n]...)
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// checkRetry decides whether to send the request again. It runs after
// every attempt with the request's context, which carries the callState.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	retry := false
	switch {
	case err != nil && st.movesMoney:
		if !neverSent(err) {
			st.outcomeUnknown = true
			return false, nil
		}
		retry = ctx.Err() == nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		// retryablehttp's default knows which transport errors are
		// permanent (bad TLS certificate, redirect loop, bad scheme).
		retry, _ = retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	default:
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			// Refused before any processing: safe for every request.
			retry = true
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			retry = !st.movesMoney
		}
		if st.movesMoney && resp.StatusCode >= 500 {
			st.outcomeUnknown = true
		}
	}
	if !retry || st.attempts > c.policy.MaxRetries {
		return false, nil
	}
	// Do not sleep towards a deadline that will have passed on waking.
	lo, _ := c.policy.waitRange(st.attempts-1, resp)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < lo {
		return false, nil
	}
	attrs := []slog.Attr{slog.String("op", st.op), slog.String("method", st.method),
		slog.String("path", st.path), slog.Int("attempt", st.attempts)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	} else {
		attrs = append(attrs, slog.String("error", stripURL(err).Error()))
	}
	st.log.LogAttrs(ctx, slog.LevelDebug, "retrying request", attrs...)
	return true, nil
}

func (c *Client) backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	return c.policy.backoff(attempt, resp)
}

// countAttempt runs before every attempt.
func countAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	stateFrom(req.Context()).attempts = attempt + 1
}

// keepFinalResponse hands the last response to the caller when retries run
// out, where retryablehttp's default would discard it and its error body.
func keepFinalResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	return nil, err
}

// neverSent reports whether err proves the request never left this
// process: the connection could not be opened at all.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// SafePath is the part of u that may appear in logs and errors: the path,
// plus WooCommerce's rest_route when routing through the query string.
// Other query parameters are left out because they may hold credentials.
func SafePath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if !strings.Contains(u.RawQuery, "rest_route") {
		return p // spares parsing every query string
	}
	if route := u.Query().Get("rest_route"); route != "" {
		p += "?rest_route=" + route
	}
	return p
}
