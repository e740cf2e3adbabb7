package woocommerce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A store that redirects from https to http on the same host gets no
// credentials over plain http: the redirect is an error naming where it
// pointed, and nothing is sent there (security review, finding 5).
func TestRedirectNeverFollowed(t *testing.T) {
	t.Parallel()
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		w.Write([]byte("[]"))
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path+"?"+r.URL.RawQuery, http.StatusMovedPermanently)
	}))
	defer secure.Close()
	for _, mode := range []AuthMode{AuthBasic, AuthQueryString} {
		c, err := New(secure.URL, ckKey, csSecret, WithAuth(mode), WithHTTPClient(secure.Client()))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Orders.List(context.Background(), nil)
		if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), plain.URL+"/wp-json/wc/v3/orders") {
			t.Fatalf("%v: err = %v", mode, err)
		}
		if strings.Contains(err.Error(), csSecret) || strings.Contains(err.Error(), "consumer_") {
			t.Fatalf("%v: the error shows credentials: %v", mode, err)
		}
	}
	if n := plainHits.Load(); n != 0 {
		t.Fatalf("%d requests followed the redirect to plain http", n)
	}
}

// Plain http is refused for a remote store unless the caller opts in;
// loopback is allowed (security review, finding 4).
func TestPlainHTTPOnlyOnLoopbackOrOptIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		opts []Option
		ok   bool
	}{
		{"http://shop.example", nil, false},
		{"http://shop.example", []Option{WithAuth(AuthBasic)}, false},
		{"http://10.0.0.7:8080/shop", []Option{WithAuth(AuthQueryString)}, false},
		{"http://shop.example", []Option{WithInsecureHTTP()}, true},
		{"http://127.0.0.1:8080", nil, true},
		{"http://[::1]:8080", nil, true},
		{"http://localhost", nil, true},
		{"http://shop.localhost", nil, false}, // resolved by DNS, sent through proxies
		{"https://shop.example", nil, true},
	} {
		_, err := New(tc.url, ckKey, csSecret, tc.opts...)
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, ErrInsecureURL) {
			t.Errorf("%s: err = %v", tc.url, err)
		}
	}
}

// An unsigned delivery larger than a ping is refused before its body is
// read: unauthenticated uploads cost nothing (security review, finding 8).
func TestUnsignedDeliveryRefusedUnread(t *testing.T) {
	t.Parallel()
	h, err := WebhookHandler("secret", func(context.Context, *Delivery) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	body := &countingReader{r: strings.NewReader(strings.Repeat("x", 1<<20))}
	r := httptest.NewRequest(http.MethodPost, "/wc", body)
	r.ContentLength = 1 << 20
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusUnauthorized || body.n != 0 {
		t.Fatalf("answered %d after reading %d bytes", rec.Code, body.n)
	}
	// A ping still works.
	ping := httptest.NewRequest(http.MethodPost, "/wc", strings.NewReader("webhook_id=12"))
	ping.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, ping)
	if rec.Code != http.StatusOK {
		t.Fatalf("ping: %d", rec.Code)
	}
}

type countingReader struct {
	r *strings.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
