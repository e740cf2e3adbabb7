package woocommerce

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SignatureMethod is an OAuth 1.0a signature method WooCommerce accepts.
type SignatureMethod string

// Signature methods.
const (
	HMACSHA256 SignatureMethod = "HMAC-SHA256"
	HMACSHA1   SignatureMethod = "HMAC-SHA1"
)

// OAuthSigner signs requests with one-legged OAuth 1.0a exactly as
// WooCommerce checks them (class-wc-rest-authentication.php,
// check_oauth_signature):
//
//  1. every query parameter is signed, oauth_* or not, as PHP parsed it
//     ("k[]" keys as an array, the last of repeated keys, "." in a key's
//     name as "_"; see OAuthBaseString);
//  2. top-level keys are sorted by byte order (PHP's strcmp);
//  3. keys and values are encoded with RFC 3986 (space is %20, ~ is kept);
//  4. each "key=value" pair is encoded again and the pairs joined by %26;
//  5. the base string is METHOD & encoded(home URL + path) & pairs, with
//     the real HTTP method (never an override) and, for ?rest_route=
//     requests, the home URL without its trailing slash;
//  6. the key is consumer_secret + "&", and the MAC is base64-encoded.
//
// The URL signed is the one the request goes to, so the store URL given to
// New must be the site's home URL exactly (www or not, http or https).
type OAuthSigner struct {
	ConsumerKey    string
	ConsumerSecret string
	Method         SignatureMethod
	// Now and Nonce are injectable for tests.
	Now   func() time.Time
	Nonce func() string
}

// Sign adds the oauth_* parameters, signature included, to u's query.
func (s *OAuthSigner) Sign(method string, u *url.URL) {
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "oauth_") {
			q.Del(k)
		}
	}
	now, nonce := time.Now, randomNonce
	if s.Now != nil {
		now = s.Now
	}
	if s.Nonce != nil {
		nonce = s.Nonce
	}
	sm := s.Method
	if sm == "" {
		sm = HMACSHA256
	}
	q.Set("oauth_consumer_key", s.ConsumerKey)
	q.Set("oauth_timestamp", strconv.FormatInt(now().Unix(), 10))
	q.Set("oauth_nonce", nonce())
	q.Set("oauth_signature_method", string(sm))
	sig := OAuthSignature(s.ConsumerSecret, sm, method, baseURL(u), q)
	q.Set("oauth_signature", sig)
	u.RawQuery = encodeQuery(q)
}

// OAuthSignature computes the signature WooCommerce expects for a request
// to siteURL (scheme, host and path; no query) with the given parameters.
// oauth_signature itself, if present, is left out. For a request through
// ?rest_route=, siteURL is the home URL without its trailing slash
// ("https://shop.example" or "https://shop.example/blog"), and rest_route
// is one of the params.
func OAuthSignature(consumerSecret string, sm SignatureMethod, method, siteURL string, params url.Values) string {
	return base64.StdEncoding.EncodeToString(oauthMAC(consumerSecret, sm, OAuthBaseString(method, siteURL, params)))
}

// OAuthBaseString is the string WooCommerce signs for a request to siteURL
// with params, as the client sends them (keys in byte order, repeated
// values in order). WooCommerce signs what PHP parsed into $_GET, so the
// parameters are taken as PHP reads them: "k[]" and "k[0]" keys form an
// array signed as k%5B0%5D, k%5B1%5D, …; a repeated plain key keeps its
// last value; "." and " " in a key's name become "_".
func OAuthBaseString(method, siteURL string, params url.Values) string {
	pairs := phpParseQuery(encodeQuery(params)).signedPairs()
	return strings.ToUpper(method) + "&" + rawURLEncode(siteURL) + "&" + strings.Join(pairs, "%26")
}

func oauthMAC(secret string, sm SignatureMethod, base string) []byte {
	var h func() hash.Hash = sha256.New
	if sm == HMACSHA1 {
		h = sha1.New
	}
	m := hmac.New(h, []byte(secret+"&"))
	m.Write([]byte(base))
	return m.Sum(nil)
}

// rawURLEncode is PHP's rawurlencode: RFC 3986 unreserved characters stay,
// everything else is %XX in upper case.
func rawURLEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// encodeQuery writes a query with RFC 3986 encoding, so that what is sent
// decodes (in PHP) to exactly what was signed; net/url would turn spaces
// into "+", which PHP decodes too, but keeping one encoder avoids doubt.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(rawURLEncode(k) + "=" + rawURLEncode(v))
		}
	}
	return b.String()
}

// baseURL is the URL WooCommerce rebuilds for the base string: the home
// URL plus the request path, without query. A request routed through
// ?rest_route= goes to the home itself, and WordPress's home URL has no
// trailing slash (get_home_url with an empty path), so neither has the
// signed URL: http://shop.example, not http://shop.example/.
func baseURL(u *url.URL) string {
	path := u.EscapedPath()
	if u.Query().Has("rest_route") {
		path = strings.TrimSuffix(path, "/")
	}
	return u.Scheme + "://" + u.Host + path
}

func randomNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
