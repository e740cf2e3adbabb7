package wctest

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// authenticate checks a request's credentials the way
// class-wc-rest-authentication.php does: over SSL, query-string keys, then
// Basic; otherwise (or when those found nothing) OAuth 1.0a.
func (s *Server) authenticate(r *http.Request, method string) (ok bool, status int, code, msg string) {
	q := r.URL.Query()
	const cannot = "woocommerce_rest_cannot_view"
	if s.cfg.ssl {
		key, secret := q.Get("consumer_key"), q.Get("consumer_secret")
		if key == "" {
			key, secret, _ = r.BasicAuth()
		}
		if key != "" && key == s.cfg.key {
			if subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.secret)) != 1 {
				return false, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer secret is invalid."
			}
			return true, 0, "", ""
		}
	}
	if q.Get("oauth_consumer_key") == "" {
		return false, http.StatusUnauthorized, cannot, "Sorry, you cannot list resources."
	}
	return s.checkOAuth(r, method, q)
}

func (s *Server) checkOAuth(r *http.Request, method string, q url.Values) (bool, int, string, string) {
	const code = "woocommerce_rest_authentication_error"
	fail := func(msg string) (bool, int, string, string) { return false, http.StatusUnauthorized, code, msg }
	var missing []string
	for _, p := range []string{"oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"} {
		if q.Get(p) == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return false, http.StatusUnauthorized, "woocommerce_rest_authentication_missing_parameter",
			"Missing OAuth parameter(s) " + strings.Join(missing, ", ")
	}
	if q.Get("oauth_consumer_key") != s.cfg.key {
		return fail("Consumer key is invalid.")
	}
	sm := woocommerce.SignatureMethod(q.Get("oauth_signature_method"))
	if sm != woocommerce.HMACSHA1 && sm != woocommerce.HMACSHA256 {
		return fail("Invalid signature - signature method is invalid.")
	}
	// The base URL is the site's configured home plus the path: never the
	// Host header the client sent.
	site := strings.TrimSuffix(s.home.Scheme+"://"+s.home.Host+s.home.EscapedPath(), "/") + r.URL.EscapedPath()
	want := woocommerce.OAuthSignature(s.cfg.secret, sm, method, site, q)
	if subtle.ConstantTimeCompare([]byte(want), []byte(q.Get("oauth_signature"))) != 1 {
		return fail("Invalid signature - provided signature does not match.")
	}
	ts, err := strconv.ParseInt(q.Get("oauth_timestamp"), 10, 64)
	now := s.cfg.now()
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 15*time.Minute {
		return fail("Invalid timestamp.")
	}
	nonce := q.Get("oauth_nonce")
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, at := range s.nonces {
		if now.Sub(at) > 15*time.Minute {
			delete(s.nonces, n)
		}
	}
	if _, used := s.nonces[nonce]; used {
		return fail("Invalid nonce - nonce has already been used.")
	}
	s.nonces[nonce] = now
	return true, 0, "", ""
}
