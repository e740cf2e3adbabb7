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
// WooCommerce checks them (class-wc-rest-authentication.php):
//
//  1. every query parameter is signed, oauth_* or not;
//  2. keys are sorted by byte order of their decoded form (PHP's strcmp);
//  3. keys and values are encoded with RFC 3986 (space is %20, ~ is kept);
//  4. each "key=value" pair is encoded again and the pairs joined by %26;
//  5. the base string is METHOD & encoded(site URL + path) & pairs;
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
// oauth_signature itself, if present, is left out.
func OAuthSignature(consumerSecret string, sm SignatureMethod, method, siteURL string, params url.Values) string {
	return base64.StdEncoding.EncodeToString(oauthMAC(consumerSecret, sm, OAuthBaseString(method, siteURL, params)))
}

// OAuthBaseString is the string WooCommerce signs.
func OAuthBaseString(method, siteURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "oauth_signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // byte order, as PHP's uksort with strcmp
	var pairs []string
	for _, k := range keys {
		// PHP keeps the last of repeated keys in $_GET.
		vs := params[k]
		pairs = append(pairs, rawURLEncode(rawURLEncode(k)+"="+rawURLEncode(vs[len(vs)-1])))
	}
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

// baseURL is the URL without query and fragment, as the server rebuilds it.
func baseURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func randomNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
