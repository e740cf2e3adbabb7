package dintero

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// The vector published in Dintero's "validating callbacks" documentation.
const (
	vectorSecret    = "123"
	vectorTime      = 1582236537
	vectorAccount   = "P00000000"
	vectorURL       = "https://example.com/callback?B=123&A=992"
	vectorSignature = "6bed2ab1b919d460ef7465a20dc6c97260dca73fab6647106ca525f0908df64a"
)

func vectorVerifier() *CallbackVerifier {
	public, _ := url.Parse(vectorURL)
	return &CallbackVerifier{Secret: []byte(vectorSecret), AccountID: vectorAccount, PublicURL: public,
		Now: func() time.Time { return time.Unix(vectorTime+30, 0) }}
}

func signedRequest(method, target, header string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	if header != "" {
		r.Header.Set(SignatureHeader, header)
	}
	return r
}

func TestCallbackSignatureDocumentedVector(t *testing.T) {
	r := signedRequest("GET", vectorURL, "t=1582236537,v0-hmac-sha256="+vectorSignature)
	if err := vectorVerifier().Verify(r); err != nil {
		t.Fatalf("documented vector rejected: %v", err)
	}
	u, _ := url.Parse(vectorURL)
	if got := SignCallback([]byte(vectorSecret), vectorAccount, "GET", u, time.Unix(vectorTime, 0)); got != "t=1582236537,v0-hmac-sha256="+vectorSignature {
		t.Errorf("SignCallback = %s", got)
	}
	if got := sortedQuery("B=123&A=992"); got != "A=992&B=123" {
		t.Errorf("sorted query = %q", got)
	}
}

func TestCallbackSignatureTampering(t *testing.T) {
	good := "t=1582236537,v0-hmac-sha256=" + vectorSignature
	tests := []struct {
		name   string
		method string
		target string
		header string
		now    int64
		want   error
	}{
		{"port ignored", "GET", "https://example.com:8443/callback?B=123&A=992", good, vectorTime, nil},
		{"query order ignored", "GET", "https://example.com/callback?A=992&B=123", good, vectorTime, nil},
		{"second signature matches", "GET", vectorURL, "t=1582236537,v0-hmac-sha256=00ff,v0-hmac-sha256=" + vectorSignature, vectorTime, nil},
		{"upper-case hex", "GET", vectorURL, "t=1582236537,v0-hmac-sha256=6BED2AB1B919D460EF7465A20DC6C97260DCA73FAB6647106CA525F0908DF64A", vectorTime, nil},
		{"path", "GET", "https://example.com/callbacks?B=123&A=992", good, vectorTime, ErrSignatureInvalid},
		{"query value", "GET", "https://example.com/callback?B=124&A=992", good, vectorTime, ErrSignatureInvalid},
		{"query added", "GET", vectorURL + "&C=1", good, vectorTime, ErrSignatureInvalid},
		{"method", "POST", vectorURL, good, vectorTime, ErrSignatureInvalid},
		{"timestamp", "GET", vectorURL, "t=1582236538,v0-hmac-sha256=" + vectorSignature, vectorTime, ErrSignatureInvalid},
		{"signature", "GET", vectorURL, "t=1582236537,v0-hmac-sha256=" + vectorSignature[:63] + "b", vectorTime, ErrSignatureInvalid},
		{"not hex", "GET", vectorURL, "t=1582236537,v0-hmac-sha256=zz", vectorTime, ErrSignatureInvalid},
		{"no v0", "GET", vectorURL, "t=1582236537,v1-hmac-sha512=abc", vectorTime, ErrSignatureInvalid},
		{"no t", "GET", vectorURL, "v0-hmac-sha256=" + vectorSignature, vectorTime, ErrSignatureInvalid},
		{"bad t", "GET", vectorURL, "t=yesterday,v0-hmac-sha256=" + vectorSignature, vectorTime, ErrSignatureInvalid},
		{"missing", "GET", vectorURL, "", vectorTime, ErrSignatureMissing},
		{"stale", "GET", vectorURL, good, vectorTime + 301, ErrSignatureExpired},
		{"from the future", "GET", vectorURL, good, vectorTime - 301, ErrSignatureExpired},
		{"edge of tolerance", "GET", vectorURL, good, vectorTime + 300, nil},
	}
	for _, tt := range tests {
		v := vectorVerifier()
		v.Now = func() time.Time { return time.Unix(tt.now, 0) }
		err := v.Verify(signedRequest(tt.method, tt.target, tt.header))
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	v := vectorVerifier()
	v.Secret = []byte("124")
	if err := v.Verify(signedRequest("GET", vectorURL, good)); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	v = vectorVerifier()
	v.AccountID = "P00000001"
	if err := v.Verify(signedRequest("GET", vectorURL, good)); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("wrong account: %v", err)
	}
}

// The host signed is the PublicURL's, never the request's Host header,
// which whoever sends the request chooses (security review, finding 7):
// behind a proxy the callback verifies, and a verifier for another host
// refuses it.
func TestCallbackSignatureHostIsThePublicURLs(t *testing.T) {
	r := signedRequest("GET", "http://10.0.0.7:8080/callback?B=123&A=992", "t=1582236537,v0-hmac-sha256="+vectorSignature)
	v := vectorVerifier()
	if err := v.Verify(r); err != nil {
		t.Errorf("behind a proxy: %v", err)
	}
	v.PublicURL, _ = url.Parse("https://evil.example.com/callback")
	if err := v.Verify(signedRequest("GET", vectorURL, "t=1582236537,v0-hmac-sha256="+vectorSignature)); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("signed for another host: %v", err)
	}
}

// A verifier that cannot verify safely refuses everything, with a reason
// (finding 7): an empty secret would accept anything signed with the
// empty key, and without PublicURL only the Host header would name the
// host.
func TestCallbackVerifierNeedsSecretAndPublicURL(t *testing.T) {
	good := "t=1582236537,v0-hmac-sha256=" + vectorSignature
	for name, breakIt := range map[string]func(*CallbackVerifier){
		"empty secret": func(v *CallbackVerifier) { v.Secret = nil },
		"no account":   func(v *CallbackVerifier) { v.AccountID = "" },
		"no PublicURL": func(v *CallbackVerifier) { v.PublicURL = nil },
	} {
		v := vectorVerifier()
		breakIt(v)
		if err := v.Verify(signedRequest("GET", vectorURL, good)); !errors.Is(err, ErrVerifierConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An empty secret refuses even what is signed with the empty key.
	v := vectorVerifier()
	v.Secret = []byte{}
	u, _ := url.Parse(vectorURL)
	forged := SignCallback(nil, vectorAccount, "GET", u, time.Unix(vectorTime, 0))
	if err := v.Verify(signedRequest("GET", vectorURL, forged)); err == nil {
		t.Error("a callback signed with the empty key was accepted")
	}
}

func TestWHATWGQuerySerialisation(t *testing.T) {
	// Expected strings are what `new URLSearchParams(q); p.sort(); p.toString()`
	// gives in a browser.
	tests := map[string]string{
		"b=2&a=1&a=0":                   "a=1&a=0&b=2",
		"x=a%20b":                       "x=a+b",
		"x=a+b":                         "x=a+b",
		"x=%7E*":                        "x=%7E*",
		"x=~":                           "x=%7E",
		"x=%2a":                         "x=*",
		"x=%C3%A6%C3%B8":                "x=%C3%A6%C3%B8",
		"x=%zz":                         "x=%25zz",
		"k":                             "k=",
		"a=1&&b=2":                      "a=1&b=2",
		"time=2026-11-29T10:00:00.000Z": "time=2026-11-29T10%3A00%3A00.000Z",
		"redirect=https://x.test/a?b=c": "redirect=https%3A%2F%2Fx.test%2Fa%3Fb%3Dc",
		// UTF-16 order: U+1F600 is D83D DE00, before U+FF5E; byte order
		// and code point order would put U+FF5E first.
		"\uFF5E=2&\U0001F600=1": "%F0%9F%98%80=1&%EF%BD%9E=2",
		"report_event=CAPTURE&report_event=REFUND&delay_callback=30": "delay_callback=30&report_event=CAPTURE&report_event=REFUND",
	}
	for in, want := range tests {
		if got := sortedQuery(in); got != want {
			t.Errorf("sortedQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCallback(t *testing.T) {
	r := httptest.NewRequest("GET", "https://shop.test/cb?delay_callback=10&transaction_id=T12345678.abc&sid=T12345678.sess&merchant_reference=wc-1001&time=2026-11-29T10%3A00%3A00.000Z&event=CAPTURE&event_id=e1", nil)
	r.Header.Set("Event-Delivery", "d-1")
	cb, err := ParseCallback(r)
	if err != nil {
		t.Fatal(err)
	}
	want := Callback{TransactionID: "T12345678.abc", SessionID: "T12345678.sess", MerchantReference: "wc-1001",
		Time: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), Event: "CAPTURE", EventID: "e1", DeliveryID: "d-1"}
	if *cb != want {
		t.Errorf("callback = %+v\nwant %+v", *cb, want)
	}
	r = httptest.NewRequest("GET", "https://shop.test/cb?session_id=S&error=cancelled&time=garbage", nil)
	cb, err = ParseCallback(r)
	if err != nil || cb.SessionID != "S" || cb.Error != "cancelled" || !cb.Time.IsZero() {
		t.Errorf("error callback = %+v, %v", cb, err)
	}
	for _, q := range []string{"", "merchant_reference=x", "transaction_id=&session_id="} {
		if _, err := ParseCallback(httptest.NewRequest("GET", "https://shop.test/cb?"+q, nil)); !errors.Is(err, ErrBadCallback) {
			t.Errorf("%q: err = %v", q, err)
		}
	}
}

func TestVerifyWebhookSignature(t *testing.T) {
	secret := []byte("hook-secret")
	body := []byte(`{"event":"checkout_authorization","transaction_id":"T1"}`)
	m := hmac.New(sha1.New, secret)
	m.Write(body)
	sig := hex.EncodeToString(m.Sum(nil))
	if err := VerifyWebhookSignature(secret, body, sig); err != nil {
		t.Fatal(err)
	}
	if err := VerifyWebhookSignature(secret, append(body, ' '), sig); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("changed body: %v", err)
	}
	if err := VerifyWebhookSignature([]byte("other"), body, sig); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := VerifyWebhookSignature(secret, body, "xyz"); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("not hex: %v", err)
	}
	if err := VerifyWebhookSignature(secret, body, ""); !errors.Is(err, ErrSignatureMissing) {
		t.Errorf("missing: %v", err)
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	f.Add("t=1582236537,v0-hmac-sha256=" + vectorSignature)
	f.Add("t=,v0-hmac-sha256=")
	f.Add("t=1,t=2,v0-hmac-sha256=a,v0-hmac-sha256=b")
	f.Add("=,==,,t")
	f.Add("t=-5,v0-hmac-sha256=00")
	f.Fuzz(func(t *testing.T, h string) {
		ts, sigs, err := ParseSignatureHeader(h)
		if err != nil {
			if !errors.Is(err, ErrSignatureInvalid) {
				t.Fatalf("error %v is not ErrSignatureInvalid", err)
			}
			return
		}
		if ts <= 0 || len(sigs) == 0 {
			t.Fatalf("accepted %q with t=%d sigs=%v", h, ts, sigs)
		}
		// Whatever the header, verification must not panic.
		r := signedRequest("GET", vectorURL, h)
		_ = vectorVerifier().Verify(r)
	})
}

func FuzzSortedQuery(f *testing.F) {
	for _, s := range []string{"B=123&A=992", "a=%zz&b=+", "%", "=&=", "\xff=\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		once := sortedQuery(q)
		// Serialising the serialised form again must not change it: the
		// encoder and the parser agree.
		if twice := sortedQuery(once); twice != once {
			t.Fatalf("not stable: %q -> %q -> %q", q, once, twice)
		}
	})
}
