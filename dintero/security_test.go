package dintero

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// Plain http is refused for a remote host unless the caller opts in;
// loopback is allowed (security review, finding 4).
func TestPlainHTTPOnlyOnLoopbackOrOptIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts []Option
		ok   bool
	}{
		{[]Option{WithCheckoutURL("http://checkout.example/v1/")}, false},
		{[]Option{WithAPIURL("http://api.example/v1/")}, false},
		{[]Option{WithCheckoutURL("http://checkout.example/v1/"), WithAPIURL("http://api.example/v1/"), WithInsecureHTTP()}, true},
		{[]Option{WithCheckoutURL("http://127.0.0.1:9/v1/"), WithAPIURL("http://127.0.0.1:9/v1/")}, true},
		{nil, true},
	} {
		_, err := New(testAccount, testID, testSecret, tc.opts...)
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, ErrInsecureURL) {
			t.Errorf("%v: err = %v", tc.opts, err)
		}
	}
}

// The token request carries the client credentials: a redirect, even to
// the same host, is an error, and they go nowhere else (finding 5).
func TestTokenRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, err := New(testAccount, testID, testSecret, WithCheckoutURL(srv.URL+"/v1/"), WithAPIURL(srv.URL+"/v1/"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Transactions.Get(context.Background(), "T1", nil)
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), other.URL) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("err = %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("%d requests followed the redirect", n)
	}
}

// An account webhook verified with an empty secret would accept anything
// signed with the empty key (fourth review).
func TestAccountWebhookEmptySecretRefused(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"x"}`)
	m := hmac.New(sha1.New, nil)
	m.Write(body)
	if err := VerifyWebhookSignature(nil, body, hex.EncodeToString(m.Sum(nil))); !errors.Is(err, ErrVerifierConfig) {
		t.Fatalf("err = %v", err)
	}
}
