package transport

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrRedirect is returned when a server answers an API call with a
// redirect. Redirects are never followed: the credentials a call carries
// (a Basic header, client credentials, a bearer token) would follow it,
// from https to http on the same host too.
var ErrRedirect = errors.New("redirect refused")

// ErrInsecureURL is returned for a plain-http base URL on a host other
// than loopback, unless the caller opted in.
var ErrInsecureURL = errors.New("plain http to a remote host refused")

// refuseRedirect is the CheckRedirect of every API client: the redirect
// itself is the answer, which Do turns into an ErrRedirect.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectError is the error for a 3xx answer: it names where the server
// pointed (without query or credentials), so the base URL can be fixed.
func redirectError(resp *http.Response) error {
	where := "elsewhere"
	if loc, err := resp.Location(); err == nil {
		where = Redacted(loc)
	}
	return fmt.Errorf("%w: the server answered %d, to %s; give that base URL instead", ErrRedirect, resp.StatusCode, where)
}

// noRedirects returns a copy of hc that never follows redirects; hc itself
// is left as it was given.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = refuseRedirect
	return &c
}

// Redacted is u without user info, query or fragment: what may be shown.
func Redacted(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.ForceQuery, v.Fragment, v.RawFragment = nil, "", false, "", ""
	return v.String()
}

// CheckScheme refuses a plain-http URL whose host is not loopback, unless
// insecureOK: on such a link secrets travel in clear text and answers can
// be rewritten on the way (an OAuth 1.0a signature covers the request, not
// the answer).
func CheckScheme(u *url.URL, insecureOK bool) error {
	if u.Scheme != "http" || insecureOK || IsLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%w: %s: use https (or opt in with WithInsecureHTTP for a host whose link you trust)", ErrInsecureURL, Redacted(u))
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	// Not "*.localhost": Go resolves such names by DNS and sends them to
	// an HTTP proxy, where plain http is plain again.
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
