package wctest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// The conformance table: each case is a raw HTTP exchange with the store
// and what WooCommerce 10.5 answers, with the source it follows (the keys
// of ../shared/reference/woocommerce_behaviour.md §0: O2 is
// class-wc-rest-orders-v2-controller.php, AUTH class-wc-rest-authentication.php,
// and so on). Requests are written by hand, not by the client, so the
// table checks the store on its own.

type confEnv struct {
	s        *wctest.Server
	order    int64 // a processing order, NOK, 25 % and 15 % lines and shipping
	other    int64 // a second processing order
	line     int64 // the first order's first line item
	gateway  atomic.Int32
	gwErr    error
	receiver *httptest.Server
	hits     chan *http.Request
	status   atomic.Int32 // the receiver's answer
}

type confResp struct {
	status int
	header http.Header
	body   string
}

type confCase struct {
	name, source string
	opts         []wctest.Option
	prep         func(t *testing.T, e *confEnv)
	method, path string // path after the home URL; {id} and {other} are replaced
	body         string
	auth         string // "" Basic; "none"; "query"; "oauth"; "oauth-header"
	header       map[string]string
	status       int
	has, lacks   []string
	check        func(t *testing.T, e *confEnv, r confResp)
}

func (e *confEnv) path(p string) string {
	return strings.NewReplacer("{id}", strconv.FormatInt(e.order, 10), "{other}", strconv.FormatInt(e.other, 10),
		"RECEIVER", e.receiver.URL, "LINE", strconv.FormatInt(e.line, 10)).Replace(p)
}

func (e *confEnv) do(t *testing.T, c confCase) confResp {
	t.Helper()
	key, secret := e.s.Key()
	u, err := url.Parse(e.s.URL + e.path(c.path))
	if err != nil {
		t.Fatal(err)
	}
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	h := http.Header{}
	switch c.auth {
	case "":
		h.Set("Authorization", "Basic "+b64(key+":"+secret))
	case "query":
		q := u.Query()
		q.Set("consumer_key", key)
		q.Set("consumer_secret", secret)
		u.RawQuery = q.Encode()
	case "oauth", "oauth-header", "oauth-header-unquoted":
		(&woocommerce.OAuthSigner{ConsumerKey: key, ConsumerSecret: secret}).Sign(method, u)
		if c.auth != "oauth" {
			quote := `"`
			if c.auth == "oauth-header-unquoted" {
				quote = ""
			}
			q := u.Query()
			var parts []string
			for k := range q {
				if strings.HasPrefix(k, "oauth_") {
					parts = append(parts, k+"="+quote+url.QueryEscape(q.Get(k))+quote)
					q.Del(k)
				}
			}
			u.RawQuery = q.Encode()
			h.Set("Authorization", "OAuth "+strings.Join(parts, ", "))
		}
	}
	for k, v := range c.header {
		h.Set(k, v)
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(e.path(c.body))
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
	}
	req, _ := http.NewRequest(method, u.String(), body)
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return confResp{resp.StatusCode, resp.Header, string(b)}
}

func b64(s string) string {
	r, _ := http.NewRequest("GET", "http://x", nil)
	user, pass, _ := strings.Cut(s, ":")
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func confSpec() wctest.OrderSpec {
	spec := norwegianOrder()
	spec.Status = woocommerce.StatusProcessing
	spec.Billing = woocommerce.Address{FirstName: "Kari", Email: "kari@example.com"}
	return spec
}

// seedThreeAt099 makes the test's order three lines of 0.99 at 25 %: each
// line's tax is 0.2475, so rounding per line and at subtotal differ.
func seedThreeAt099(t *testing.T, e *confEnv) {
	line := wctest.LineSpec{Name: "a", Quantity: 1, UnitPrice: decimal.RequireFromString("0.99"), TaxRate: decimal.NewFromInt(25)}
	e.order = e.s.SeedOrder(wctest.OrderSpec{Status: woocommerce.StatusProcessing, Lines: []wctest.LineSpec{line, line, line}}).ID
}

func jsonField(t *testing.T, body, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, _ := strconv.Atoi(p)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func notesOf(e *confEnv, id int64) []string {
	var out []string
	for _, n := range e.s.Notes(id) {
		out = append(out, n.Note)
	}
	return out
}

func TestWooCommerceConformance(t *testing.T) {
	gatewayFails := errors.New("Refund declined by the acquirer.")
	cases := []confCase{
		// Orders: money and shape.
		{name: "order money as dp strings", source: "O2 385, 462; FMT 288–320", path: "wp-json/wc/v3/orders/{id}",
			status: 200, has: []string{`"total":"3398.01"`, `"cart_tax":"638.93"`, `"shipping_total":"79.20"`}},
		{name: "dp parameter", source: "O2 573", path: "wp-json/wc/v3/orders/{id}?dp=3", status: 200, has: []string{`"total":"3398.010"`}},
		{name: "item taxes[] formatted with dp", source: "O2 253–258 (PR #58497)", path: "wp-json/wc/v3/orders/{id}", status: 200,
			has: []string{`"taxes":[{"id":2,"subtotal":"39.13","total":"39.13"}]`}},
		{name: "shipping taxes have an empty subtotal", source: "O2 253–258", path: "wp-json/wc/v3/orders/{id}", status: 200,
			has: []string{`"subtotal":"","total":"19.80"`}},
		{name: "price is a JSON number", source: "O2 232", path: "wp-json/wc/v3/orders/{id}", status: 200,
			has: []string{`"price":1000,`, `"price":399.2,`}},
		{name: "addresses carry every key", source: "ORD 57–81", path: "wp-json/wc/v3/orders/{id}", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				b, _ := jsonField(t, r.body, "billing").(map[string]any)
				s, _ := jsonField(t, r.body, "shipping").(map[string]any)
				if len(b) != 11 || len(s) != 10 || b["company"] != "" || s["phone"] != "" {
					t.Errorf("billing %v shipping %v", b, s)
				}
			}},
		{name: "no currency_symbol, JSON escapes / and non-ASCII", source: "O2 481–529; wp_json_encode",
			path: "wp-json/wc/v3/orders/{id}", status: 200, has: []string{`"payment_url":"http:\/\/`}, lacks: []string{"currency_symbol"}},
		{name: "tax is rounded per line by default", source: "settings-tax.php 57–62; class-wc-tax.php 102–104",
			prep: seedThreeAt099,
			path: "wp-json/wc/v3/orders/{id}", status: 200, has: []string{`"total":"3.72"`, `"total_tax":"0.75"`, `"total":"0.25"`}},
		{name: "tax rounded at subtotal", source: "AO 806–808, 1877–1935; class-wc-order-item-product.php 224–230",
			opts: []wctest.Option{wctest.WithTaxRoundAtSubtotal()},
			prep: seedThreeAt099,
			// Each line's 0.2475 is kept; the order sums 0.7425 and rounds
			// once. Item taxes are still shown with dp.
			path: "wp-json/wc/v3/orders/{id}", status: 200, has: []string{`"total":"3.71"`, `"total_tax":"0.74"`, `"total":"0.25"`}},
		{name: "OAuth in a header with unquoted values", source: "AUTH 229–246", opts: []wctest.Option{wctest.WithoutSSL()},
			auth: "oauth-header-unquoted", path: "wp-json/wc/v3/orders/{id}", status: 200},
		{name: "missing order on GET is 404", source: "CRUD 136–141", path: "wp-json/wc/v3/orders/999999", status: 404,
			has: []string{`"code":"woocommerce_rest_shop_order_invalid_id"`, `"message":"Invalid ID."`}},
		{name: "missing order on PUT is 400", source: "CRUD 245–250", method: "PUT", path: "wp-json/wc/v3/orders/999999",
			body: `{"status":"completed"}`, status: 400, has: []string{`"code":"woocommerce_rest_shop_order_invalid_id"`}},
		{name: "non-numeric id has no route", source: "SRV 1218", path: "wp-json/wc/v3/orders/abc", status: 404,
			has: []string{`"code":"rest_no_route"`}},

		// Orders: list filters and paging.
		{name: "include as an indexed array", source: "RAPI 1580–1607; FN 4974–4998",
			path: "wp-json/wc/v3/orders?include[0]={id}&include[1]={other}", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if r.header.Get("X-WP-Total") != "2" {
					t.Errorf("X-WP-Total %s", r.header.Get("X-WP-Total"))
				}
			}},
		{name: "status as an indexed array", source: "RAPI 1580–1607; O2 2067–2124",
			prep: func(t *testing.T, e *confEnv) { e.s.SetStatus(e.other, woocommerce.StatusCompleted) },
			path: "wp-json/wc/v3/orders?status[0]=completed", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if r.header.Get("X-WP-Total") != "1" || jsonField(t, r.body, "0.status") != "completed" {
					t.Errorf("total %s body %.200s", r.header.Get("X-WP-Total"), r.body)
				}
			}},
		{name: "status as a comma list", source: "FN 4974–4998", path: "wp-json/wc/v3/orders?status=completed,processing", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if r.header.Get("X-WP-Total") != "2" {
					t.Errorf("X-WP-Total %s", r.header.Get("X-WP-Total"))
				}
			}},
		{name: "unknown status is not in the enum", source: "RAPI rest_validate_enum; O2 2067–2124",
			path: "wp-json/wc/v3/orders?status=bogus", status: 400,
			has: []string{`"code":"rest_invalid_param"`, `status[0] is not one of any, trash, auto-draft, pending,`, `"details":`}},
		{name: "per_page above 100", source: "CRUD 568–707", path: "wp-json/wc/v3/orders?per_page=101", status: 400,
			has: []string{`per_page must be between 1 (inclusive) and 100 (inclusive)`}},
		{name: "page past the end is an empty 200 with the true total", source: "CRUD 367–447",
			path: "wp-json/wc/v3/orders?page=9", status: 200, has: []string{`[]`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if r.header.Get("X-WP-Total") != "2" || r.header.Get("X-WP-TotalPages") != "1" {
					t.Errorf("headers %v", r.header)
				}
				if l := r.header.Get("Link"); !strings.Contains(l, `page=1>; rel="prev"`) || strings.Contains(l, "next") {
					t.Errorf("Link %q: prev must be clamped to the last page", l)
				}
			}},
		{name: "prev on an empty list points at page 0", source: "CRUD 367–447",
			path: "wp-json/wc/v3/orders?status=cancelled&page=2", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if l := r.header.Get("Link"); !strings.Contains(l, `page=0>; rel="prev"`) {
					t.Errorf("Link %q", l)
				}
			}},
		{name: "Link echoes every parameter raw, credentials included", source: "CRUD 367–447; FN 1043, 1182–1203",
			auth: "query", path: "wp-json/wc/v3/orders?per_page=1&search=kari&note=a%20b&status[0]=processing", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				l := r.header.Get("Link")
				for _, want := range []string{"note=a b", "status%5B0%5D=processing", "consumer_secret=", "page=2>; rel=\"next\""} {
					if !strings.Contains(l, want) {
						t.Errorf("Link %q lacks %q", l, want)
					}
				}
			}},
		{name: "_fields on a list keeps only those keys, no id, no _links", source: "RAPI 928–974; SRV 588–595",
			path: "wp-json/wc/v3/orders?_fields=status,total", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				item, _ := jsonField(t, r.body, "0").(map[string]any)
				if len(item) != 2 || item["status"] == nil || item["total"] == nil {
					t.Errorf("item %v", item)
				}
			}},
		{name: "_fields on one order keeps _links; a path into a list keeps no item", source: "SRV 523, 588–595; RAPI _rest_array_intersect_key_recursive",
			path: "wp-json/wc/v3/orders/{id}?_fields=status,line_items.name", status: 200, check: func(t *testing.T, e *confEnv, r confResp) {
				items, isList := jsonField(t, r.body, "line_items").([]any)
				if jsonField(t, r.body, "id") != nil || jsonField(t, r.body, "_links") == nil || !isList || len(items) != 0 {
					t.Errorf("body %s", r.body)
				}
			}},
		{name: "_fields reaches a list's item by its index", source: "RAPI _rest_array_intersect_key_recursive",
			path: "wp-json/wc/v3/orders/{id}?_fields=line_items.0.name", status: 200, check: func(t *testing.T, e *confEnv, r confResp) {
				items, _ := jsonField(t, r.body, "line_items").([]any)
				first, _ := jsonField(t, r.body, "line_items.0").(map[string]any)
				if len(items) != 1 || len(first) != 1 || first["name"] != "Chair" {
					t.Errorf("body %s", r.body)
				}
			}},
		{name: "_fields stops at a path under a key already taken whole", source: "RAPI rest_filter_response_fields (break 2)",
			path: "wp-json/wc/v3/orders/{id}?_fields=billing,billing.email,status", status: 200, check: func(t *testing.T, e *confEnv, r confResp) {
				if jsonField(t, r.body, "billing.first_name") == nil || jsonField(t, r.body, "status") != nil {
					t.Errorf("body %s", r.body)
				}
			}},
		{name: "_fields reaches into an address", source: "RAPI 928–974", path: "wp-json/wc/v3/orders/{id}?_fields=billing.email,billing.nope",
			status: 200, check: func(t *testing.T, e *confEnv, r confResp) {
				billing, _ := jsonField(t, r.body, "billing").(map[string]any)
				if len(billing) != 1 || billing["email"] == nil {
					t.Errorf("billing %v in %s", billing, r.body)
				}
			}},
		{name: "_fields: an object nothing is kept of is [] (an empty PHP array)", source: "RAPI _rest_array_intersect_key_recursive; wp_json_encode",
			path: "wp-json/wc/v3/orders/{id}?_fields=id,billing.nope", status: 200, check: func(t *testing.T, e *confEnv, r confResp) {
				if !strings.Contains(r.body, `"billing":[]`) {
					t.Errorf("body %s", r.body)
				}
			}},
		{name: "_fields: a list item nothing is kept of is []", source: "RAPI rest_filter_response_fields; wp_json_encode",
			path: "wp-json/wc/v3/orders?_fields=nope", status: 200, has: []string{`[[],[]]`}},
		{name: "_fields: a meta entry named by its index is kept whole (WC_Meta_Data objects)", source: "RAPI _rest_array_intersect_key_recursive (is_array)",
			prep: func(t *testing.T, e *confEnv) {
				c, _ := e.s.Client()
				if _, _, err := c.Orders.Update(context.Background(), e.order, &woocommerce.OrderUpdate{MetaData: []woocommerce.Meta{{Key: "_k", Value: json.RawMessage(`"v"`)}}}); err != nil {
					t.Fatal(err)
				}
			},
			path: "wp-json/wc/v3/orders/{id}?_fields=meta_data.0.key", status: 200, check: func(t *testing.T, e *confEnv, r confResp) {
				entry, _ := jsonField(t, r.body, "meta_data.0").(map[string]any)
				if entry["key"] != "_k" || entry["value"] != "v" || entry["id"] == nil {
					t.Errorf("body %s", r.body)
				}
			}},
		{name: "_fields filters an update's answer too; the update is whole", source: "RAPI 928–974 (rest_post_dispatch, any method); SRV 588–595",
			method: "PUT", path: "wp-json/wc/v3/orders/{id}?_fields=id,status", body: `{"status":"completed","customer_note":"x"}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				var got map[string]any
				if err := json.Unmarshal([]byte(r.body), &got); err != nil || len(got) != 3 || got["status"] != "completed" || got["id"] == nil || got["_links"] == nil {
					t.Errorf("body %s", r.body)
				}
				if o, ok := e.s.Order(e.order); !ok || o.CustomerNote != "x" {
					t.Errorf("update not applied whole: %+v", o)
				}
			}},

		// Orders: updates.
		{name: "status change writes the transition note", source: "ORD 427–505, 459", method: "PUT",
			path: "wp-json/wc/v3/orders/{id}", body: `{"status":"completed"}`, status: 200, has: []string{`"status":"completed"`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if n := notesOf(e, e.order); len(n) != 1 || n[0] != "Order status changed from Processing to Completed." {
					t.Errorf("notes %q", n)
				}
				if jsonField(t, r.body, "date_completed") == nil {
					t.Error("date_completed not set")
				}
			}},
		{name: "the same status is no transition", source: "ORD 282–288", method: "PUT", path: "wp-json/wc/v3/orders/{id}",
			body: `{"status":"processing"}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if n := notesOf(e, e.order); len(n) != 0 {
					t.Errorf("notes %q", n)
				}
			}},
		{name: "an unregistered status is refused", source: "O2 1132–1140, 1188–1193", method: "PUT", path: "wp-json/wc/v3/orders/{id}",
			body: `{"status":"shipped"}`, status: 400,
			has: []string{`"code":"rest_invalid_param"`, `status is not one of auto-draft, pending, processing, on-hold, completed, cancelled, refunded, failed, checkout-draft, and manual-review.`}},
		{name: "a registered custom status is accepted, with its label", source: "§7; wc_order_statuses",
			opts: []wctest.Option{wctest.WithStatus("wc-shipped", "Shipped")}, method: "PUT", path: "wp-json/wc/v3/orders/{id}",
			body: `{"status":"shipped"}`, status: 200, has: []string{`"status":"shipped"`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if n := notesOf(e, e.order); len(n) != 1 || n[0] != "Order status changed from Processing to Shipped." {
					t.Errorf("notes %q", n)
				}
			}},
		{name: "set_paid on a pending order: payment_complete, no status note", source: "O3 304–308; ORD 137–208",
			prep: func(t *testing.T, e *confEnv) {
				spec := confSpec()
				spec.Status = woocommerce.StatusPending
				e.order = e.s.SeedOrder(spec).ID
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"set_paid":true}`, status: 200, has: []string{`"status":"processing"`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				n := notesOf(e, e.order)
				if len(n) != 1 || n[0] != "Payment via Dintero Checkout (T12345678.abc)." || jsonField(t, r.body, "date_paid") == nil {
					t.Errorf("notes %q date_paid %v", n, jsonField(t, r.body, "date_paid"))
				}
			}},
		{name: "set_paid with a status that no longer needs payment does nothing", source: "O3 304–308; ORD 1804–1814",
			prep: func(t *testing.T, e *confEnv) {
				spec := confSpec()
				spec.Status = woocommerce.StatusPending
				e.order = e.s.SeedOrder(spec).ID
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"status":"processing","set_paid":true}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if n := notesOf(e, e.order); len(n) != 1 || n[0] != "Order status changed from Pending payment to Processing." {
					t.Errorf("notes %q", n)
				}
			}},
		{name: "set_paid must be a boolean", source: "RAPI 1514–1558", method: "PUT", path: "wp-json/wc/v3/orders/{id}",
			body: `{"set_paid":"yes"}`, status: 400, has: []string{`set_paid is not of type boolean.`}},
		{name: "date_paid is set on reaching completed", source: "ORD 352–374",
			prep: func(t *testing.T, e *confEnv) {
				spec := confSpec()
				spec.Status = woocommerce.StatusOnHold
				e.order = e.s.SeedOrder(spec).ID
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"status":"completed"}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if jsonField(t, r.body, "date_paid") == nil {
					t.Error("date_paid not set")
				}
			}},
		{name: "meta by key updates the first entry, a null value deletes", source: "DATA 521–562, 738–790",
			prep: func(t *testing.T, e *confEnv) {
				e.do(t, confCase{method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"meta_data":[{"key":"a","value":"1"},{"key":"b","value":"x"}]}`})
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"meta_data":[{"key":"a","value":"2"},{"key":"b","value":null}]}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				meta, _ := jsonField(t, r.body, "meta_data").([]any)
				if len(meta) != 1 || jsonField(t, r.body, "meta_data.0.value") != "2" {
					t.Errorf("meta %v", meta)
				}
			}},
		{name: "meta with an unknown id replaces every entry with its key", source: "DATA 738–790",
			prep: func(t *testing.T, e *confEnv) {
				e.do(t, confCase{method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"meta_data":[{"key":"a","value":"1"}]}`})
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"meta_data":[{"id":987654,"key":"a","value":"3"}]}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				meta, _ := jsonField(t, r.body, "meta_data").([]any)
				if len(meta) != 1 || jsonField(t, r.body, "meta_data.0.value") != "3" || jsonField(t, r.body, "meta_data.0.id") == float64(987654) {
					t.Errorf("meta %v", meta)
				}
			}},
		{name: "a body that is not JSON by its type is not read", source: "REQ 361–419", method: "PUT", path: "wp-json/wc/v3/orders/{id}",
			header: map[string]string{"Content-Type": "text/plain"}, body: `{"status":"completed"}`, status: 200, has: []string{`"status":"processing"`}},
		{name: "query parameters count on writes", source: "REQ 361–419", method: "PUT", path: "wp-json/wc/v3/orders/{id}?status=on-hold",
			status: 200, has: []string{`"status":"on-hold"`}},
		{name: "bad JSON body", source: "REQ 361–419", method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"status":`,
			status: 400, has: []string{`"code":"rest_invalid_json"`}},

		// Refunds.
		{name: "amount 0 is accepted", source: "OF 583; §3.2", method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds",
			body: `{"amount":"0","api_refund":false}`, status: 201, has: []string{`"amount":"0.00"`}},
		{name: "amount must be a string", source: "R3 40–91", method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds",
			body: `{"amount":10}`, status: 400, has: []string{`amount is not of type string.`}},
		{name: "negative amount is a bare-data 500", source: "R2; RAPI 3416–3453", method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds",
			body: `{"amount":"-1"}`, status: 500, has: []string{`"code":"woocommerce_rest_invalid_order_refund"`, `"data":400`}},
		{name: "more than remains is refused", source: "OF 583", method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds",
			body: `{"amount":"3398.02","api_refund":false}`, status: 500,
			has: []string{`"code":"woocommerce_rest_cannot_create_order_refund"`, `"message":"Invalid refund amount."`, `"data":500`}},
		{name: "missing order on refund create", source: "R2; §3.2", method: "POST", path: "wp-json/wc/v3/orders/999999/refunds",
			body: `{"amount":"1"}`, status: 500, has: []string{`"code":"woocommerce_rest_invalid_order_id"`, `"data":404`}},
		{name: "unknown items are skipped, quantities unchecked, the amount kept", source: "OF 558–752; §3.2", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", status: 201,
			prep: func(t *testing.T, e *confEnv) {},
			body: `{"amount":"50.00","api_refund":false,"line_items":[{"id":1,"quantity":1,"refund_total":"10"},{"id":LINE,"quantity":9,"refund_total":"40"}]}`,
			has:  []string{`"amount":"50.00"`, `"quantity":-9`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if items, _ := jsonField(t, r.body, "line_items").([]any); len(items) != 1 {
					t.Errorf("line_items %v", items)
				}
			}},
		{name: "api_refund \"false\" means no gateway", source: "RAPI 1514–1558; R2 855–860", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"10","api_refund":"false"}`, status: 201,
			has: []string{`"refunded_payment":false`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if e.gateway.Load() != 0 {
					t.Error("the gateway was called")
				}
			}},
		{name: "api_refund 0 means no gateway", source: "RAPI 1514–1558", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"10","api_refund":0}`, status: 201, has: []string{`"refunded_payment":false`}},
		{name: "api_refund null means no gateway", source: "RAPI 1514–1558", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"10","api_refund":null}`, status: 201, has: []string{`"refunded_payment":false`}},
		{name: "api_refund \"no\" is refused", source: "RAPI 1514–1558", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"10","api_refund":"no"}`, status: 400, has: []string{`api_refund is not of type boolean.`}},
		{name: "api_refund=false in the query of a POST", source: "REQ 361–419", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds?api_refund=false", body: `{"amount":"10"}`, status: 201, has: []string{`"refunded_payment":false`}},
		{name: "absent api_refund calls the gateway", source: "R2 855–860; OF 764–798", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"10"}`, status: 201, has: []string{`"refunded_payment":true`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if e.gateway.Load() != 1 {
					t.Errorf("gateway called %d times", e.gateway.Load())
				}
			}},
		{name: "a gateway refusal deletes the refund and answers 500 with its text", source: "OF 764–798",
			prep:   func(t *testing.T, e *confEnv) { e.gwErr = gatewayFails },
			method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"10"}`, status: 500,
			has: []string{`"code":"woocommerce_rest_cannot_create_order_refund"`, `"message":"Refund declined by the acquirer."`, `"data":500`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if n := len(e.s.Refunds(e.order)); n != 0 {
					t.Errorf("%d refunds left", n)
				}
			}},
		{name: "the refund resource has tax_lines and _links", source: "R2 146–253", method: "POST",
			path: "wp-json/wc/v3/orders/{id}/refunds", status: 201,
			body: `{"api_refund":false,"line_items":[{"id":LINE,"quantity":1,"refund_total":"1000","refund_tax":[{"id":1,"refund_total":"250"}]}]}`,
			has:  []string{`"amount":"1250.00"`, `"tax_total":"-250.00"`, `"up":[{"href":`, `"_refunded_item_id"`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if r.header.Get("Location") == "" {
					t.Error("no Location")
				}
			}},
		{name: "a missing refund is 404", source: "R2 146–253", path: "wp-json/wc/v3/orders/{id}/refunds/999999", status: 404,
			has: []string{`"code":"woocommerce_rest_shop_order_refund_invalid_id"`}},
		{name: "another order's refund is a bare-data 500", source: "R2 204–206",
			prep: func(t *testing.T, e *confEnv) {
				r := e.do(t, confCase{method: "POST", path: "wp-json/wc/v3/orders/{other}/refunds", body: `{"amount":"1","api_refund":false}`})
				e.other = int64(jsonField(t, r.body, "id").(float64))
			},
			path: "wp-json/wc/v3/orders/{id}/refunds/{other}", status: 500,
			has: []string{`"code":"woocommerce_rest_invalid_order_refund_id"`, `"data":404`}},
		{name: "refund DELETE: force defaults to true, false is refused", source: "§3.4",
			prep: func(t *testing.T, e *confEnv) {
				r := e.do(t, confCase{method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"1","api_refund":false}`})
				e.other = int64(jsonField(t, r.body, "id").(float64))
				if r := e.do(t, confCase{method: "DELETE", path: "wp-json/wc/v3/orders/{id}/refunds/{other}?force=false"}); r.status != 501 {
					t.Errorf("force=false: %d", r.status)
				}
			},
			method: "DELETE", path: "wp-json/wc/v3/orders/{id}/refunds/{other}", status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				if n := len(e.s.Refunds(e.order)); n != 0 {
					t.Errorf("%d refunds left", n)
				}
			}},
		{name: "status refunded: an amount-only automatic refund, then the notes", source: "OF 905–927; ORD 427–505",
			prep: func(t *testing.T, e *confEnv) {
				e.do(t, confCase{method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"98.01","api_refund":false}`})
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"status":"refunded"}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				refs := e.s.Refunds(e.order)
				last := refs[len(refs)-1]
				if len(refs) != 2 || !last.Amount.Equal(decimal.RequireFromString("3300")) || last.Reason != "Order fully refunded." ||
					len(last.LineItems)+len(last.ShippingLines)+len(last.FeeLines) != 0 || last.RefundedPayment {
					t.Errorf("automatic refund %+v", last)
				}
				n := notesOf(e, e.order)
				if len(n) != 2 || !strings.HasPrefix(n[0], "Order status set to refunded.") || n[1] != "Order status changed from Processing to Refunded." {
					t.Errorf("notes %q", n)
				}
			}},
		{name: "status refunded with nothing left adds nothing", source: "OF 905–927",
			prep: func(t *testing.T, e *confEnv) {
				e.do(t, confCase{method: "POST", path: "wp-json/wc/v3/orders/{id}/refunds", body: `{"amount":"3398.01","api_refund":false}`})
			},
			method: "GET", path: "wp-json/wc/v3/orders/{id}", status: 200, has: []string{`"status":"refunded"`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if len(e.s.Refunds(e.order)) != 1 {
					t.Errorf("refunds %d", len(e.s.Refunds(e.order)))
				}
				if n := notesOf(e, e.order); len(n) != 1 || n[0] != "Order status changed from Processing to Refunded." {
					t.Errorf("notes %q", n)
				}
			}},

		// Authentication.
		{name: "Basic over SSL; a wrong secret is refused without WWW-Authenticate", source: "AUTH 182–218, 665",
			header: map[string]string{"Authorization": "Basic " + b64(wctest.DefaultKey+":wrong")}, auth: "none",
			path: "wp-json/wc/v3/orders/{id}", status: 401, has: []string{`"message":"Consumer secret is invalid."`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				if r.header.Get("WWW-Authenticate") != "" {
					t.Error("WWW-Authenticate sent")
				}
			}},
		{name: "query-string keys over SSL", source: "AUTH 182–218", auth: "query", path: "wp-json/wc/v3/orders/{id}", status: 200},
		{name: "Basic over plain HTTP is ignored", source: "§1.2", opts: []wctest.Option{wctest.WithoutSSL()},
			path: "wp-json/wc/v3/orders/{id}", status: 401, has: []string{`"code":"woocommerce_rest_cannot_view"`}},
		{name: "OAuth in the query", source: "AUTH 285–340, 399–487", opts: []wctest.Option{wctest.WithoutSSL()}, auth: "oauth",
			path: "wp-json/wc/v3/orders?include[0]={id}&search=kari%20example", status: 200},
		{name: "OAuth in the Authorization header", source: "AUTH 229–246, 285–340", opts: []wctest.Option{wctest.WithoutSSL()},
			auth: "oauth-header", path: "wp-json/wc/v3/orders/{id}?dp=2", status: 200},
		{name: "OAuth with a parameter missing", source: "AUTH 285–340", opts: []wctest.Option{wctest.WithoutSSL()}, auth: "none",
			path:   "wp-json/wc/v3/orders/{id}?oauth_consumer_key=ck&oauth_timestamp=1&oauth_signature=x&oauth_signature_method=HMAC-SHA256",
			status: 401, has: []string{`"code":"woocommerce_rest_authentication_missing_parameter"`, `"message":"Missing OAuth parameter oauth_nonce"`}},
		{name: "OAuth signs the real verb; _method is a signed parameter", source: "§1.7; SRV 388–393",
			opts: []wctest.Option{wctest.WithoutSSL()}, auth: "oauth", method: "POST", path: "wp-json/wc/v3/orders/{id}?_method=PUT",
			body: `{"status":"on-hold"}`, status: 200, has: []string{`"status":"on-hold"`}},
		{name: "OAuth on ?rest_route= (11.1+): the home without a slash, rest_route signed", source: "AUTH 399–406 (trunk)",
			opts: []wctest.Option{wctest.WithoutSSL()}, auth: "oauth", path: "?rest_route=/wc/v3/orders/{id}", status: 200},
		{name: "WooCommerce 10.x never authenticates ?rest_route=", source: "AUTH 69–84",
			opts: []wctest.Option{wctest.WithoutSSL(), wctest.WithWooCommerce10Auth()}, auth: "oauth", path: "?rest_route=/wc/v3/orders/{id}",
			status: 401, has: []string{`"code":"woocommerce_rest_cannot_view"`}},
		{name: "the auth error comes before the missing route", source: "SRV 436, 1218", auth: "none",
			header: map[string]string{"Authorization": "Basic " + b64(wctest.DefaultKey+":wrong")},
			path:   "wp-json/wc/v3/nothing", status: 401},

		// Webhooks.
		{name: "create forces active and pings, form-encoded and unsigned", source: "WH 612–646; WH1 330–382, 525",
			method: "POST", path: "wp-json/wc/v3/webhooks", body: `{"name":"x","topic":"order.updated","status":"paused","delivery_url":"RECEIVER"}`,
			status: 201, has: []string{`"status":"active"`},
			check: func(t *testing.T, e *confEnv, r confResp) {
				ping := <-e.hits
				if ping.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || ping.Header.Get("X-WC-Webhook-Signature") != "" ||
					ping.Header.Get("X-WC-Webhook-Topic") != "" {
					t.Errorf("ping headers %v", ping.Header)
				}
			}},
		{name: "a delivery is signed over its exact bytes", source: "WH 324–371, 461–466",
			prep: func(t *testing.T, e *confEnv) {
				e.do(t, confCase{method: "POST", path: "wp-json/wc/v3/webhooks", body: `{"topic":"order.updated","secret":"s&amp;1","delivery_url":"RECEIVER"}`})
				<-e.hits // the ping
			},
			method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"status":"completed"}`, status: 200,
			check: func(t *testing.T, e *confEnv, r confResp) {
				e.s.WaitWebhooks()
				<-e.hits
				recs := e.s.Deliveries()
				rec := recs[len(recs)-1]
				// wp_specialchars_decode turns the secret's &amp; into & before
				// signing; the client, given the secret as configured, agrees.
				if err := woocommerce.VerifyWebhookSignature(rec.Body, rec.Header.Get("X-WC-Webhook-Signature"), "s&amp;1"); err != nil {
					t.Error(err)
				}
				if rec.Header.Get("X-WC-Webhook-Signature") != woocommerce.SignWebhook(rec.Body, "s&1") {
					t.Error("not signed with the decoded secret")
				}
				for _, h := range []string{"X-WC-Webhook-Source", "X-WC-Webhook-Topic", "X-WC-Webhook-Resource", "X-WC-Webhook-Event", "X-WC-Webhook-ID", "X-WC-Webhook-Delivery-ID"} {
					if rec.Header.Get(h) == "" {
						t.Errorf("no %s", h)
					}
				}
			}},
		{name: "the 7th consecutive failure disables; reactivation keeps the count", source: "WH 544–577; WH1 390–455",
			prep: func(t *testing.T, e *confEnv) {
				e.status.Store(200)
				r := e.do(t, confCase{method: "POST", path: "wp-json/wc/v3/webhooks", body: `{"topic":"order.updated","delivery_url":"RECEIVER"}`})
				<-e.hits
				e.other = int64(jsonField(t, r.body, "id").(float64))
				e.status.Store(500)
				for i := 1; i <= 7; i++ {
					e.do(t, confCase{method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"customer_note":"` + strconv.Itoa(i) + `"}`})
					e.s.WaitWebhooks()
					<-e.hits
					status := jsonField(t, e.do(t, confCase{path: "wp-json/wc/v3/webhooks/{other}"}).body, "status")
					if want := map[bool]string{true: "disabled", false: "active"}[i == 7]; status != want {
						t.Fatalf("after failure %d: %v", i, status)
					}
				}
				e.do(t, confCase{method: "PUT", path: "wp-json/wc/v3/webhooks/{other}", body: `{"status":"active"}`})
				e.do(t, confCase{method: "PUT", path: "wp-json/wc/v3/orders/{id}", body: `{"customer_note":"again"}`})
				e.s.WaitWebhooks()
				<-e.hits
			},
			path: "wp-json/wc/v3/webhooks/{other}", status: 200, has: []string{`"status":"disabled"`}},
		{name: "an invalid topic", source: "WH1; §6", method: "POST", path: "wp-json/wc/v3/webhooks",
			body: `{"topic":"order.shipped","delivery_url":"https://example.com/hook"}`, status: 400,
			has: []string{`"code":"woocommerce_rest_webhook_invalid_topic"`, `Webhook topic is required and must be valid.`}},
		{name: "a missing webhook names the shop_webhook post type", source: "WH1 get_item", path: "wp-json/wc/v3/webhooks/999999",
			status: 404, has: []string{`"code":"woocommerce_rest_shop_webhook_invalid_id"`}},
		{name: "webhooks cannot be trashed", source: "§6", method: "DELETE", path: "wp-json/wc/v3/webhooks/1", status: 501,
			has: []string{`Webhooks do not support trashing.`}},
	}
	if len(cases) < 40 {
		t.Fatalf("%d cases; the table promises at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := &confEnv{hits: make(chan *http.Request, 64)}
			e.status.Store(200)
			e.receiver = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(int(e.status.Load()))
				e.hits <- r
			}))
			t.Cleanup(e.receiver.Close)
			gw := wctest.GatewayFunc(func(context.Context, woocommerce.Order, decimal.Decimal, string) error {
				e.gateway.Add(1)
				return e.gwErr
			})
			e.s = wctest.NewServer(append([]wctest.Option{wctest.WithGateway(gw)}, c.opts...)...)
			t.Cleanup(e.s.Close)
			first := e.s.SeedOrder(confSpec())
			e.order, e.other, e.line = first.ID, e.s.SeedOrder(confSpec()).ID, first.LineItems[0].ID
			if c.prep != nil {
				c.prep(t, e)
			}
			r := e.do(t, c)
			if r.status != c.status {
				t.Fatalf("[%s] status %d, want %d: %s", c.source, r.status, c.status, r.body)
			}
			for _, want := range c.has {
				if !strings.Contains(r.body, want) {
					t.Errorf("[%s] body lacks %s: %.600s", c.source, want, r.body)
				}
			}
			for _, not := range c.lacks {
				if strings.Contains(r.body, not) {
					t.Errorf("[%s] body has %s", c.source, not)
				}
			}
			if c.check != nil {
				c.check(t, e, r)
			}
			if err := e.s.DecodeError(); err != nil {
				t.Error(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := wctest.WaitQuiet(ctx, 0, e.s); err != nil {
				t.Error(err)
			}
		})
	}
}
