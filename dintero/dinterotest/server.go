package dinterotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dinterowoo/dinterowoo/internal/faultinject"
)

// Default credentials of a Server.
const (
	DefaultAccountID    = "T12345678"
	DefaultClientID     = "dinterotest-client"
	DefaultClientSecret = "dinterotest-secret"
)

// Server is an in-process Dintero. Create it with NewServer and Close it
// when done. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the API, ending in "/v1/"; it serves both the
	// checkout and the token routes.
	URL string

	cfg  config
	srv  *httptest.Server
	http *http.Client // for callbacks
	wg   sync.WaitGroup

	faults faultinject.Queue[Route, Fault]
	late   faultinject.Late
	busy   atomic.Int64 // requests being served and callbacks being sent

	mu       sync.Mutex
	tokens   map[string]time.Time // token -> expiry
	sessions map[string]*session
	txs      map[string]*txState
	txOrder  []string // creation order
	sent     []CallbackRecord
	closed   bool
	// background counts callbacks and timed completions under way; quiet
	// is signalled when it drops to zero. WaitCallbacks waits on these,
	// not on wg: a WaitGroup's Wait may not run while another
	// goroutine's Add starts it from zero, and a receiver under test
	// starts new background work (a capture reports an event) while a
	// test waits.
	background int
	quiet      *sync.Cond
	// decodeErr is the first error the client's decoder gave on the
	// server's JSON in an accessor.
	decodeErr error
}

type txState struct {
	tx          *transaction
	pos         int // in txOrder
	callbackURL string
	pending     []pendingOp
	// lagging is what reads return until lagUntil (Fault.VisibleAfter):
	// the transaction as it was before the hidden changes.
	lagging  *transaction
	lagUntil time.Time
}

// visible is the transaction as reads see it at now. The caller holds s.mu.
func (st *txState) visible(now time.Time) *transaction {
	if st.lagging != nil && now.Before(st.lagUntil) {
		return st.lagging.clone()
	}
	st.lagging = nil
	return st.tx.clone()
}

// hide keeps reads on the state before a change for d. The caller holds
// s.mu and calls it before making the change.
func (st *txState) hide(now time.Time, d time.Duration) {
	if st.lagging == nil || !now.Before(st.lagUntil) {
		st.lagging = st.tx.clone()
	}
	if until := now.Add(d); until.After(st.lagUntil) {
		st.lagUntil = until
	}
}

type config struct {
	accountID, clientID, clientSecret string
	tokenTTL                          time.Duration
	callbackSecret                    []byte
	callbackAttempts                  int
	now                               func() time.Time
	choices                           Choices
}

// Option configures a Server.
type Option func(*config)

// WithCredentials sets the account id and the API client's credentials
// the server accepts (defaults: DefaultAccountID, DefaultClientID,
// DefaultClientSecret).
func WithCredentials(accountID, clientID, clientSecret string) Option {
	return func(c *config) { c.accountID, c.clientID, c.clientSecret = accountID, clientID, clientSecret }
}

// WithTokenTTL sets the lifetime of issued tokens (default 24h).
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithCallbackSecret makes the server sign callbacks with secret, as
// Dintero does once a signature secret exists for the account.
func WithCallbackSecret(secret []byte) Option { return func(c *config) { c.callbackSecret = secret } }

// WithCallbackAttempts sets how many times a callback is tried when the
// receiver answers 5xx or cannot be reached (default 5; Dintero tries 20).
func WithCallbackAttempts(n int) Option { return func(c *config) { c.callbackAttempts = n } }

// WithClock sets the server's clock (token expiry, event times, signature
// timestamps).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// NewServer starts a server on a loopback port.
func NewServer(opts ...Option) *Server {
	cfg := config{
		accountID: DefaultAccountID, clientID: DefaultClientID, clientSecret: DefaultClientSecret,
		tokenTTL: 24 * time.Hour, callbackAttempts: 5, now: time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:      cfg,
		tokens:   map[string]time.Time{},
		sessions: map[string]*session{},
		txs:      map[string]*txState{},
		http:     &http.Client{Timeout: 10 * time.Second},
	}
	s.quiet = sync.NewCond(&s.mu)
	mux := http.NewServeMux()
	s.route(mux, "POST /v1/accounts/{aid}/auth/token", RouteToken, false, s.handleToken)
	s.route(mux, "POST /v1/sessions-profile", RouteCreateSession, true, s.handleCreateSession(true))
	s.route(mux, "POST /v1/sessions", RouteCreateSession, true, s.handleCreateSession(false))
	s.route(mux, "GET /v1/sessions/{id}", RouteGetSession, true, s.handleGetSession)
	s.route(mux, "PUT /v1/sessions/{id}", RouteUpdateSession, true, s.handleUpdateSession)
	s.route(mux, "POST /v1/sessions/{id}/cancel", RouteCancelSession, true, s.handleCancelSession)
	s.route(mux, "GET /v1/transactions", RouteListTransactions, true, s.handleList)
	s.route(mux, "GET /v1/transactions/{id}", RouteGetTransaction, true, s.handleGet)
	s.route(mux, "PUT /v1/transactions/{id}", RouteUpdateTransaction, true, s.handleUpdateTransaction)
	s.route(mux, "POST /v1/transactions/{id}/capture", RouteCapture, true, s.handleCapture)
	s.route(mux, "POST /v1/transactions/{id}/refund", RouteRefund, true, s.handleRefund)
	s.route(mux, "POST /v1/transactions/{id}/void", RouteVoid, true, s.handleVoid)
	s.route(mux, "POST /v1/transactions/{id}/authorization", RouteAuthorization, true, s.handleAuthorization)
	mux.HandleFunc("GET /v1/view/{id}", s.handleView)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no route "+r.Method+" "+r.URL.Path)
	})
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.busy.Add(1)
		defer s.busy.Add(-1)
		mux.ServeHTTP(w, r)
	}))
	// Known before serving starts, so no request races its writing.
	s.URL = "http://" + s.srv.Listener.Addr().String() + "/v1/"
	s.srv.Start()
	return s
}

// Close waits for callbacks under way and shuts the server down.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.late.Stop()
	s.late.Wait()
	s.wg.Wait()
	s.srv.Close()
}

// Idle reports whether the server is doing nothing right now: no request
// being served, no callback being sent, no late commit pending. With
// wctest.WaitQuiet a test waits for both in-process servers at once.
func (s *Server) Idle() bool { return s.busy.Load() == 0 && s.late.Pending() == 0 }

// WaitLateCommits waits until every request held by a LateCommit fault
// has been committed (or dropped by Close).
func (s *Server) WaitLateCommits() { s.late.Wait() }

// AccountID returns the account id the server serves.
func (s *Server) AccountID() string { return s.cfg.accountID }

// handler is a route's logic. It gets the fault in force (or nil) for the
// behaviours that need the route's cooperation, such as 202 pending.
type handler func(w http.ResponseWriter, r *http.Request, f *Fault)

const maxBody = 1 << 20

func (s *Server) route(mux *http.ServeMux, pattern string, rt Route, auth bool, h handler) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
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
			writeError(w, f.Status, faultCode(f.Status), "injected fault")
			return
		}
		if auth && !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, "INVALID_TOKEN", "AccessForbidden, invalid JWT")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if f != nil && f.LateCommit {
			then := *f
			then.LateCommit, then.DropAfterCommit = false, false
			s.late.Commit(w, r, f.HoldFor, f.CommitDelay, func(later *http.Request) { h(httptest.NewRecorder(), later, &then) })
			return
		}
		if f != nil && f.DropAfterCommit {
			// Do the work, then cut the connection before the answer.
			rec := httptest.NewRecorder()
			h(rec, r, f)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			return
		}
		h(w, r, f)
	})
}

func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusServiceUnavailable:
		return "ProcessorTemporarilyUnavailable"
	}
	return "INJECTED_FAULT"
}

func (s *Server) authorized(r *http.Request) bool {
	// The scheme is case-insensitive (RFC 9110 §11.1): "bearer" is as
	// good as "Bearer".
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	tok = strings.TrimSpace(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && s.cfg.now().Before(exp)
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, _ *Fault) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.cfg.clientID || secret != s.cfg.clientSecret {
		writeError(w, http.StatusUnauthorized, "INVALID_CLIENT", "invalid client credentials")
		return
	}
	if r.PathValue("aid") != s.cfg.accountID {
		writeError(w, http.StatusForbidden, "FORBIDDEN", "unknown account")
		return
	}
	var body struct {
		GrantType string `json:"grant_type"`
		Audience  string `json:"audience"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.GrantType != "client_credentials" {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "grant_type must be client_credentials")
		return
	}
	if body.Audience == "" {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "audience is required")
		return
	}
	if !s.audienceOK(body.Audience) {
		// The audience must be a grant of the client (N:6516-6518).
		writeError(w, http.StatusForbidden, "FORBIDDEN", "audience is not a grant of this client")
		return
	}
	tok := "dt_" + randomString(32)
	s.mu.Lock()
	s.tokens[tok] = s.cfg.now().Add(s.cfg.tokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int64(s.cfg.tokenTTL / time.Second),
	})
}

// audienceOK accepts the audience forms dintero_spec.md §3 lists: the
// canonical https://api.dintero.com/v1/accounts/{aid}, its userinfo
// variant https://{aid}@api.dintero.com/v1/accounts/{aid} (the Node SDK),
// and {this server}/v1/accounts/{aid} (the Python SDK builds it from its
// api_url).
func (s *Server) audienceOK(aud string) bool {
	u, err := url.Parse(aud)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	if u.User != nil && u.User.Username() != s.cfg.accountID {
		return false
	}
	if strings.TrimSuffix(u.Path, "/") != "/v1/accounts/"+s.cfg.accountID {
		return false
	}
	own, _ := url.Parse(s.srv.URL)
	switch {
	case u.Scheme == "https" && u.Host == "api.dintero.com":
		return true
	case u.Scheme == own.Scheme && u.Host == own.Host:
		return true
	}
	return false
}

// systemHeaders is the stored copy of a request's Dintero-System-*
// headers: lower-cased keys, plus user-agent (N:4834-4872).
func systemHeaders(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "dintero-system-") || lk == "user-agent" {
			out[lk] = strings.Join(vs, ", ")
		}
	}
	return out
}

// ExpireTokens makes every issued token invalid, as if they had expired or
// been revoked; clients must refresh.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r.Body)
	return bytes.TrimSpace(buf.Bytes()), err
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	buf, err := readBody(r)
	if err != nil {
		// Validation failures are 400 (dintero_spec.md §2); no 413 is declared.
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "body too large or unreadable")
		return false
	}
	if len(buf) == 0 {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "body required")
		return false
	}
	return unmarshalBody(w, buf, v)
}

// unmarshalBody decodes a request body as a JSON Schema validator would
// read it: an integer may be written 100, 1e2 or 100.0. Errors name the
// JSON field, not the server's Go types.
func unmarshalBody(w http.ResponseWriter, buf []byte, v any) bool {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.UseNumber()
	err := dec.Decode(&doc)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON value")
	}
	if err == nil {
		if k, dup := duplicateKey(buf); dup {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", fmt.Sprintf("key %q appears twice in one object", k))
			return false
		}
		if k, bad := caseMismatch(doc, reflect.TypeOf(v), ""); bad {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "unknown field "+k+": names are case-sensitive")
			return false
		}
		buf, _ = json.Marshal(integral(doc))
		err = json.Unmarshal(buf, v)
	}
	if err != nil {
		var typeErr *json.UnmarshalTypeError
		msg := "malformed JSON"
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			msg = fmt.Sprintf("%s: %s is not %s", typeErr.Field, typeErr.Value, jsonKind(typeErr.Type.Kind()))
		}
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", msg)
		return false
	}
	return true
}

// integral rewrites numbers that are whole (1e2, 100.0) as integers.
func integral(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integral(e)
		}
	case []any:
		for i, e := range x {
			x[i] = integral(e)
		}
	case json.Number:
		if r, ok := new(big.Rat).SetString(x.String()); ok && r.IsInt() && r.Num().BitLen() < 64 {
			return json.Number(r.Num().String())
		}
	}
	return v
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "an integer in range"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of the right type"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", randomString(16))
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = base58[int(b[i])%len(base58)]
	}
	return string(b)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
