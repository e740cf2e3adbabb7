package wctest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"github.com/dinterowoo/dinterowoo/internal/faultinject"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

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

	faults faultinject.Queue[Route, Fault]
	late   faultinject.Late

	mu         sync.Mutex
	nextID     int64
	orders     map[int64]*orderState
	order      []int64 // ids in creation order
	webhooks   map[int64]*webhookState
	deliveries []DeliveryRecord
	nonces     map[string]time.Time
	closed     bool
}

type config struct {
	key, secret string
	dp          int32
	ssl         bool
	gateway     Gateway
	now         func() time.Time
	userName    string
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

// NewServer starts a store on a loopback port.
func NewServer(opts ...Option) *Server {
	cfg := config{key: DefaultKey, secret: DefaultSecret, dp: 2, ssl: true, now: time.Now, userName: "shop-manager"}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg: cfg, nextID: 100, orders: map[int64]*orderState{}, webhooks: map[int64]*webhookState{},
		nonces: map[string]time.Time{}, hook: &http.Client{Timeout: 60 * time.Second},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/"
	s.home, _ = url.Parse(s.URL)
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
	return woocommerce.New(s.URL, s.cfg.key, s.cfg.secret, append(base, opts...)...)
}

// Key returns the API key's consumer key and secret.
func (s *Server) Key() (string, string) { return s.cfg.key, s.cfg.secret }

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// serve routes /wp-json/wc/v3/... and /?rest_route=/wc/v3/... requests.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	route := ""
	switch {
	case strings.HasPrefix(r.URL.Path, "/wp-json/"):
		route = strings.TrimPrefix(r.URL.Path, "/wp-json")
	case r.URL.Path == "/" && r.URL.Query().Get("rest_route") != "":
		route = r.URL.Query().Get("rest_route")
	}
	method := r.Method
	if m := r.Header.Get("X-HTTP-Method-Override"); m != "" {
		method = strings.ToUpper(m)
	} else if m := r.URL.Query().Get("_method"); m != "" {
		method = strings.ToUpper(m)
	}
	rest, ok := strings.CutPrefix(route, "/wc/v3/")
	if !ok {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", 404)
		return
	}
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	h, rt := s.match(method, seg)
	if h == nil {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.", 404)
		return
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
	if ok, status, code, msg := s.authenticate(r, method); !ok {
		if status == http.StatusUnauthorized && r.Header.Get("Authorization") != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field"`)
		}
		wpError(w, status, code, msg, status)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	req := &request{r: r, seg: seg, q: r.URL.Query()}
	if f != nil && f.LateCommit {
		s.late.Commit(w, r, f.HoldFor, f.CommitDelay, func(later *http.Request) {
			h(httptest.NewRecorder(), &request{r: later, seg: seg, q: req.q})
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

type request struct {
	r   *http.Request
	seg []string
	q   url.Values
}

func (r *request) id(i int) (int64, bool) {
	n, err := strconv.ParseInt(r.seg[i], 10, 64)
	return n, err == nil && n > 0
}

type handler func(http.ResponseWriter, *request)

func (s *Server) match(method string, seg []string) (handler, Route) {
	n := len(seg)
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

// wpError writes a WordPress error. data is the "data" member: a status
// number becomes {"status": n}, except where WooCommerce sends the bare
// number (bareData).
func wpError(w http.ResponseWriter, status int, code, msg string, dataStatus int) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "data": map[string]any{"status": dataStatus}})
}

// bareError writes an error whose data is a bare integer, as WooCommerce's
// refund paths do with new WP_Error(code, msg, 500): WordPress then answers
// HTTP 500 whatever the integer says.
func bareError(w http.ResponseWriter, code, msg string, data int) {
	writeJSON(w, http.StatusInternalServerError, map[string]any{"code": code, "message": msg, "data": data})
}

func invalidParam(w http.ResponseWriter, param, why string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"code": "rest_invalid_param", "message": "Invalid parameter(s): " + param,
		"data": map[string]any{"status": 400, "params": map[string]string{param: why},
			"details": map[string]any{param: map[string]any{"code": "rest_invalid_type", "message": why, "data": nil}}},
	})
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

func decodeBody(w http.ResponseWriter, r *request, v any) bool {
	if err := json.NewDecoder(r.r.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": "rest_invalid_json", "message": "Invalid JSON body passed.",
			"data": map[string]any{"status": 400, "json_error_message": err.Error()}})
		return false
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// money formats an amount with the store's decimals, as wc_format_decimal.
func (s *Server) money(d decimal.Decimal, dp int32) string {
	return d.StringFixed(dp)
}

func (s *Server) dp(r *request) int32 {
	if v := r.q.Get("dp"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 8 {
			return int32(n)
		}
	}
	return s.cfg.dp
}
