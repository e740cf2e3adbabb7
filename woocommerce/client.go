package woocommerce

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// Version is this SDK's version, sent in the default User-Agent.
const Version = "0.1.0"

// Client talks to one store's WooCommerce REST API (wc/v3). Create it with
// New; it is safe for concurrent use.
type Client struct {
	store     *url.URL // the site's home URL, with a trailing slash
	prefix    string   // REST prefix, "wp-json" by default
	queryMode bool     // route with ?rest_route= instead of /wp-json/
	auth      AuthMode
	key       string
	secret    string // never logged
	basic     string
	signer    *OAuthSigner
	http      *transport.Client
	userAgent string

	// Orders reads and updates orders.
	Orders *OrdersService
	// Notes reads and writes order notes.
	Notes *NotesService
	// Refunds records and reads refunds.
	Refunds *RefundsService
	// Webhooks manages webhook subscriptions.
	Webhooks *WebhooksService
}

type service struct{ c *Client }

// New returns a client for the store at storeURL (the site's home URL, as
// configured in WordPress) with a REST API key. It does no I/O.
//
// Authentication follows WooCommerce: HTTP Basic over HTTPS by default,
// OAuth 1.0a (HMAC-SHA256) over plain HTTP, or what WithAuth forces.
func New(storeURL, key, secret string, opts ...Option) (*Client, error) {
	u, err := url.Parse(storeURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Never the URL itself: a mistyped one may carry credentials.
		return nil, fmt.Errorf("woocommerce.New: %w: the store URL is not an absolute http(s) URL", ErrInvalidRequest)
	}
	if key == "" || secret == "" {
		return nil, fmt.Errorf("woocommerce.New: %w: consumer key and secret are required", ErrInvalidRequest)
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	cfg := config{prefix: "wp-json", userAgent: "dinterowoo/" + Version + " (+https://github.com/dinterowoo/dinterowoo)"}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("woocommerce.New: %w", err)
		}
	}
	if err := transport.CheckScheme(u, cfg.insecureHTTP); err != nil {
		return nil, fmt.Errorf("woocommerce.New: %w", err)
	}
	if cfg.httpClient == nil {
		// Status changes and refunds run gateway calls inside WooCommerce's
		// request, so an attempt may legitimately take most of a minute.
		cfg.httpClient = transport.DefaultHTTPClient(90 * time.Second)
	}
	c := &Client{store: u, prefix: strings.Trim(cfg.prefix, "/"), queryMode: cfg.queryRouting, auth: cfg.auth,
		key: key, secret: secret, userAgent: cfg.userAgent,
		http: transport.New(transport.Config{HTTPClient: cfg.httpClient, Logger: cfg.logger, Retry: transport.RetryPolicy(cfg.retry)})}
	if c.auth == AuthAuto {
		c.auth = AuthBasic
		if u.Scheme == "http" {
			c.auth = AuthOAuth1
		}
	}
	switch c.auth {
	case AuthBasic:
		c.basic = "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))
	case AuthOAuth1:
		c.signer = &OAuthSigner{ConsumerKey: key, ConsumerSecret: secret, Method: cfg.signatureMethod, Now: cfg.now, Nonce: cfg.nonce}
	case AuthQueryString:
	default:
		return nil, fmt.Errorf("woocommerce.New: %w: unknown auth mode %d", ErrInvalidRequest, c.auth)
	}
	c.Orders = &OrdersService{c: c}
	c.Notes = &NotesService{c: c}
	c.Refunds = &RefundsService{c: c}
	c.Webhooks = &WebhooksService{c: c}
	return c, nil
}

// StoreURL returns the store's home URL.
func (c *Client) StoreURL() string { return c.store.String() }

// call describes one API call.
type call struct {
	op         string
	method     string
	route      string // after /wc/v3/, already escaped
	query      url.Values
	body       any
	movesMoney bool
}

// endpoint builds the URL of a wc/v3 route in the client's routing mode.
func (c *Client) endpoint(route string, query url.Values) *url.URL {
	u := *c.store
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	if c.queryMode {
		q.Set("rest_route", "/wc/v3/"+route)
	} else {
		u.Path = c.store.Path + c.prefix + "/wc/v3/" + route
	}
	u.RawQuery = encodeQuery(q)
	return &u
}

func (c *Client) do(ctx context.Context, cl call, out any) (*Response, error) {
	u := c.endpoint(cl.route, cl.query)
	h := http.Header{}
	h.Set("User-Agent", c.userAgent)
	switch c.auth {
	case AuthBasic:
		h.Set("Authorization", c.basic)
	case AuthQueryString:
		q := u.Query()
		q.Set("consumer_key", c.key)
		q.Set("consumer_secret", c.secret)
		u.RawQuery = encodeQuery(q)
	case AuthOAuth1:
		// Signed once: a retry repeats the same nonce, which WooCommerce
		// refuses only if the first attempt reached it, and retried
		// requests are reads and updates, which are safe to refuse.
		c.signer.Sign(cl.method, u)
	}
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("%s: encoding request: %w", cl.op, err)
		}
	}
	r, err := c.http.Do(ctx, &transport.Request{Op: cl.op, Method: cl.method, URL: u, Header: h, Body: body, MovesMoney: cl.movesMoney})
	if err != nil {
		return nil, err
	}
	resp := newResponse(r)
	if r.HTTP.StatusCode < 200 || r.HTTP.StatusCode > 299 {
		// An error page may echo the request body too (a WAF page on a
		// webhook create): its secret goes with the client's own.
		secrets := []string{c.key, c.secret}
		if wr, ok := cl.body.(*WebhookRequest); ok {
			secrets = append(secrets, wr.Secret)
		}
		r.Body = transport.ScrubValues(r.Body, secrets...)
		return resp, newAPIError(cl.op, r)
	}
	return resp, r.Decode(cl.op, out, cl.movesMoney)
}
