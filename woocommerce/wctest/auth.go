package wctest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// authResult is the outcome of authentication; a zero code means the
// request is authenticated.
type authResult struct {
	status    int
	code, msg string
}

var authOK = authResult{}

func authError(msg string) authResult {
	return authResult{http.StatusUnauthorized, "woocommerce_rest_authentication_error", msg}
}

// authenticate checks a request's credentials as WooCommerce's
// WC_REST_Authentication does (class-wc-rest-authentication.php, cited as
// AUTH): over SSL, query-string keys and then HTTP Basic; otherwise, or
// when those found no key, OAuth 1.0a with its parameters from the query,
// a form body and an "Authorization: OAuth" header. No credentials at all
// is 401 woocommerce_rest_cannot_view, as for a logged-out visitor. The
// store never sends WWW-Authenticate: WooCommerce's only path to it is
// dead code (AUTH 665).
func (s *Server) authenticate(r *http.Request, get, post *phpVars) authResult {
	if s.cfg.ssl { // AUTH 182–218
		key, _ := get.get("consumer_key")
		secret, _ := get.get("consumer_secret")
		if key == "" || secret == "" {
			key, secret, _ = r.BasicAuth()
		}
		if key != "" && key == s.cfg.key {
			if subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.secret)) != 1 {
				return authError("Consumer secret is invalid.")
			}
			return authOK
		}
	}
	params := newPHPVars()
	params.merge(get)
	params.merge(post)
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "OAuth ") { // AUTH 229–246
		for _, m := range oauthHeaderParam.FindAllStringSubmatch(h, -1) {
			v := m[2] // a quoted value, else the bare one up to the comma
			if !strings.HasPrefix(m[0][len(m[1])+1:], `"`) {
				v = m[3]
			}
			params.put(m[1], &phpValue{str: phpURLDecode(strings.TrimSpace(v))})
		}
	}
	required := []string{"oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"}
	var missing []string
	for _, p := range required {
		if v, _ := params.get(p); phpEmpty(v) {
			missing = append(missing, p)
		}
	}
	switch {
	case len(missing) == len(required):
		return authResult{http.StatusUnauthorized, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."}
	case len(missing) == 1:
		return authResult{http.StatusUnauthorized, "woocommerce_rest_authentication_missing_parameter", "Missing OAuth parameter " + missing[0]}
	case len(missing) > 1:
		return authResult{http.StatusUnauthorized, "woocommerce_rest_authentication_missing_parameter", "Missing OAuth parameters " + strings.Join(missing, ", ")}
	}
	return s.checkOAuth(r, params)
}

// oauthHeaderParam is AUTH's regex for the header's key="value" pairs.
var oauthHeaderParam = regexp.MustCompile(`(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))`)

// phpEmpty is PHP's empty() on a string: "" and "0".
func phpEmpty(v string) bool { return v == "" || v == "0" }

// checkOAuth is check_oauth_signature, then the timestamp and nonce
// checks (AUTH 399–540).
func (s *Server) checkOAuth(r *http.Request, params *phpVars) authResult {
	key, _ := params.get("oauth_consumer_key")
	if key != s.cfg.key {
		return authError("Consumer key is invalid.")
	}
	method, _ := params.get("oauth_signature_method")
	var mac func() hash.Hash
	switch method {
	case "HMAC-SHA1":
		mac = sha1.New
	case "HMAC-SHA256":
		mac = sha256.New
	default:
		return authError("Invalid signature - signature method is invalid.")
	}
	base := s.oauthBaseString(r, params)
	m := hmac.New(mac, []byte(s.cfg.secret+"&"))
	m.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	sent, _ := params.get("oauth_signature")
	sent = rawURLDecode(strings.ReplaceAll(sent, " ", "+"))
	if subtle.ConstantTimeCompare([]byte(want), []byte(sent)) != 1 {
		return authError("Invalid signature - provided signature does not match.")
	}
	tsText, _ := params.get("oauth_timestamp")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	now := s.cfg.now().Unix()
	if err != nil || ts < now-900 || ts > now+900 {
		return authError("Invalid timestamp.")
	}
	nonce, _ := params.get("oauth_nonce")
	s.mu.Lock()
	defer s.mu.Unlock()
	// Used nonces are kept per key in a map keyed by timestamp, so one
	// nonce per second survives (AUTH 520).
	for _, n := range s.nonces {
		if n == nonce {
			return authError("Invalid nonce - nonce has already been used.")
		}
	}
	s.nonces[ts] = nonce
	for t := range s.nonces {
		if t < now-900 {
			delete(s.nonces, t)
		}
	}
	return authOK
}

// oauthBaseString builds the string WooCommerce signs: the real HTTP verb
// (never an override), the home URL's scheme (the URL the store
// publishes, which stands for is_ssl()), host and port with the
// request path after the home path (get_home_url, so a ?rest_route=
// request to the home is signed without a trailing slash), and every
// parameter as PHP parsed it, top-level keys sorted with strcmp, arrays as
// k%5Bchild%5D in arrival order, each pair encoded twice.
func (s *Server) oauthBaseString(r *http.Request, params *phpVars) string {
	path := r.URL.EscapedPath()
	if rel, ok := strings.CutPrefix(path, s.home.Path); ok {
		path = rel
	}
	home := s.home.Scheme + "://" + s.home.Host + strings.TrimSuffix(s.home.Path, "/")
	if path != "" {
		home += "/" + strings.TrimLeft(path, "/")
	}
	keys := slices.Clone(params.order)
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "oauth_signature" })
	slices.Sort(keys)
	var pairs []string
	var join func(k string, v *phpValue)
	join = func(k string, v *phpValue) {
		if v.arr == nil {
			pairs = append(pairs, rawURLEncode(k+"="+rawURLEncode(v.str)))
			return
		}
		for _, ck := range v.arr.order {
			join(k+"%5B"+ck+"%5D", v.arr.m[ck])
		}
	}
	for _, k := range keys {
		join(rawURLEncode(k), params.m[k])
	}
	return strings.ToUpper(r.Method) + "&" + rawURLEncode(home) + "&" + strings.Join(pairs, "%26")
}

// rawURLEncode is PHP's rawurlencode.
func rawURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)>>4, 16)+strconv.FormatUint(uint64(c)&15, 16)))
		}
	}
	return b.String()
}

// rawURLDecode is PHP's rawurldecode: "+" stays a plus.
func rawURLDecode(s string) string {
	return phpURLDecode(strings.ReplaceAll(s, "+", "%2B"))
}
