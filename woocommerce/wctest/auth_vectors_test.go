package wctest

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestOAuthCheckAcceptsPHPVectors runs the store's own OAuth check on
// requests signed by PHP 8.2 running WooCommerce's check_oauth_signature
// on $_GET as PHP parsed it (key ck_1, secret cs_secret, nonce abc,
// timestamp 1700000000): one per permalink mode, so that the store and the
// client are each checked against WooCommerce, not against each other.
func TestOAuthCheckAcceptsPHPVectors(t *testing.T) {
	const oa = "oauth_consumer_key=ck_1&oauth_nonce=abc&oauth_signature_method=HMAC-SHA256&oauth_timestamp=1700000000"
	for _, v := range []struct{ name, home, method, target, sig string }{
		{"pretty", "http://example.com/", "GET", "/wp-json/wc/v3/orders?status=processing,on-hold&" + oa, "FxwhEIFz0dA6ehuRop/b6IhnTWNUTNJqjfc9zHd+3Z0="},
		{"pretty, arrays and a space", "http://example.com/", "GET", "/wp-json/wc/v3/orders?include[0]=5&include[1]=7&per_page=100&search=john%20doe&" + oa, "nbzTfojJSaHglTpj8NwlpUFNBIZZ4G12iXBJXb17FrQ="},
		{"pretty, [] keys", "http://example.com/", "GET", "/wp-json/wc/v3/orders?status[]=processing&status[]=on-hold&" + oa, "Cv22xa9cjYRRpQ/BvpUqK9kYyZCrafVIVT+Ma0XnE34="},
		{"repeated and dotted keys", "http://example.com/", "GET", "/wp-json/wc/v3/orders?a=1&a=2&b.c=3&d%20e=4&f[g=5&" + oa, "8ILIdX6poNFlE2PzmMzA1lJZjV1eWZ21HuLo9sYbg+g="},
		{"plain", "https://example.com/", "GET", "/?rest_route=/wc/v3/orders/123&" + oa, "Ng7+JG+0e8GBaA7XrOOsU2DENJ0vMOh/alJ1o87ubXw="},
		{"plain, a write", "https://example.com/", "POST", "/?rest_route=/wc/v3/orders/123/refunds&" + oa, "qJ5tSBHbMcEty37+BwD2TsNI9ShptWDQkuz0zsjREHQ="},
		{"subdirectory, pretty", "https://example.com/shop/", "PUT", "/shop/wp-json/wc/v3/orders/123?" + oa, "z04KagdpyTdDyZIlgEwbhigfup8aMxBjaG4YV5u3lP0="},
		{"subdirectory, plain", "https://example.com/shop/", "GET", "/shop/?rest_route=/wc/v3/orders/123/notes&" + oa, "D5mh9Qal+uRU/qsFlcaSSi6twtzB0edi95Y6hURQ54o="},
		{"custom prefix", "http://example.com/", "DELETE", "/api/wc/v3/orders/123/notes/9?force=true&" + oa, "0iDnGDRvtbjQZ93t0yyX7AmYdOhabgR+WybYR2VU3ck="},
		{"_method, real verb signed", "http://example.com/", "POST", "/wp-json/wc/v3/orders/123?_method=PUT&" + oa, "DTd6V0yykw+rOS4i2C65Lxy9ox4f46PnJeKyZtC1IWk="},
		{"trailing slash", "http://example.com/", "GET", "/wp-json/wc/v3/orders/?" + oa, "g03HkEbA/rUv5eznyILRg9d/RB+75/DTrCbh3wnFqdo="},
		{"non-ASCII, + as space", "http://example.com/", "GET", "/wp-json/wc/v3/orders?search=%C3%A6%C3%B8%C3%A5+%2B%2F~*&" + oa, "htIYVSCDwg58h7kw3h8nFPr5HDU2JDG7X/ewkxwaAKU="},
	} {
		t.Run(v.name, func(t *testing.T) {
			home, _ := url.Parse(v.home)
			s := &Server{home: home, nonces: map[int64]string{}, cfg: config{key: "ck_1", secret: "cs_secret",
				now: func() time.Time { return time.Unix(1700000000, 0) }}}
			r := httptest.NewRequest(v.method, v.target+"&oauth_signature="+url.QueryEscape(v.sig), nil)
			get, post := newPHPVars(), newPHPVars()
			get.parse(r.URL.RawQuery)
			if res := s.authenticate(r, get, post); res.code != "" {
				t.Errorf("refused: %s %s", res.code, res.msg)
			}
			// The same signature in an Authorization header.
			s.nonces = map[int64]string{}
			r = httptest.NewRequest(v.method, v.target, nil)
			q := r.URL.Query()
			h := "OAuth "
			for _, k := range []string{"oauth_consumer_key", "oauth_nonce", "oauth_signature_method", "oauth_timestamp"} {
				h += k + `="` + q.Get(k) + `", `
			}
			r.Header.Set("Authorization", h+`oauth_signature="`+url.QueryEscape(v.sig)+`"`)
			get = newPHPVars()
			get.parse(r.URL.RawQuery)
			if res := s.authenticate(r, get, post); res.code != "" {
				t.Errorf("header form refused: %s %s", res.code, res.msg)
			}
			// A replay is refused.
			if res := s.authenticate(r, get, post); res.msg != "Invalid nonce - nonce has already been used." {
				t.Errorf("replay: %+v", res)
			}
		})
	}
}
