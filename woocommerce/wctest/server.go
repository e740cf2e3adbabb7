package wctest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dinterowoo/dinterowoo/internal/faultinject"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// Default credentials of a Server's API key.
const (
	DefaultKey    = "ck_wctest_0123456789abcdef"
	DefaultSecret = "cs_wctest_fedcba9876543210"
)

// Server is an in-process WooCommerce store. Create it with NewServer and
// Close it when done. All methods are safe for concurrent use.
type Server struct {
	// URL is the store's home URL, with a trailing slash.
	URL string

	cfg  config
	srv  *httptest.Server
	home *url.URL
	hook *http.Client
	wg   sync.WaitGroup
	busy atomic.Int64 // requests being served

	faults faultinject.Queue[Route, Fault]
	late   faultinject.Late

	mu         sync.Mutex
	nextID     int64
	orders     map[int64]*order
	order      []int64 // ids in creation order
	webhooks   map[int64]*webhookState
	deliveries []DeliveryRecord
	nonces     map[int64]string // used OAuth nonces by timestamp
	closed     bool
	decodeErr  error
	delivering int // deliveries and pings under way
	// firing counts the background deliveries of order events; quiet is
	// signalled when it drops to zero. WaitWebhooks waits on these, not
	// on wg: a WaitGroup's Wait may not run while another goroutine's
	// Add starts it from zero, and the service under test triggers new
	// deliveries while a test waits.
	firing int
	quiet  *sync.Cond
}

type config struct {
	key, secret     string
	dp              int32
	ssl             bool
	gateway         Gateway
	now             func() time.Time
	userName        string
	statuses        []statusDef
	homePath        string
	prefix          string
	roundAtSubtotal bool
	legacyAuth      bool
}

// Option configures a Server.
type Option func(*config)

// WithKey sets the API key the store accepts (defaults DefaultKey and
// DefaultSecret).
func WithKey(key, secret string) Option { return func(c *config) { c.key, c.secret = key, secret } }

// WithDecimals sets the store's price decimals, the default of dp (2).
func WithDecimals(dp int32) Option { return func(c *config) { c.dp = dp } }

// WithoutSSL makes the store behave as WooCommerce on plain HTTP: Basic and
// query-string credentials are ignored, only OAuth 1.0a authenticates.
// (The default assumes TLS terminated in front of the store.)
func WithoutSSL() Option { return func(c *config) { c.ssl = false } }

// WithGateway sets the payment gateway refund creates with api_refund call.
// Without one, such refunds fail as for a gateway without refund support.
func WithGateway(g Gateway) Option { return func(c *config) { c.gateway = g } }

// WithClock sets the store's clock.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithHomePath installs WordPress in a subdirectory: the home URL becomes
// http://127.0.0.1:port/shop/ for "/shop/", and the API answers under
// /shop/wp-json/ and /shop/?rest_route=.
func WithHomePath(path string) Option {
	return func(c *config) {
		c.homePath = "/"
		if p := strings.Trim(path, "/"); p != "" {
			c.homePath = "/" + p + "/"
		}
	}
}

// WithRESTPrefix sets the REST prefix (rest_url_prefix), "wp-json" by
// default.
func WithRESTPrefix(prefix string) Option {
	return func(c *config) { c.prefix = strings.Trim(prefix, "/") }
}

// WithTaxRoundAtSubtotal turns on WooCommerce's "Round tax at subtotal
// level" setting (woocommerce_tax_round_at_subtotal): item taxes are kept
// unrounded and rounded once in the totals. The default, as in
// WooCommerce, rounds each line's tax, so totals can differ by a cent.
func WithTaxRoundAtSubtotal() Option { return func(c *config) { c.roundAtSubtotal = true } }

// WithWooCommerce10Auth makes the store authenticate API keys as
// WooCommerce 10.x does: only on URLs containing "<prefix>/wc/", so a
// ?rest_route= request is answered 401 woocommerce_rest_cannot_view
// whatever its credentials. The default behaves as 11.1 and later.
func WithWooCommerce10Auth() Option { return func(c *config) { c.legacyAuth = true } }

// NewServer starts a store on a loopback port.
func NewServer(opts ...Option) *Server {
	cfg := config{key: DefaultKey, secret: DefaultSecret, dp: 2, ssl: true, now: time.Now, userName: "shop-manager",
		statuses: append([]statusDef(nil), coreStatuses...), homePath: "/", prefix: "wp-json"}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg: cfg, nextID: 100, orders: map[int64]*order{}, webhooks: map[int64]*webhookState{},
		nonces: map[int64]string{}, hook: &http.Client{Timeout: 60 * time.Second,
			// WooCommerce delivers without following redirects.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	s.quiet = sync.NewCond(&s.mu)
	// The address is known before serving starts, so no request can read
	// URL or home while they are written (another process can reach the
	// port as soon as it listens).
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.URL = "http://" + s.srv.Listener.Addr().String() + cfg.homePath
	s.home, _ = url.Parse(s.URL)
	s.srv.Start()
	return s
}

// Close waits for webhook deliveries under way and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.late.Stop()
	s.late.Wait()
	s.wg.Wait()
	s.srv.Close()
}

// WaitLateCommits waits until every request held by a LateCommit fault
// has been committed (or dropped by Close).
func (s *Server) WaitLateCommits() { s.late.Wait() }

// Client returns a woocommerce.Client for this store with its key; opts
// are applied after the server's own.
func (s *Server) Client(opts ...woocommerce.Option) (*woocommerce.Client, error) {
	base := []woocommerce.Option{}
	if s.cfg.ssl {
		// The store runs on plain HTTP but behaves as if TLS were in front.
		base = append(base, woocommerce.WithAuth(woocommerce.AuthBasic))
	}
	if s.cfg.prefix != "wp-json" {
		base = append(base, woocommerce.WithRESTPrefix(s.cfg.prefix))
	}
	return woocommerce.New(s.URL, s.cfg.key, s.cfg.secret, append(base, opts...)...)
}

// Key returns the API key's consumer key and secret.
func (s *Server) Key() (string, string) { return s.cfg.key, s.cfg.secret }

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// request is a request as WordPress sees it: $_GET and $_POST as PHP
// parsed them, and the JSON body.
type request struct {
	r    *http.Request
	seg  []string
	get  *phpVars
	post *phpVars
	body map[string]json.RawMessage
}

func (r *request) id(i int) (int64, bool) {
	if i >= len(r.seg) {
		return 0, false
	}
	n, err := strconv.ParseInt(r.seg[i], 10, 64)
	return n, err == nil && n > 0
}

// param returns a parameter as WP_REST_Request does: the JSON body, then
// the form body, then the query (REQ 361–419). A JSON value comes back
// raw; a form or query value as a JSON string, or false when absent.
func (r *request) param(name string) (json.RawMessage, bool) {
	if v, ok := r.body[name]; ok {
		return v, true
	}
	for _, vars := range []*phpVars{r.post, r.get} {
		if v, ok := vars.get(name); ok {
			b, _ := json.Marshal(v)
			return b, true
		}
	}
	return nil, false
}

// str returns a string parameter; ok is false when it is absent or not a
// string.
func (r *request) str(name string) (string, bool) {
	raw, ok := r.param(name)
	if !ok {
		return "", false
	}
	var v string
	return v, json.Unmarshal(raw, &v) == nil
}

// query returns a query parameter's scalar value.
func (r *request) query(name string) string {
	v, _ := r.get.get(name)
	return v
}

type handler func(http.ResponseWriter, *request)

// serve routes <home>/<prefix>/wc/v3/... and <home>?rest_route=/wc/v3/...
// as WordPress does, then checks credentials in WordPress's order: the
// authentication error first, then the route (SRV 436, 1218).
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.busy.Add(1)
	defer s.busy.Add(-1)
	get := newPHPVars()
	get.parse(r.URL.RawQuery)
	post := newPHPVars()
	var body map[string]json.RawMessage
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	raw, _ := io.ReadAll(r.Body)
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ctype == "application/x-www-form-urlencoded":
		post.parse(string(raw))
	case (ctype == "application/json" || strings.HasSuffix(ctype, "+json")) && len(bytes.TrimSpace(raw)) > 0:
		if err := json.Unmarshal(raw, &body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": "rest_invalid_json", "message": "Invalid JSON body passed.",
				"data": map[string]any{"status": 400, "json_error_message": err.Error()}})
			return
		}
	}
	route, viaQuery := "", false
	rel, inHome := strings.CutPrefix(r.URL.Path, s.home.Path)
	switch {
	case inHome && strings.HasPrefix(rel, s.cfg.prefix+"/"):
		route = strings.TrimPrefix(rel, s.cfg.prefix)
	case inHome && rel == "":
		route, _ = get.get("rest_route")
		viaQuery = true
	}
	// WordPress routes by the overridden verb (SRV 388–393); OAuth signs
	// the real one.
	method := r.Method
	if m, _ := get.get("_method"); m != "" { // from the query only
		method = strings.ToUpper(m)
	} else if m := r.Header.Get("X-HTTP-Method-Override"); m != "" {
		method = strings.ToUpper(m)
	}
	var h handler
	var rt Route
	var seg []string
	if rest, ok := strings.CutPrefix(route, "/wc/v3/"); ok {
		seg = strings.Split(strings.Trim(rest, "/"), "/")
		h, rt = s.match(method, seg)
	}
	f := s.takeFault(rt)
	if f != nil && f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if f != nil && f.Status != 0 {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10))
		}
		wpError(w, f.Status, "wctest_injected_fault", "Injected fault.", f.Status)
		return
	}
	legacy := viaQuery && s.cfg.legacyAuth
	if strings.HasPrefix(route, "/wc/") && !legacy {
		if res := s.authenticate(r, get, post); res.code != "" {
			wpError(w, res.status, res.code, res.msg, res.status)
			return
		}
	}
	if h == nil {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", 404)
		return
	}
	if legacy {
		// WooCommerce 10.x never authenticates here: the request is a
		// logged-out visitor's, refused by the permission callback.
		wpError(w, http.StatusUnauthorized, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", http.StatusUnauthorized)
		return
	}
	req := &request{r: r, seg: seg, get: get, post: post, body: body}
	if f != nil && f.LateCommit {
		s.late.Commit(w, r, f.HoldFor, f.CommitDelay, func(later *http.Request) {
			h(httptest.NewRecorder(), &request{r: later, seg: seg, get: get, post: post, body: body})
		})
		return
	}
	if f != nil && f.DropAfterCommit {
		h(httptest.NewRecorder(), req)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	h(w, req)
}

func (s *Server) match(method string, seg []string) (handler, Route) {
	n := len(seg)
	// Routes name ids with (?P<id>[\d]+): anything else has no route.
	for _, i := range []int{1, 3} {
		if i < n && !(i == 1 && seg[i] == "batch") && strings.Trim(seg[i], "0123456789") != "" {
			return nil, ""
		}
	}
	is := func(i int, lit string) bool { return i < n && seg[i] == lit }
	editable := method == http.MethodPut || method == http.MethodPatch || method == http.MethodPost
	switch {
	case n == 1 && is(0, "orders") && method == http.MethodGet:
		return s.listOrders, RouteListOrders
	case n == 2 && is(0, "orders") && is(1, "batch") && editable:
		return s.batchOrders, RouteBatch
	case n == 2 && is(0, "orders") && method == http.MethodGet:
		return s.getOrder, RouteGetOrder
	case n == 2 && is(0, "orders") && editable:
		return s.updateOrder, RouteUpdateOrder
	case n == 3 && is(0, "orders") && is(2, "notes") && method == http.MethodGet:
		return s.listNotes, RouteNotes
	case n == 3 && is(0, "orders") && is(2, "notes") && method == http.MethodPost:
		return s.createNote, RouteCreateNote
	case n == 4 && is(0, "orders") && is(2, "notes") && method == http.MethodGet:
		return s.getNote, RouteNotes
	case n == 4 && is(0, "orders") && is(2, "notes") && method == http.MethodDelete:
		return s.deleteNote, RouteDeleteNote
	case n == 3 && is(0, "orders") && is(2, "refunds") && method == http.MethodGet:
		return s.listRefunds, RouteRefunds
	case n == 3 && is(0, "orders") && is(2, "refunds") && method == http.MethodPost:
		return s.createRefund, RouteCreateRefund
	case n == 4 && is(0, "orders") && is(2, "refunds") && method == http.MethodGet:
		return s.getRefund, RouteRefunds
	case n == 4 && is(0, "orders") && is(2, "refunds") && method == http.MethodDelete:
		return s.deleteRefund, RouteDeleteRefund
	case n == 1 && is(0, "webhooks") && method == http.MethodGet:
		return s.listWebhooks, RouteWebhooks
	case n == 1 && is(0, "webhooks") && method == http.MethodPost:
		return s.createWebhook, RouteWebhooks
	case n == 2 && is(0, "webhooks") && method == http.MethodGet:
		return s.getWebhook, RouteWebhooks
	case n == 2 && is(0, "webhooks") && editable:
		return s.updateWebhook, RouteWebhooks
	case n == 2 && is(0, "webhooks") && method == http.MethodDelete:
		return s.deleteWebhook, RouteWebhooks
	}
	return nil, ""
}

// wpError writes a WordPress error with data {"status": n}.
func wpError(w http.ResponseWriter, status int, code, msg string, dataStatus int) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "data": map[string]any{"status": dataStatus}})
}

// bareError writes an error whose data is a bare integer, as WooCommerce's
// refund paths do with new WP_Error(code, msg, 500): WordPress then answers
// HTTP 500 whatever the integer says (RAPI 3416–3453).
func bareError(w http.ResponseWriter, code, msg string, data int) {
	writeJSON(w, http.StatusInternalServerError, map[string]any{"code": code, "message": msg, "data": data})
}

// invalidParams writes 400 rest_invalid_param with params and details
// (REQ 885–955).
func invalidParams(w http.ResponseWriter, errs [][3]string) {
	names := make([]string, len(errs))
	params, details := map[string]string{}, map[string]any{}
	for i, e := range errs {
		names[i] = e[0]
		params[e[0]] = e[2]
		details[e[0]] = map[string]any{"code": e[1], "message": e[2], "data": nil}
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"code": "rest_invalid_param", "message": "Invalid parameter(s): " + strings.Join(names, ", "),
		"data": map[string]any{"status": 400, "params": params, "details": details},
	})
}

func invalidParam(w http.ResponseWriter, param, code, why string) {
	invalidParams(w, [][3]string{{param, code, why}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := phpJSON(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// money formats an amount as wc_format_decimal(v, dp): number_format,
// half away from zero on the decimal value (FMT 288–320).
func money(d decimal.Decimal, dp int32) string {
	return d.StringFixed(dp)
}

// dp is the dp parameter (absint), or the store's decimals (O2 573).
func (s *Server) dp(r *request) int32 {
	if v := r.query("dp"); v != "" {
		if n, err := strconv.ParseInt(strings.TrimLeft(v, "-"), 10, 32); err == nil && n <= 12 {
			return int32(n)
		}
		return 0
	}
	return s.cfg.dp
}
