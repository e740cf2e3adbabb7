package dintero

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// tokenSource fetches client-credentials tokens and caches them until
// shortly before they expire. However many goroutines ask at once, one
// request is in flight; a caller whose context ends stops waiting without
// cancelling the fetch the others wait for.
type tokenSource struct {
	c        *Client
	tokenURL *url.URL
	audience string
	basic    string // the Basic credentials header value; never logged
	now      func() time.Time

	mu       sync.Mutex
	current  string
	refresh  time.Time // when to fetch a new token
	inflight *tokenFetch
}

type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

// tokenResponse is Dintero's answer on /auth/token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func newTokenSource(c *Client, api *url.URL, clientID, clientSecret string, now func() time.Time) *tokenSource {
	if now == nil {
		now = time.Now
	}
	return &tokenSource{
		c:        c,
		tokenURL: api.JoinPath("accounts", c.accountID, "auth", "token"),
		// The audience names api.dintero.com whatever host issues the token.
		audience: "https://api.dintero.com/v1/accounts/" + c.accountID,
		basic:    "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret)),
		now:      now,
	}
}

// token returns a valid access token, fetching one when none is cached or
// the cached one is due for refresh.
func (ts *tokenSource) token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	if ts.current != "" && ts.now().Before(ts.refresh) {
		tok := ts.current
		ts.mu.Unlock()
		return tok, nil
	}
	f := ts.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		ts.inflight = f
		// The fetch outlives any one caller's cancellation, but keeps the
		// values of the context that started it.
		go ts.fetch(context.WithoutCancel(ctx), f)
	}
	ts.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// invalidate drops the cached token if it is still stale, so that many
// callers failing with the same token cause one refresh, not many.
func (ts *tokenSource) invalidate(stale string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.current == stale {
		ts.current = ""
	}
}

func (ts *tokenSource) fetch(ctx context.Context, f *tokenFetch) {
	// Bound the fetch: nobody may be left waiting on it forever.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tok, expiresIn, err := ts.request(ctx)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.inflight = nil
	f.token, f.err = tok, err
	if err == nil {
		ts.current = tok
		ts.refresh = ts.now().Add(expiresIn - refreshMargin(expiresIn))
	}
	close(f.done)
}

// refreshMargin is how long before expiry a token is replaced: five
// minutes, or half the lifetime of a short-lived token.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(5*time.Minute, lifetime/2)
}

func (ts *tokenSource) request(ctx context.Context) (string, time.Duration, error) {
	const op = "dintero.auth.Token"
	body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "audience": ts.audience})
	h := ts.c.headers.Clone()
	h.Set("Authorization", ts.basic)
	r, err := ts.c.http.Do(ctx, &transport.Request{Op: op, Method: http.MethodPost, URL: ts.tokenURL, Header: h, Body: body})
	if err != nil {
		return "", 0, err
	}
	if r.HTTP.StatusCode != http.StatusOK {
		return "", 0, newAPIError(op, r)
	}
	var tr tokenResponse
	if err := json.Unmarshal(r.Body, &tr); err != nil {
		return "", 0, fmt.Errorf("%s: decoding answer: %w", op, err)
	}
	if tr.AccessToken == "" || tr.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("%s: answer has no access_token or expires_in", op)
	}
	// A huge expires_in would overflow the Duration (and a negative one
	// refresh at every call): a token is kept at most a day.
	return tr.AccessToken, time.Duration(min(tr.ExpiresIn, int64(maxTokenLifetime/time.Second))) * time.Second, nil
}

// maxTokenLifetime bounds how long a token is cached, whatever the token
// endpoint says (Dintero's last 24 hours at most).
const maxTokenLifetime = 24 * time.Hour
