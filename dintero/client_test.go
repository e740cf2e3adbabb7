package dintero

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const (
	testAccount = "T12345678"
	testID      = "client-id-abc"
	testSecret  = "client-SECRET-xyz"
	checkoutURL = "https://checkout.test/v1/"
	apiURL      = "https://api.test/v1/"
	tokenURL    = "https://api.test/v1/accounts/T12345678/auth/token"
	testToken   = "eyJ-TOKEN-123"
)

var fastRetry = RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

// newMockClient returns a client on a fresh mock transport that answers
// the token request; logs are collected and checked for secrets.
func newMockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, tokenURL, tokenResponder(testToken, 3600))
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []Option{WithCheckoutURL(checkoutURL), WithAPIURL(apiURL), WithHTTPClient(&http.Client{Transport: mt}),
		WithRetry(fastRetry), WithLogger(logger)}
	c, err := New(testAccount, testID, testSecret, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		assertNoSecrets(t, "logs", logs.String())
	})
	return c, mt
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{testSecret, testToken, "Y2xpZW50LWlkLWFiYzpjbGllbnQtU0VDUkVULXh5eg"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s leak secret %q: %s", what, secret, s)
		}
	}
}

func tokenResponder(token string, expiresIn int) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != testID || secret != testSecret {
			return httpmock.NewStringResponse(401, `{"error":{"message":"bad credentials"}}`), nil
		}
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		if body["grant_type"] != "client_credentials" || body["audience"] != "https://api.dintero.com/v1/accounts/"+testAccount {
			return httpmock.NewStringResponse(400, `{"error":{"message":"bad body"}}`), nil
		}
		return httpmock.NewJsonResponse(200, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": expiresIn})
	}
}

// expect checks the request a responder receives and answers with status
// and body.
func expect(t *testing.T, method, path string, wantBody string, status int, body string) httpmock.Responder {
	t.Helper()
	return func(r *http.Request) (*http.Response, error) {
		if r.Method != method {
			t.Errorf("method = %s, want %s", r.Method, method)
		}
		if r.URL.EscapedPath() != path {
			t.Errorf("path = %s, want %s", r.URL.EscapedPath(), path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept = %q", got)
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "dinterowoo/") {
			t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
		}
		var got []byte
		if r.Body != nil {
			got, _ = io.ReadAll(r.Body)
		}
		if wantBody == "" {
			if len(got) != 0 {
				t.Errorf("body = %s, want none", got)
			}
		} else {
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			assertJSONEqual(t, got, wantBody)
		}
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		resp.Header.Set("Request-Id", "req-1")
		return resp, nil
	}
}

func assertJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body =\n%s\nwant\n%s", gb, wb)
	}
}

func TestNewValidatesArguments(t *testing.T) {
	tests := []struct {
		name                string
		account, id, secret string
		opts                []Option
	}{
		{"empty account", "", "id", "s", nil},
		{"hyphenated account", "T-12345678", "id", "s", nil},
		{"short account", "T1234567", "id", "s", nil},
		{"lower-case prefix", "t12345678", "id", "s", nil},
		{"unknown prefix", "X12345678", "id", "s", nil},
		{"letters", "T1234567A", "id", "s", nil},
		{"no client id", "T12345678", "", "s", nil},
		{"no secret", "T12345678", "id", "", nil},
		{"relative URL", "T12345678", "id", "s", []Option{WithCheckoutURL("/v1")}},
		{"bad scheme", "T12345678", "id", "s", []Option{WithAPIURL("ftp://x/")}},
		{"nil http client", "T12345678", "id", "s", []Option{WithHTTPClient(nil)}},
	}
	for _, tt := range tests {
		_, err := New(tt.account, tt.id, tt.secret, tt.opts...)
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", tt.name, err)
		}
		if err != nil && tt.secret != "" && strings.Contains(err.Error(), "s\"") {
			t.Errorf("%s: error shows the secret: %v", tt.name, err)
		}
	}
	c, err := New("P87654321", "id", "s")
	if err != nil || c.IsTest() || c.AccountID() != "P87654321" {
		t.Errorf("production client: %v %v", c, err)
	}
	c, _ = New("T87654321", "id", "s")
	if !c.IsTest() {
		t.Error("T account is a test account")
	}
}

func TestSystemHeaders(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t, WithSystem("woocommerce", "9.1.0"), WithPlugin("dinterowoo", "0.1.0"))
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1", func(r *http.Request) (*http.Response, error) {
		for k, want := range map[string]string{
			"Dintero-System-Name": "woocommerce", "Dintero-System-Version": "9.1.0",
			"Dintero-System-Plugin-Name": "dinterowoo", "Dintero-System-Plugin-Version": "0.1.0",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		return httpmock.NewStringResponse(200, `{"id":"T1"}`), nil
	})
	if _, _, err := c.Transactions.Get(context.Background(), "T1", nil); err != nil {
		t.Fatal(err)
	}
}

func TestTokenCachedAcrossConcurrentCallers(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	var tokenCalls atomic.Int32
	mt.RegisterResponder(http.MethodPost, tokenURL, func(r *http.Request) (*http.Response, error) {
		tokenCalls.Add(1)
		time.Sleep(20 * time.Millisecond) // let every caller pile up behind the fetch
		return tokenResponder(testToken, 3600)(r)
	})
	mt.RegisterResponder(http.MethodGet, `=~^https://checkout\.test/v1/transactions/`, httpmock.NewStringResponder(200, `{"id":"x"}`))
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.Transactions.Get(context.Background(), "T1", nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := tokenCalls.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, mt := newMockClient(t, WithClock(clock))
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1", httpmock.NewStringResponder(200, `{"id":"T1"}`))
	get := func() {
		if _, _, err := c.Transactions.Get(context.Background(), "T1", nil); err != nil {
			t.Fatal(err)
		}
	}
	get()
	mu.Lock()
	now = now.Add(54 * time.Minute) // token lives 60 min; refresh margin 5 min
	mu.Unlock()
	get()
	if n := mt.GetCallCountInfo()["POST "+tokenURL]; n != 1 {
		t.Errorf("after 54 min: token requests = %d, want 1", n)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	get()
	if n := mt.GetCallCountInfo()["POST "+tokenURL]; n != 2 {
		t.Errorf("after 56 min: token requests = %d, want 2", n)
	}
}

func TestUnauthorizedRefreshesOnceAndRepeats(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	var tokens atomic.Int32
	mt.RegisterResponder(http.MethodPost, tokenURL, func(r *http.Request) (*http.Response, error) {
		n := tokens.Add(1)
		return tokenResponder(map[int32]string{1: "old-token", 2: testToken}[n], 3600)(r)
	})
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/capture", func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			return httpmock.NewStringResponse(401, `{"error":{"message":"AccessForbidden, invalid JWT"}}`), nil
		}
		return httpmock.NewStringResponse(200, `{"id":"T1","status":"CAPTURED"}`), nil
	})
	tx, _, err := c.Transactions.Capture(context.Background(), "T1", &CaptureRequest{Amount: 100})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Status != StatusCaptured {
		t.Errorf("status = %s", tx.Status)
	}
	if tokens.Load() != 2 || mt.GetCallCountInfo()["POST "+checkoutURL+"transactions/T1/capture"] != 2 {
		t.Errorf("token requests %d, capture calls %v", tokens.Load(), mt.GetCallCountInfo())
	}
}

func TestUnauthorizedTwiceIsAnError(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1",
		httpmock.NewStringResponder(401, `{"error":{"code":"INVALID_TOKEN","message":"AccessForbidden, invalid JWT"}}`))
	_, resp, err := c.Transactions.Get(context.Background(), "T1", nil)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if resp == nil || resp.StatusCode != 401 {
		t.Errorf("response not returned with the error: %v", resp)
	}
	if n := mt.GetCallCountInfo()["POST "+tokenURL]; n != 2 {
		t.Errorf("token requests = %d, want 2 (first, and one refresh)", n)
	}
	assertNoSecrets(t, "error", err.Error())
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, tokenURL, tokenResponder(testToken, 3600))
	c, err := New(testAccount, testID, "wrong-"+testSecret, WithCheckoutURL(checkoutURL), WithAPIURL(apiURL),
		WithHTTPClient(&http.Client{Transport: mt}), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Transactions.Get(context.Background(), "T1", nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Op != "dintero.auth.Token" {
		t.Fatalf("err = %v", err)
	}
	assertNoSecrets(t, "error", err.Error())
}

func TestTokenRateLimitHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, tokenURL,
		httpmock.NewStringResponder(429, `{"error":{"message":"slow down"}}`).HeaderSet(http.Header{"Retry-After": {"0"}}).
			Then(tokenResponder(testToken, 3600)))
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1", httpmock.NewStringResponder(200, `{"id":"T1"}`))
	if _, _, err := c.Transactions.Get(context.Background(), "T1", nil); err != nil {
		t.Fatal(err)
	}
	if n := mt.GetCallCountInfo()["POST "+tokenURL]; n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestCancelledCallerDoesNotBreakSharedTokenFetch(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	release := make(chan struct{})
	mt.RegisterResponder(http.MethodPost, tokenURL, func(r *http.Request) (*http.Response, error) {
		<-release
		return tokenResponder(testToken, 3600)(r)
	})
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1", httpmock.NewStringResponder(200, `{"id":"T1"}`))
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, _, err := c.Transactions.Get(ctx, "T1", nil); first <- err }()
	second := make(chan error, 1)
	go func() { _, _, err := c.Transactions.Get(context.Background(), "T1", nil); second <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	close(release)
	if err := <-second; err != nil {
		t.Errorf("patient caller failed because another gave up: %v", err)
	}
}

// A token endpoint answering an absurd expires_in must not overflow the
// lifetime (which made every call fetch a new token): the token is kept,
// at most a day.
func TestHugeExpiresInClamped(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, mt := newMockClient(t, WithClock(clock))
	mt.RegisterResponder(http.MethodPost, tokenURL, tokenResponder(testToken, math.MaxInt64/1000))
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1", httpmock.NewStringResponder(200, `{"id":"T1"}`))
	for range 3 {
		if _, _, err := c.Transactions.Get(context.Background(), "T1", nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := mt.GetCallCountInfo()["POST "+tokenURL]; n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	mu.Lock()
	now = now.Add(24 * time.Hour)
	mu.Unlock()
	c.Transactions.Get(context.Background(), "T1", nil)
	if n := mt.GetCallCountInfo()["POST "+tokenURL]; n != 2 {
		t.Fatalf("after a day: token requests = %d, want 2", n)
	}
}
