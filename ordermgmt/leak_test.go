package ordermgmt_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

var leakRetry = dintero.RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNoSecretsLeak runs the flows, failures included, with every logger
// at debug level, and checks that neither the logs nor any error text
// holds a secret, a token or an Authorization header.
func TestNoSecretsLeak(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := wctest.NewServer()
	defer store.Close()
	dt := dinterotest.NewServer(dinterotest.WithCallbackSecret([]byte(callbackSecret)))
	defer dt.Close()
	key, secret := store.Key()
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	ctx := context.Background()
	clients := map[string]*woocommerce.Client{}
	for name, mode := range map[string]woocommerce.AuthMode{"basic": woocommerce.AuthBasic, "query": woocommerce.AuthQueryString} {
		c, err := woocommerce.New(store.URL, key, secret, woocommerce.WithAuth(mode), woocommerce.WithLogger(log), woocommerce.WithRetry(woocommerce.RetryPolicy(leakRetry)))
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}
	oauthStore := wctest.NewServer(wctest.WithoutSSL())
	defer oauthStore.Close()
	oauth, _ := woocommerce.New(oauthStore.URL, key, secret, woocommerce.WithLogger(log))
	_, _, err := oauth.Orders.List(ctx, nil)
	note(err)
	dc, err := dintero.New(dt.AccountID(), dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
		dintero.WithCheckoutURL(dt.URL), dintero.WithAPIURL(dt.URL), dintero.WithLogger(log), dintero.WithRetry(leakRetry))
	if err != nil {
		t.Fatal(err)
	}
	for _, wc := range clients {
		engine, _ := ordermgmt.New(wc, dc, ordermgmt.WithLogger(log))
		mux := http.NewServeMux()
		hooks := httptest.NewServer(mux)
		mux.Handle("/cb", callbackHandler(t, engine, dt.AccountID(), hooks.URL))
		mux.Handle("/wc", webhookHandler(t, engine))
		_, _, err := wc.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated", DeliveryURL: hooks.URL + "/wc", Secret: webhookSecret})
		note(err)
		o := store.SeedOrder(nokOrder())
		session, _ := ordermgmt.SessionOrder(o)
		created, _, err := dc.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{ProfileID: "p", Order: session,
			URL: dintero.SessionURLs{ReturnURL: "https://r", CallbackURL: hooks.URL + "/cb"}}, nil)
		note(err)
		dt.Pay(ctx, created.ID, dinterotest.Authorized)
		dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{DropAfterCommit: true, Times: 1})
		_, err = engine.Capture(ctx, o.ID)
		note(err)
		dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 400, Times: 1})
		_, err = engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("10")})
		note(err)
		dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 1})
		_, err = engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("10")})
		note(err)
		_, err = engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[0].ID, Quantity: 1}}})
		note(err)
		store.InjectFault(wctest.RouteGetOrder, wctest.Fault{Status: 503})
		_, err = engine.Reconcile(ctx, o.ID)
		note(err)
		store.ClearFaults()
		store.SetStatus(o.ID, woocommerce.StatusRefunded)
		store.WaitWebhooks()
		hooks.Close()
	}
	dt.ExpireTokens()
	_, _, err = dc.Transactions.List(ctx, nil)
	note(err)
	bad, _ := dintero.New(dt.AccountID(), dinterotest.DefaultClientID, "wrong-"+dinterotest.DefaultClientSecret,
		dintero.WithCheckoutURL(dt.URL), dintero.WithAPIURL(dt.URL), dintero.WithLogger(log))
	_, _, err = bad.Transactions.Get(ctx, "x", nil)
	note(err)
	badWC, _ := woocommerce.New(store.URL, key, "cs_wrong_"+secret, woocommerce.WithAuth(woocommerce.AuthQueryString), woocommerce.WithLogger(log))
	_, _, err = badWC.Orders.Get(ctx, 1, nil)
	note(err)
	// An error page that echoes the request: its URL (the query-string
	// credentials), its Authorization header, and the key and secret as a
	// misconfigured proxy might write them (security review, finding 6).
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html>Bad gateway for %s (auth %q, %s)</html>", r.URL.String(), r.Header.Get("Authorization"), r.URL.Query().Get("consumer_secret"))
	}))
	defer echo.Close()
	for _, mode := range []woocommerce.AuthMode{woocommerce.AuthBasic, woocommerce.AuthQueryString} {
		c, _ := woocommerce.New(echo.URL, key, secret, woocommerce.WithAuth(mode), woocommerce.WithLogger(log), woocommerce.WithRetry(woocommerce.RetryPolicy(leakRetry)))
		_, _, err := c.Orders.Get(ctx, 1, nil)
		note(err)
	}
	echoDt, _ := dintero.New(dt.AccountID(), dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
		dintero.WithCheckoutURL(echo.URL), dintero.WithAPIURL(echo.URL), dintero.WithLogger(log), dintero.WithRetry(leakRetry))
	_, _, err = echoDt.Transactions.Get(ctx, "x", nil)
	note(err)
	// A webhook update refused before sending: its request holds the
	// secret.
	_, _, err = clients["basic"].Webhooks.Update(ctx, 0, &woocommerce.WebhookRequest{Secret: webhookSecret})
	note(err)
	// A WAF page echoing the request body of a webhook create.
	waf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<html>Request blocked: %s</html>", b)
	}))
	defer waf.Close()
	wafClient, _ := woocommerce.New(waf.URL, key, secret, woocommerce.WithLogger(log))
	_, _, err = wafClient.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated", DeliveryURL: "https://x.example/h", Secret: webhookSecret})
	note(err)
	// A mistyped store URL carrying credentials.
	_, err = woocommerce.New("https://"+key+":"+secret+"@shop example/?consumer_secret="+secret, key, secret)
	note(err)
	// Printed and logged values: clients, the signer, requests, verifiers.
	verifier := &dintero.CallbackVerifier{Secret: []byte(callbackSecret), AccountID: dt.AccountID(), PublicURL: &url.URL{Scheme: "https", Host: "shop.example"}}
	signer := woocommerce.OAuthSigner{ConsumerKey: key, ConsumerSecret: secret}
	hook := woocommerce.WebhookRequest{Topic: "order.updated", Secret: webhookSecret}
	for _, v := range []any{clients["basic"], clients["query"], oauth, dc, *clients["basic"], *dc, verifier, *verifier, signer, &signer, hook, &hook} {
		errs = append(errs, fmt.Sprintf("%v | %+v | %#v | %s", v, v, v, v))
		log.Info("value", "v", v)
	}
	if len(errs) < 5 {
		t.Fatalf("the flows produced only %d errors; the test would prove little", len(errs))
	}
	if !strings.Contains(logs.String(), `"op":"dintero.Transactions.Capture"`) {
		t.Fatal("debug logs are empty; the test would prove little")
	}
	secrets := []string{
		dinterotest.DefaultClientSecret, secret, webhookSecret, callbackSecret,
		base64.StdEncoding.EncodeToString([]byte(key + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(dinterotest.DefaultClientID + ":" + dinterotest.DefaultClientSecret)),
		"Authorization", "Bearer ", "Basic ", "dt_", "consumer_secret=cs", "oauth_signature=",
	}
	all := logs.String() + "\n" + strings.Join(errs, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			i := strings.Index(all, s)
			t.Errorf("%q leaks: …%s…", s, all[max(0, i-80):min(len(all), i+80)])
		}
	}
}
