// Command webhookserver is a production-shaped order-management service:
// WooCommerce webhooks and Dintero callbacks on one mux, the poller as a
// safety net for lost webhooks, structured logs, graceful shutdown, and
// configuration from the environment.
//
//	go run ./examples/webhookserver -demo   # in-process store and Dintero, a few orders, then exit
//
// For a real store set:
//
//	ADDR                   listen address (default :8080)
//	WC_URL, WC_KEY, WC_SECRET
//	WC_WEBHOOK_SECRET      the secret of the order.updated webhook pointing at /hooks/woocommerce
//	DINTERO_ACCOUNT_ID, DINTERO_CLIENT_ID, DINTERO_CLIENT_SECRET
//	DINTERO_CALLBACK_SECRET  the account's callback signature secret (optional, recommended)
//	POLL_INTERVAL          how often the poller runs (default 1m)
//	WEBHOOK_CHECK_INTERVAL how often the store's webhooks are checked (default 5m)
//	WC_WEBHOOK_REACTIVATE  1: set a webhook WooCommerce disabled active again
//	DATABASE_URL           PostgreSQL, to run several replicas (see below)
//	STORE_NAME             the store's name in locks, jobs and checkpoints (default: WC_URL's host and path)
//	WC_WEBHOOK_URL         the webhook's delivery URL, when not PUBLIC_URL/hooks/woocommerce (checked for health)
//	DINTERO_URL            another Dintero API base than the real one (tests: dinterotest)
//
// Without DATABASE_URL the service runs alone: orders are serialized in
// the process, deliveries are reconciled before they are answered, and
// the poller starts a day back at each start. With it, every replica
// shares PostgreSQL: a verified delivery or callback becomes a durable job
// ("reconcile order N", pgstore.Jobs on River) and is answered at once;
// any replica runs it, retrying with backoff while it fails. Work on one
// order is serialized across replicas by advisory locks (pgstore.Locker),
// one replica polls at a time (ordermgmt.Lead; another takes over when it
// dies) and only queues what it finds, and the poller's watermark is
// stored (pgstore.Checkpoint), so a restart resumes where the last poll
// ended. The tables are created or updated at start (pgstore.Migrate).
//
// Every verified webhook delivery is answered 2xx (an order that cannot be
// reconciled or queued at once is left to its job or to the poller), so
// this service's trouble never makes WooCommerce disable the webhook. The service checks the
// webhook anyway: a disabled one is logged (the poller carries the load
// meanwhile) and, with WC_WEBHOOK_REACTIVATE=1, set active again.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/ordermgmt/pgstore"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	demo := flag.Bool("demo", false, "run against in-process servers, drive a few orders, and exit")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *demo {
		err = runDemo(ctx, log)
	} else {
		var cfg *config
		if cfg, err = configFromEnv(); err == nil {
			err = serve(ctx, cfg, log, nil)
		}
	}
	if err != nil {
		log.Error("webhookserver stopped", "error", err)
		os.Exit(1)
	}
}

// config is the service's configuration.
type config struct {
	addr           string
	wc             *woocommerce.Client
	dc             *dintero.Client
	webhookSecret  string
	callbackSecret string
	// unsigned is the explicit choice to take Dintero callbacks without a
	// signature (DINTERO_CALLBACKS_UNSIGNED=1), for an account that has no
	// callback secret yet.
	unsigned bool
	// publicURL is the service's base URL as Dintero calls it: the
	// verifier signs its host, never the request's Host header.
	publicURL    string
	accountID    string
	pollInterval time.Duration
	// checkInterval is how often the webhooks are checked; reactivate
	// sets a disabled one active again.
	checkInterval time.Duration
	reactivate    bool
	// databaseURL, when set, puts locks, jobs and the poller's checkpoint
	// in PostgreSQL, for several replicas; storeName names the store there.
	databaseURL, storeName string
	// webhookURL is the delivery URL the store's webhook has, when it is
	// not PUBLIC_URL + /hooks/woocommerce (a proxy rewrites the path).
	webhookURL string
}

// Limits of the service: a delivery is an order's JSON (a large order is
// well under 1 MiB); no more than maxConcurrent orders are worked on at
// once, and only once a delivery is verified (WithMaxConcurrent), so that
// unauthenticated connections cannot take the slots; and no more than
// maxConns connections are open, each phase of each one timed out.
const (
	maxBodyBytes  = 1 << 20
	maxConcurrent = 64
	maxConns      = 1024
)

func configFromEnv() (*config, error) {
	need := func(k string) (string, error) {
		if v := os.Getenv(k); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%s is not set", k)
	}
	var missing []error
	get := func(k string) string {
		v, err := need(k)
		if err != nil {
			missing = append(missing, err)
		}
		return v
	}
	cfg := &config{addr: os.Getenv("ADDR"), pollInterval: time.Minute, callbackSecret: os.Getenv("DINTERO_CALLBACK_SECRET"),
		unsigned: os.Getenv("DINTERO_CALLBACKS_UNSIGNED") == "1", publicURL: os.Getenv("PUBLIC_URL"),
		checkInterval: 5 * time.Minute, reactivate: os.Getenv("WC_WEBHOOK_REACTIVATE") == "1",
		databaseURL: os.Getenv("DATABASE_URL"), storeName: os.Getenv("STORE_NAME")}
	switch {
	case cfg.callbackSecret == "" && !cfg.unsigned:
		missing = append(missing, errors.New("DINTERO_CALLBACK_SECRET is not set (or set DINTERO_CALLBACKS_UNSIGNED=1 to take unsigned callbacks, knowingly)"))
	case cfg.callbackSecret != "" && cfg.publicURL == "":
		missing = append(missing, errors.New("PUBLIC_URL is not set (the base URL Dintero calls, such as https://hooks.shop.example)"))
	}
	wcURL, wcKey, wcSecret := get("WC_URL"), get("WC_KEY"), get("WC_SECRET")
	cfg.webhookSecret = get("WC_WEBHOOK_SECRET")
	cfg.accountID = get("DINTERO_ACCOUNT_ID")
	clientID, clientSecret := get("DINTERO_CLIENT_ID"), get("DINTERO_CLIENT_SECRET")
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	if v := os.Getenv("POLL_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("POLL_INTERVAL %q is not a positive duration", v)
		}
		cfg.pollInterval = d
	}
	if v := os.Getenv("WEBHOOK_CHECK_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("WEBHOOK_CHECK_INTERVAL %q is not a positive duration", v)
		}
		cfg.checkInterval = d
	}
	if cfg.storeName == "" && cfg.databaseURL != "" {
		cfg.storeName = storeNameOf(wcURL)
		if cfg.storeName == "" {
			return nil, fmt.Errorf("STORE_NAME is not set, and WC_URL %q names no host to take it from", wcURL)
		}
	}
	if v := os.Getenv("WC_WEBHOOK_URL"); v != "" {
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return nil, fmt.Errorf("WC_WEBHOOK_URL %q is not an absolute URL", v)
		}
		cfg.webhookURL = v
	}
	var err error
	if cfg.wc, err = woocommerce.New(wcURL, wcKey, wcSecret); err != nil {
		return nil, err
	}
	dopts := []dintero.Option{dintero.WithSystem("woocommerce", "")}
	if u := os.Getenv("DINTERO_URL"); u != "" {
		// Another Dintero than the real one: dinterotest in tests.
		dopts = append(dopts, dintero.WithCheckoutURL(u), dintero.WithAPIURL(u))
	}
	if cfg.dc, err = dintero.New(cfg.accountID, clientID, clientSecret, dopts...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// storeNameOf names a store by its URL's host and path: two stores of one
// WordPress multisite (shop.example/no/ and shop.example/se/) share a host,
// and must not share locks, jobs or a checkpoint.
func storeNameOf(wcURL string) string {
	u, err := url.Parse(wcURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Host) + strings.TrimSuffix(u.EscapedPath(), "/")
}

// serve runs the service until ctx ends, then shuts down gracefully:
// deliveries under way finish, the poller stops. ready, if set, receives
// the listening address.
func serve(ctx context.Context, cfg *config, log *slog.Logger, ready chan<- string) error {
	opts := []ordermgmt.Option{ordermgmt.WithLogger(log), ordermgmt.WithMaxConcurrent(maxConcurrent)}
	var shared *replicas
	if cfg.databaseURL != "" {
		var err error
		if shared, err = openReplicas(ctx, cfg, log); err != nil {
			return err
		}
		defer shared.pool.Close()
		opts = append(opts, ordermgmt.WithLocker(shared.locker), ordermgmt.WithQueue(shared.jobs.Queue(cfg.storeName)))
		log.Info("replicas share PostgreSQL", "store", cfg.storeName)
	}
	engine, err := ordermgmt.New(cfg.wc, cfg.dc, opts...)
	if err != nil {
		return err
	}
	if shared != nil {
		// Jobs run from here on, also those queued while no replica ran.
		if err := shared.jobs.Handle(cfg.storeName, engine); err != nil {
			return err
		}
		if err := shared.jobs.Start(ctx); err != nil {
			return err
		}
		defer func() {
			stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			shared.jobs.Stop(stop) // a job cut short runs again, here or elsewhere
		}()
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String() // the demo: nothing in front
	}
	webhooks, err := engine.WebhookHandler(cfg.webhookSecret)
	if err != nil {
		ln.Close()
		return err
	}
	var callbacks http.Handler
	if cfg.unsigned && cfg.callbackSecret == "" { // a secret, when given, wins
		callbacks = engine.UnsignedCallbackHandler()
	} else {
		pub, err := url.Parse(publicURL)
		if err != nil {
			ln.Close()
			return fmt.Errorf("PUBLIC_URL: %w", err)
		}
		if callbacks, err = engine.CallbackHandler(&dintero.CallbackVerifier{Secret: []byte(cfg.callbackSecret),
			AccountID: cfg.accountID, PublicURL: pub}); err != nil {
			ln.Close()
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/woocommerce", logged(log, "woocommerce", limited(webhooks)))
	mux.Handle("/hooks/dintero", logged(log, "dintero", limited(callbacks)))
	ln = &connLimit{Listener: ln, slots: make(chan struct{}, maxConns)}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })

	srv := newHTTPServer(mux)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}

	pollCtx, stopPoll := context.WithCancel(ctx)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		deliveryURL := cfg.webhookURL
		if deliveryURL == "" {
			deliveryURL = strings.TrimSuffix(publicURL, "/") + "/hooks/woocommerce"
		}
		// What the leader does: poll, and look after the webhook (one
		// replica is enough for either).
		poll := func(ctx context.Context) {
			var watched sync.WaitGroup
			watched.Add(1)
			go func() {
				defer watched.Done()
				watchWebhooks(ctx, engine, deliveryURL, cfg, log)
			}()
			defer watched.Wait()
			pc := ordermgmt.PollerConfig{Since: time.Now().Add(-24 * time.Hour), Interval: cfg.pollInterval, Overlap: 5 * time.Minute,
				Concurrency: 8, OnError: func(err error) { log.Warn("poll", "error", err) }}
			if shared != nil {
				pc.Checkpoint = shared.checkpoint
				log.Info("this replica polls")
			}
			engine.RunPollerWith(ctx, pc)
		}
		if shared == nil {
			poll(pollCtx)
			return
		}
		ordermgmt.Lead(pollCtx, shared.locker, "poller", poll, func(err error) {
			log.Warn("cannot take the poller's lock; no replica may be polling", "error", err)
		})
	}()

	select {
	case err := <-errc:
		stopPoll()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	stopPoll()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	<-polled
	return err
}

// watchWebhooks checks the store's order webhooks shortly after the start
// and then every checkInterval until ctx ends, and says so when one is not active: the
// poller carries its load meanwhile.
func watchWebhooks(ctx context.Context, engine *ordermgmt.Engine, deliveryURL string, cfg *config, log *slog.Logger) {
	interval := cfg.checkInterval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	// The first check waits a little: a service and its webhook are often
	// set up together.
	select {
	case <-ctx.Done():
		return
	case <-time.After(min(interval, 10*time.Second)):
	}
	for {
		h, err := engine.CheckWebhooks(ctx, deliveryURL, cfg.reactivate)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("checking the store's webhooks failed; the next check retries", "error", err)
		case err == nil && h.Healthy():
			log.Debug("webhooks", "state", h.String())
		case err == nil:
			log.Warn("webhooks", "state", h.String(), "poll_interval", cfg.pollInterval.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// newHTTPServer bounds every phase of a connection: a client that stalls
// its headers, its body or its reading of the answer, or idles, is cut.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 32 << 10}
}

// limited bounds a handler's body to maxBodyBytes; a declared larger one
// is refused before anything is read.
func limited(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

// connLimit closes connections beyond its slots at once, so that stalled
// clients cannot hold an unbounded number of them.
type connLimit struct {
	net.Listener
	slots chan struct{}
}

func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			c.Close()
		}
	}
}

type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// logged logs each delivery's outcome: source, status and duration.
func logged(log *slog.Logger, source string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		log.Log(r.Context(), level, "delivery", "source", source, "status", rec.status, "duration", time.Since(start).Round(time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// replicas is what several replicas share in PostgreSQL.
type replicas struct {
	pool       *pgxpool.Pool
	locker     *pgstore.Locker
	checkpoint *pgstore.Checkpoint
	jobs       *pgstore.Jobs
}

// jobWorkers is how many orders' jobs one replica runs at once; each holds
// a connection for its order's lock.
const jobWorkers = 32

// openReplicas connects to DATABASE_URL with a connection per job worker
// and some to spare (River's own, and queuing), migrates the tables, and
// makes the lock, the checkpoint and the job queue of the store.
func openReplicas(ctx context.Context, cfg *config, log *slog.Logger) (*replicas, error) {
	pc, err := pgxpool.ParseConfig(cfg.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	pc.MaxConns = jobWorkers + 16
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	r := &replicas{pool: pool}
	if err = pgstore.Migrate(ctx, pool); err == nil {
		if r.locker, err = pgstore.NewLocker(pool, pgstore.WithStore(cfg.storeName)); err == nil {
			if r.checkpoint, err = pgstore.NewCheckpoint(pool, cfg.storeName); err == nil {
				// River reports its routine (job counts every few seconds)
				// at Info; the service's log keeps its warnings and errors.
				quiet := slog.New(atLeast{Handler: log.Handler(), min: slog.LevelWarn})
				r.jobs, err = pgstore.NewJobs(pool, pgstore.JobsConfig{Workers: jobWorkers, Logger: quiet})
			}
		}
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return r, nil
}

// atLeast passes on records of level min and above only.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(attrs []slog.Attr) slog.Handler {
	return atLeast{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h atLeast) WithGroup(name string) slog.Handler {
	return atLeast{Handler: h.Handler.WithGroup(name), min: h.min}
}
