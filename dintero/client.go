package dintero

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// Default hosts of the Dintero APIs. Test and production accounts share
// them; the account id's prefix (T or P) selects the environment.
const (
	DefaultCheckoutURL = "https://checkout.dintero.com/v1/"
	DefaultAPIURL      = "https://api.dintero.com/v1/"
)

// Version is this SDK's version, sent in the default User-Agent.
const Version = "0.1.0"

var accountIDPattern = regexp.MustCompile(`^[PT][0-9]{8}$`)

// Client talks to the Dintero Checkout API for one account. Create it with
// New; it is safe for concurrent use and should be reused, because it
// caches the access token.
type Client struct {
	accountID string
	checkout  *url.URL
	http      *transport.Client
	headers   http.Header
	tokens    *tokenSource

	// Transactions captures, refunds, voids and reads payments.
	Transactions *TransactionsService
	// Sessions creates and manages checkout sessions.
	Sessions *SessionsService
}

// service is the common base of the services; each service type is a
// named copy of it, as in go-github.
type service struct{ c *Client }

// New returns a client for the account (T12345678 for a test account,
// P12345678 for production) using the API client's credentials. It checks
// its arguments and does no I/O; the first call fetches a token.
func New(accountID, clientID, clientSecret string, opts ...Option) (*Client, error) {
	if !accountIDPattern.MatchString(accountID) {
		return nil, fmt.Errorf("dintero.New: %w: account id %q must be T or P followed by 8 digits", ErrInvalidRequest, accountID)
	}
	if clientID == "" || clientSecret == "" {
		return nil, fmt.Errorf("dintero.New: %w: client id and client secret are required", ErrInvalidRequest)
	}
	cfg := config{
		checkoutURL: DefaultCheckoutURL,
		apiURL:      DefaultAPIURL,
		userAgent:   "dinterowoo/" + Version + " (+https://github.com/dinterowoo/dinterowoo)",
		headers:     http.Header{},
	}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("dintero.New: %w", err)
		}
	}
	checkout, err := baseURL(cfg.checkoutURL)
	if err != nil {
		return nil, fmt.Errorf("dintero.New: checkout URL: %w", err)
	}
	api, err := baseURL(cfg.apiURL)
	if err != nil {
		return nil, fmt.Errorf("dintero.New: API URL: %w", err)
	}
	for _, u := range []*url.URL{checkout, api} {
		if err := transport.CheckScheme(u, cfg.insecureHTTP); err != nil {
			return nil, fmt.Errorf("dintero.New: %w", err)
		}
	}
	cfg.headers.Set("User-Agent", cfg.userAgent)
	c := &Client{
		accountID: accountID,
		checkout:  checkout,
		headers:   cfg.headers,
		http: transport.New(transport.Config{
			HTTPClient: cfg.httpClient,
			Logger:     cfg.logger,
			Retry:      transport.RetryPolicy(cfg.retry),
		}),
	}
	c.tokens = newTokenSource(c, api, clientID, clientSecret, cfg.now)
	c.Transactions = &TransactionsService{c: c}
	c.Sessions = &SessionsService{c: c}
	return c, nil
}

// AccountID returns the account the client works for.
func (c *Client) AccountID() string { return c.accountID }

// IsTest reports whether the account is a test account (T prefix).
func (c *Client) IsTest() bool { return c.accountID[0] == 'T' }

func baseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an absolute http(s) URL", ErrInvalidRequest, raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u, nil
}

// call describes one API call for do.
type call struct {
	op         string
	method     string
	path       string // relative to the checkout base URL, already escaped
	query      url.Values
	header     http.Header // added to the request
	body       any         // encoded as JSON when not nil
	movesMoney bool
}

// do sends the call with a bearer token, refreshing the token once on a
// 401, and decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, cl call, out any) (*Response, error) {
	u, err := c.checkout.Parse(cl.path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: bad path: %v", cl.op, ErrInvalidRequest, err)
	}
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	var body []byte
	if cl.body != nil {
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("%s: encoding request: %w", cl.op, err)
		}
	}
	for refreshed := false; ; refreshed = true {
		token, err := c.tokens.token(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cl.op, err)
		}
		h := c.headers.Clone()
		for k, vs := range cl.header {
			h[k] = vs
		}
		h.Set("Authorization", "Bearer "+token)
		r, err := c.http.Do(ctx, &transport.Request{Op: cl.op, Method: cl.method, URL: u, Header: h, Body: body, MovesMoney: cl.movesMoney})
		if err != nil {
			return nil, err
		}
		resp := newResponse(r)
		if r.HTTP.StatusCode == http.StatusUnauthorized && !refreshed {
			// The token was revoked or expired early. A 401 means the
			// request was refused, so repeating it cannot move money twice.
			c.tokens.invalidate(token)
			continue
		}
		if r.HTTP.StatusCode < 200 || r.HTTP.StatusCode > 299 {
			return resp, newAPIError(cl.op, r)
		}
		return resp, r.Decode(cl.op, out, cl.movesMoney)
	}
}
