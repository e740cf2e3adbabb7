package woocommerce

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// The expected values below were computed outside this code, following
// WooCommerce's server check (class-wc-rest-authentication.php) by hand:
//
//  1. take every parameter except oauth_signature, decoded;
//  2. sort the keys by bytes: after, oauth_consumer_key, oauth_nonce,
//     oauth_signature_method, oauth_timestamp, search, status;
//  3. rawurlencode key and value (RFC 3986: space -> %20, ~ kept,
//     "," -> %2C, ":" -> %3A) and join them with "=";
//  4. rawurlencode each pair again ("=" -> %3D, "%" -> %25) and join the
//     pairs with "%26";
//  5. base = "GET&" + rawurlencode("https://shop.example/wp-json/wc/v3/orders")
//     + "&" + pairs;
//  6. HMAC-SHA256 with key "cs_test&", base64.
//
// (Computed with Python's hmac, base64 and urllib.parse.quote(safe="-._~"),
// which is PHP's rawurlencode.)
const vectorBase = "GET&https%3A%2F%2Fshop.example%2Fwp-json%2Fwc%2Fv3%2Forders&" +
	"after%3D2026-11-01T00%253A00%253A00%26oauth_consumer_key%3Dck_test%26oauth_nonce%3Dabc123~x%26" +
	"oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1764410400%26search%3Djohn%2520doe%26" +
	"status%3Dprocessing%252Con-hold"

func vectorParams(method SignatureMethod) url.Values {
	return url.Values{
		"status": {"processing,on-hold"}, "search": {"john doe"}, "after": {"2026-11-01T00:00:00"},
		"oauth_consumer_key": {"ck_test"}, "oauth_timestamp": {"1764410400"}, "oauth_nonce": {"abc123~x"},
		"oauth_signature_method": {string(method)},
	}
}

func TestOAuthVector(t *testing.T) {
	const site = "https://shop.example/wp-json/wc/v3/orders"
	if got := OAuthBaseString("GET", site, vectorParams(HMACSHA256)); got != vectorBase {
		t.Errorf("base string\n got %s\nwant %s", got, vectorBase)
	}
	if got := OAuthSignature("cs_test", HMACSHA256, "GET", site, vectorParams(HMACSHA256)); got != "GO3Oz7khoCKk8HD69oOPMCaeGGgM07hXH3jv+HRKhbI=" {
		t.Errorf("HMAC-SHA256 signature = %s", got)
	}
	if got := OAuthSignature("cs_test", HMACSHA1, "GET", site, vectorParams(HMACSHA1)); got != "nkrwBqAM7v81MmBaz0nXFN0cH90=" {
		t.Errorf("HMAC-SHA1 signature = %s", got)
	}
	// oauth_signature itself is never part of what is signed.
	p := vectorParams(HMACSHA256)
	p.Set("oauth_signature", "whatever")
	if got := OAuthBaseString("GET", site, p); got != vectorBase {
		t.Error("oauth_signature was signed")
	}
}

func TestOAuthVectorSpecialCharacters(t *testing.T) {
	// Unicode, "+", "/", "~", "*" and a space in the secret, on a www host
	// with PUT. Computed as above.
	p := url.Values{"search": {"Æøå + / ~ *"}, "oauth_consumer_key": {"ck_test"}, "oauth_timestamp": {"1764410400"},
		"oauth_nonce": {"n1"}, "oauth_signature_method": {"HMAC-SHA256"}}
	const site = "http://www.shop.example/wp-json/wc/v3/orders/42"
	wantBase := "PUT&http%3A%2F%2Fwww.shop.example%2Fwp-json%2Fwc%2Fv3%2Forders%2F42&oauth_consumer_key%3Dck_test%26" +
		"oauth_nonce%3Dn1%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1764410400%26" +
		"search%3D%25C3%2586%25C3%25B8%25C3%25A5%2520%252B%2520%252F%2520~%2520%252A"
	if got := OAuthBaseString("put", site, p); got != wantBase {
		t.Errorf("base\n got %s\nwant %s", got, wantBase)
	}
	if got := OAuthSignature("cs_te st", HMACSHA256, "PUT", site, p); got != "P1HSQucDNkrcCDIfiuTkGdojdDho80EL1BEmQ27QWQs=" {
		t.Errorf("signature = %s", got)
	}
}

func TestRawURLEncode(t *testing.T) {
	for in, want := range map[string]string{
		"john doe": "john%20doe", "a+b": "a%2Bb", "~-._": "~-._", "a/b": "a%2Fb", "*": "%2A", "æ": "%C3%A6", "a,b": "a%2Cb",
	} {
		if got := rawURLEncode(in); got != want {
			t.Errorf("rawURLEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignerAddsParameters(t *testing.T) {
	s := &OAuthSigner{ConsumerKey: "ck_test", ConsumerSecret: "cs_test",
		Now: func() time.Time { return time.Unix(1764410400, 0) }, Nonce: func() string { return "abc123~x" }}
	u, _ := url.Parse("https://shop.example/wp-json/wc/v3/orders?status=processing,on-hold&search=john+doe&after=2026-11-01T00:00:00")
	s.Sign("GET", u)
	q := u.Query()
	if q.Get("oauth_signature") != "GO3Oz7khoCKk8HD69oOPMCaeGGgM07hXH3jv+HRKhbI=" || q.Get("oauth_signature_method") != "HMAC-SHA256" {
		t.Errorf("signed query: %s", u.RawQuery)
	}
	// The query sent encodes spaces as %20 and keeps the signature's "+"
	// as %2B, so PHP decodes exactly what was signed.
	if want := "search=john%20doe"; !strings.Contains(u.RawQuery, want) || !strings.Contains(u.RawQuery, "%2BHRKhbI%3D") {
		t.Errorf("raw query %s", u.RawQuery)
	}
}
