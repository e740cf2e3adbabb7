package woocommerce

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/dinterowoo/dinterowoo/internal/transport"
)

// Response is the HTTP answer to a call, returned next to the result (and
// next to an *APIError).
type Response struct {
	*http.Response
	// Attempts is how many requests were sent.
	Attempts int
	// Total and TotalPages come from X-WP-Total and X-WP-TotalPages on
	// lists; NextPage from the Link header (0 on the last page).
	Total, TotalPages, NextPage int
}

func newResponse(r *transport.Response) *Response {
	if r == nil {
		return nil
	}
	resp := &Response{Response: r.HTTP, Attempts: r.Attempts}
	resp.Total = headerInt(r.HTTP.Header, "X-WP-Total")
	resp.TotalPages = headerInt(r.HTTP.Header, "X-WP-TotalPages")
	resp.NextPage = nextPage(r.HTTP.Header.Get("Link"))
	return resp
}

// headerInt is a header's integer, 0 when absent or not one (most
// answers carry no totals: an error per answer would be waste).
func headerInt(h http.Header, key string) int {
	v := h.Get(key)
	if v == "" {
		return 0
	}
	n, _ := strconv.Atoi(v)
	return n
}

// nextPage reads the page number of the rel="next" link. WooCommerce
// echoes every request parameter into the link unencoded (add_query_arg
// with encoding off), so a target may hold commas ("status=a,b"), spaces
// and anything else: targets are read between their angle brackets, never
// split on commas, and the page is read from the raw query.
func nextPage(link string) int {
	for rest := link; ; {
		open := strings.IndexByte(rest, '<')
		if open < 0 {
			return 0
		}
		end := strings.IndexByte(rest[open:], '>')
		if end < 0 {
			return 0
		}
		target := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		params := rest
		if next := strings.IndexByte(rest, '<'); next >= 0 {
			params = rest[:next]
		}
		if !strings.Contains(params, `rel="next"`) && !strings.Contains(params, "rel=next") {
			continue
		}
		_, query, _ := strings.Cut(target, "?")
		for _, pair := range strings.Split(query, "&") {
			if v, ok := strings.CutPrefix(pair, "page="); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		return 0
	}
}
