package dinterotest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// callbackSignature is the Dintero-Signature header for a callback to u,
// written from Dintero's description (D-SIG, D-SIGAPI) and not from the
// client's verifier: t=<unix>,v0-hmac-sha256=<hex HMAC-SHA256> over
// "{t}\n{account}\n{METHOD}\n{hostname}\n{pathname}\n{query}", where the
// query is sorted by key (stably) and written as WHATWG URLSearchParams
// writes it.
func callbackSignature(secret []byte, accountID, method string, u *url.URL, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	signed := strings.Join([]string{ts, accountID, strings.ToUpper(method), strings.ToLower(u.Hostname()), path, whatwgSortedQuery(u.RawQuery)}, "\n")
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return "t=" + ts + ",v0-hmac-sha256=" + hex.EncodeToString(m.Sum(nil))
}

// whatwgSortedQuery parses a query as URLSearchParams does, sorts the
// pairs by key keeping the order of equal keys, and serialises them with
// the application/x-www-form-urlencoded serializer.
func whatwgSortedQuery(raw string) string {
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, pair{formDecode(k), formDecode(v)})
	}
	// URLSearchParams.sort compares code units; byte order of UTF-8 is
	// the same for the characters a callback carries.
	slices.SortStableFunc(pairs, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	var sb strings.Builder
	for i, p := range pairs {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(formEncode(p.k))
		sb.WriteByte('=')
		sb.WriteString(formEncode(p.v))
	}
	return sb.String()
}

// formDecode undoes form encoding: '+' is a space, bad escapes stay.
func formDecode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// formEncode is the WHATWG urlencoded byte serializer: ASCII letters,
// digits and *-._ stay, space becomes '+', everything else is %XX.
func formEncode(s string) string {
	const hexdigits = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '*', c == '-', c == '.', c == '_':
			sb.WriteByte(c)
		case c == ' ':
			sb.WriteByte('+')
		default:
			sb.WriteByte('%')
			sb.WriteByte(hexdigits[c>>4])
			sb.WriteByte(hexdigits[c&15])
		}
	}
	return sb.String()
}
