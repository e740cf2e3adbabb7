package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// Secrets every test puts on its requests; none may appear in logs or errors.
const (
	secretToken  = "tok_SECRET_bearer_123"
	secretQuery  = "cs_SECRET_consumer_456"
	secretBasic  = "Basic Y2tfa2V5OmNzX3NlY3JldA=="
	fastMinWait  = time.Millisecond
	fastMaxWaitT = 5 * time.Millisecond
)

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestClient returns a client on rt with fast retries and a debug logger
// whose output is checked for secrets when the test ends.
func newTestClient(t *testing.T, rt http.RoundTripper, policy RetryPolicy) *Client {
	t.Helper()
	if policy.MinWait == 0 {
		policy.MinWait = fastMinWait
	}
	if policy.MaxWait == 0 {
		policy.MaxWait = fastMaxWaitT
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		assertNoSecret(t, "log output", logs.String())
		if !strings.Contains(logs.String(), `"op":"test.Op"`) {
			t.Errorf("debug log recorded nothing about the call: %q", logs.String())
		}
	})
	return New(Config{HTTPClient: &http.Client{Transport: rt}, Logger: log, Retry: policy})
}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{secretToken, secretQuery, secretBasic, "Y2tfa2V5OmNzX3NlY3JldA", "consumer_secret"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains secret %q: %s", what, secret, s)
		}
	}
}

func request(t *testing.T, method, rawURL string, body []byte, movesMoney bool) *Request {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("consumer_secret", secretQuery)
	u.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+secretToken)
	h.Set("X-Basic", secretBasic)
	return &Request{Op: "test.Op", Method: method, URL: u, Header: h, Body: body, MovesMoney: movesMoney}
}

func TestGetRetriedThrough503(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/things/1",
		httpmock.NewStringResponder(503, `{"error":"busy"}`).
			Then(httpmock.NewStringResponder(503, `{"error":"busy"}`)).
			Then(httpmock.NewStringResponder(200, `{"id":"1"}`)))
	c := newTestClient(t, mt, RetryPolicy{})

	resp, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/v1/things/1", nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.HTTP.StatusCode != 200 || string(resp.Body) != `{"id":"1"}` {
		t.Errorf("got %d %s", resp.HTTP.StatusCode, resp.Body)
	}
	if resp.Attempts != 3 || mt.GetTotalCallCount() != 3 {
		t.Errorf("attempts = %d, calls = %d, want 3", resp.Attempts, mt.GetTotalCallCount())
	}
}

func TestBodyResentOnEveryAttempt(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	body := []byte(`{"meta_data":[{"key":"k","value":"v"}]}`)
	var mu sync.Mutex
	var seen []string
	status := []int{503, 502, 200}
	mt.RegisterResponder(http.MethodPut, "https://api.test/orders/7", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, string(b))
		return httpmock.NewStringResponse(status[len(seen)-1], `{}`), nil
	})
	c := newTestClient(t, mt, RetryPolicy{})
	resp, err := c.Do(context.Background(), request(t, http.MethodPut, "https://api.test/orders/7", body, false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 || len(seen) != 3 {
		t.Fatalf("attempts %d, bodies %d", resp.Attempts, len(seen))
	}
	for i, b := range seen {
		if b != string(body) {
			t.Errorf("attempt %d body = %q, want %q", i+1, b, body)
		}
	}
}

func TestFinalErrorBodyKeptAfterRetries(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	const errBody = `{"error":{"code":"unavailable","message":"try later"}}`
	mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewStringResponder(503, errBody))
	c := newTestClient(t, mt, RetryPolicy{MaxRetries: 2})
	resp, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/x", nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.HTTP.StatusCode != 503 || string(resp.Body) != errBody || resp.Attempts != 3 {
		t.Errorf("got status %d body %q attempts %d", resp.HTTP.StatusCode, resp.Body, resp.Attempts)
	}
}

func TestServerErrorBodyReachesCaller(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	const errBody = `{"code":"internal","message":"database exploded"}`
	mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewStringResponder(500, errBody))
	c := newTestClient(t, mt, RetryPolicy{})
	resp, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/x", nil, false))
	if err != nil {
		t.Fatal(err)
	}
	// A plain 500 is the server's answer, not a passing fault: not retried.
	if resp.HTTP.StatusCode != 500 || string(resp.Body) != errBody || resp.Attempts != 1 {
		t.Errorf("got status %d body %q attempts %d", resp.HTTP.StatusCode, resp.Body, resp.Attempts)
	}
	if resp.OutcomeUnknown {
		t.Error("a GET is never outcome-unknown")
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/x",
		httpmock.NewStringResponder(429, `{}`).HeaderSet(http.Header{"Retry-After": {"3600"}}).
			Then(httpmock.NewStringResponder(200, `ok`)))
	c := newTestClient(t, mt, RetryPolicy{RetryAfterCap: 20 * time.Millisecond})
	// Were the hour obeyed, the deadline check would give up at once and
	// return the 429; the cap turns it into 20ms and the retry succeeds.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, request(t, http.MethodGet, "https://api.test/x", nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.HTTP.StatusCode != 200 || resp.Attempts != 2 {
		t.Errorf("status %d attempts %d, want 200 after 2", resp.HTTP.StatusCode, resp.Attempts)
	}
}

func TestWaitRange(t *testing.T) {
	p := RetryPolicy{MinWait: 100 * time.Millisecond, MaxWait: time.Second, RetryAfterCap: 30 * time.Second}.withDefaults()
	ra := func(v string) *http.Response {
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {v}}}
	}
	tests := []struct {
		name     string
		attempt  int
		resp     *http.Response
		lo, hi   time.Duration
		describe string
	}{
		{"first", 0, nil, 50 * time.Millisecond, 100 * time.Millisecond, ""},
		{"second", 1, nil, 100 * time.Millisecond, 200 * time.Millisecond, ""},
		{"capped", 10, nil, 500 * time.Millisecond, time.Second, ""},
		{"huge attempt", 1000, nil, 500 * time.Millisecond, time.Second, ""},
		{"retry-after seconds", 0, ra("2"), 2 * time.Second, 2 * time.Second, ""},
		{"retry-after hour", 0, ra("3600"), 30 * time.Second, 30 * time.Second, ""},
		{"retry-after absurd", 0, ra("99999999999999999"), 30 * time.Second, 30 * time.Second, ""},
		{"retry-after garbage", 0, ra("soon"), 50 * time.Millisecond, 100 * time.Millisecond, ""},
		{"retry-after negative", 0, ra("-5"), 50 * time.Millisecond, 100 * time.Millisecond, ""},
	}
	for _, tt := range tests {
		lo, hi := p.waitRange(tt.attempt, tt.resp)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: range [%v, %v], want [%v, %v]", tt.name, lo, hi, tt.lo, tt.hi)
		}
		for range 50 {
			if w := p.backoff(tt.attempt, tt.resp); w < lo || w > hi {
				t.Fatalf("%s: backoff %v outside [%v, %v]", tt.name, w, lo, hi)
			}
		}
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}
	if d, ok := RetryAfter(h, now); !ok || d != 90*time.Second {
		t.Errorf("RetryAfter = %v, %v", d, ok)
	}
	h.Set("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat))
	if d, ok := RetryAfter(h, now); !ok || d != 0 {
		t.Errorf("past date: RetryAfter = %v, %v", d, ok)
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mt.RegisterResponder(http.MethodGet, "https://api.test/x", func(*http.Request) (*http.Response, error) {
		// The server fails and the client starts a long backoff; the caller
		// gives up a moment later.
		time.AfterFunc(20*time.Millisecond, cancel)
		return httpmock.NewStringResponse(503, ``), nil
	})
	c := newTestClient(t, mt, RetryPolicy{MinWait: time.Minute, MaxWait: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, request(t, http.MethodGet, "https://api.test/x", nil, false))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		assertNoSecret(t, "error", err.Error())
	case <-time.After(10 * time.Second):
		t.Fatal("Do kept waiting out a one-minute backoff after the context was cancelled")
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestNoSleepPastDeadline(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewStringResponder(503, `busy`))
	c := newTestClient(t, mt, RetryPolicy{MinWait: time.Minute, MaxWait: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, request(t, http.MethodGet, "https://api.test/x", nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.HTTP.StatusCode != 503 || resp.Attempts != 1 {
		t.Errorf("status %d attempts %d: expected the 503 back without waiting", resp.HTTP.StatusCode, resp.Attempts)
	}
}

func TestMoneyPostResetAfterSendIsNotRetried(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://api.test/v1/transactions/T1/capture",
		httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}))
	c := newTestClient(t, mt, RetryPolicy{})
	_, err := c.Do(context.Background(), request(t, http.MethodPost, "https://api.test/v1/transactions/T1/capture", []byte(`{"amount":100}`), true))
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("cause lost: %v", err)
	}
	var te *Error
	if !errors.As(err, &te) || te.Attempts != 1 || te.Path != "/v1/transactions/T1/capture" || te.Op != "test.Op" {
		t.Errorf("error fields: %+v", te)
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("capture sent %d times, want exactly 1", n)
	}
	assertNoSecret(t, "error", err.Error())
}

func TestMoneyPostConnectionRefusedIsRetried(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	mt.RegisterResponder(http.MethodPost, "https://api.test/v1/transactions/T1/refund",
		httpmock.NewErrorResponder(refused).Then(httpmock.NewErrorResponder(refused)).
			Then(httpmock.NewStringResponder(200, `{"id":"T1"}`)))
	c := newTestClient(t, mt, RetryPolicy{})
	resp, err := c.Do(context.Background(), request(t, http.MethodPost, "https://api.test/v1/transactions/T1/refund", []byte(`{"amount":100}`), true))
	if err != nil {
		t.Fatal(err)
	}
	if resp.HTTP.StatusCode != 200 || resp.Attempts != 3 || resp.OutcomeUnknown {
		t.Errorf("status %d attempts %d unknown %v", resp.HTTP.StatusCode, resp.Attempts, resp.OutcomeUnknown)
	}
}

func TestMoneyPost5xxIsNotRetriedAndOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503, 504} {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodPost, "https://api.test/void", httpmock.NewStringResponder(status, `{"error":{"message":"x"}}`))
		c := newTestClient(t, mt, RetryPolicy{})
		resp, err := c.Do(context.Background(), request(t, http.MethodPost, "https://api.test/void", []byte(`{}`), true))
		if err != nil {
			t.Fatal(err)
		}
		if resp.HTTP.StatusCode != status || !resp.OutcomeUnknown || mt.GetTotalCallCount() != 1 {
			t.Errorf("%d: status %d unknown %v calls %d", status, resp.HTTP.StatusCode, resp.OutcomeUnknown, mt.GetTotalCallCount())
		}
	}
}

func TestMoneyPost429IsRetried(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://api.test/capture",
		httpmock.NewStringResponder(429, ``).HeaderSet(http.Header{"Retry-After": {"0"}}).
			Then(httpmock.NewStringResponder(200, `{}`)))
	c := newTestClient(t, mt, RetryPolicy{})
	resp, err := c.Do(context.Background(), request(t, http.MethodPost, "https://api.test/capture", []byte(`{}`), true))
	if err != nil || resp.HTTP.StatusCode != 200 || resp.Attempts != 2 || resp.OutcomeUnknown {
		t.Fatalf("resp %+v err %v", resp, err)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 422} {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewStringResponder(status, `{}`))
		c := newTestClient(t, mt, RetryPolicy{})
		resp, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/x", nil, false))
		if err != nil || resp.HTTP.StatusCode != status || mt.GetTotalCallCount() != 1 {
			t.Errorf("%d: resp %v err %v calls %d", status, resp, err, mt.GetTotalCallCount())
		}
	}
}

func TestRetriesOff(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewStringResponder(503, ``))
	c := newTestClient(t, mt, RetryPolicy{MaxRetries: -1})
	resp, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/x", nil, false))
	if err != nil || resp.Attempts != 1 || mt.GetTotalCallCount() != 1 {
		t.Fatalf("resp %+v err %v calls %d", resp, err, mt.GetTotalCallCount())
	}
}

func TestGetTransportErrorRetriedThenReported(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewErrorResponder(io.ErrUnexpectedEOF))
	c := newTestClient(t, mt, RetryPolicy{MaxRetries: 2})
	_, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/x", nil, false))
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	var te *Error
	if !errors.As(err, &te) || te.Attempts != 3 {
		t.Errorf("attempts: %+v", te)
	}
	assertNoSecret(t, "error", err.Error())
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	// Small limits are met inside the pooled buffer; 2 MiB is met by the
	// slice grown past it, exactly full when the extra byte comes.
	for _, limit := range []int{1024, 2 << 20} {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodGet, "https://api.test/x", httpmock.NewStringResponder(200, strings.Repeat("a", limit+10)))
		logs := &syncBuffer{}
		c := New(Config{HTTPClient: &http.Client{Transport: mt}, MaxResponseBytes: int64(limit),
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
		_, err := c.Do(context.Background(), request(t, http.MethodGet, "https://api.test/x", nil, false))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("larger than %d", limit)) {
			t.Fatalf("limit %d: err = %v", limit, err)
		}
	}
}

func TestCancelledBeforeStartSendsNothing(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://api.test/refund", httpmock.NewStringResponder(200, `{}`))
	c := New(Config{HTTPClient: &http.Client{Transport: mt}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Do(ctx, request(t, http.MethodPost, "https://api.test/refund", []byte(`{}`), true))
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	if mt.GetTotalCallCount() != 0 {
		t.Error("a request was sent on a cancelled context")
	}
}

func TestSafePath(t *testing.T) {
	for raw, want := range map[string]string{
		"https://s.test/wp-json/wc/v3/orders?consumer_key=ck&consumer_secret=cs": "/wp-json/wc/v3/orders",
		"https://s.test/?rest_route=/wc/v3/orders/5&consumer_secret=cs":          "/?rest_route=/wc/v3/orders/5",
		"https://s.test": "/",
		"https://u:pass@s.test/a%20b?oauth_signature=x": "/a%20b",
	} {
		u, _ := url.Parse(raw)
		if got := SafePath(u); got != want {
			t.Errorf("SafePath(%s) = %q, want %q", raw, got, want)
		}
	}
}

// The tests below use real connections, for what a mock transport cannot
// show: bytes on a socket, a connection cut after the server read the
// request, and a port nobody listens on.

func TestRealServerBodyRewind(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.Client().Transport, RetryPolicy{})
	resp, err := c.Do(context.Background(), request(t, http.MethodPut, srv.URL+"/orders/1", []byte(`{"status":"completed"}`), false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 || string(resp.Body) != `{"ok":true}` {
		t.Errorf("attempts %d body %s", resp.Attempts, resp.Body)
	}
	for _, b := range bodies {
		if b != `{"status":"completed"}` {
			t.Errorf("body on the wire = %q", b)
		}
	}
}

func TestRealServerDropAfterCommit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	commits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		mu.Lock()
		commits++
		mu.Unlock()
		// The change is committed; the answer never arrives.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.Client().Transport, RetryPolicy{})
	_, err := c.Do(context.Background(), request(t, http.MethodPost, srv.URL+"/v1/transactions/T1/refund", []byte(`{"amount":5}`), true))
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if commits != 1 {
		t.Errorf("server committed %d refunds, want 1", commits)
	}
	assertNoSecret(t, "error", err.Error())
}

func TestRealConnectionRefusedRetriedForMoney(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens here now
	c := newTestClient(t, http.DefaultTransport.(*http.Transport).Clone(), RetryPolicy{MaxRetries: 2})
	_, err = c.Do(context.Background(), request(t, http.MethodPost, "http://"+addr+"/capture", []byte(`{}`), true))
	var te *Error
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	if te.Attempts != 3 || te.OutcomeUnknown || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("refused connection: attempts %d, outcome unknown %v; want 3 attempts, known outcome", te.Attempts, te.OutcomeUnknown)
	}
	assertNoSecret(t, "error", err.Error())
}
