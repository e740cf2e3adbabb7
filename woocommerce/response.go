package woocommerce

import (
	"net/http"
	"net/url"
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
	resp.Total, _ = strconv.Atoi(r.HTTP.Header.Get("X-WP-Total"))
	resp.TotalPages, _ = strconv.Atoi(r.HTTP.Header.Get("X-WP-TotalPages"))
	resp.NextPage = nextPage(r.HTTP.Header.Get("Link"))
	return resp
}

// nextPage reads the page number of the rel="next" link.
func nextPage(link string) int {
	for _, part := range strings.Split(link, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		u, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
		if err != nil {
			return 0
		}
		n, _ := strconv.Atoi(u.Query().Get("page"))
		return n
	}
	return 0
}
