package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const (
	store    = "https://shop.test/"
	apiBase  = "https://shop.test/wp-json/wc/v3/"
	ckKey    = "ck_KEY_123"
	csSecret = "cs_SECRET_456"
)

var fastRetry = RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

func newMockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var mu sync.Mutex
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(writer(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(store, ckKey, csSecret, append([]Option{WithHTTPClient(&http.Client{Transport: mt}), WithRetry(fastRetry), WithLogger(log)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, secret := range []string{csSecret, "Y2tfS0VZXzEyMzpjc19TRUNSRVRfNDU2", "oauth_signature"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs leak %q", secret)
			}
		}
	})
	return c, mt
}

type writer func([]byte) (int, error)

func (w writer) Write(p []byte) (int, error) { return w(p) }

func respond(status int, body string, hdr ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		r.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r, nil
	}
}

func bodyOf(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return m
}

func TestNewValidates(t *testing.T) {
	for name, args := range map[string][3]string{
		"relative": {"shop.test", "k", "s"}, "ftp": {"ftp://shop.test", "k", "s"},
		"no key": {store, "", "s"}, "no secret": {store, "k", ""},
	} {
		if _, err := New(args[0], args[1], args[2]); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(store, "k", "s", WithSignatureMethod("PLAINTEXT")); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("plaintext: %v", err)
	}
}

func TestAuthModes(t *testing.T) {
	t.Parallel()
	t.Run("basic over https", func(t *testing.T) {
		c, mt := newMockClient(t)
		mt.RegisterResponder("GET", apiBase+"orders/1", func(r *http.Request) (*http.Response, error) {
			k, s, ok := r.BasicAuth()
			if !ok || k != ckKey || s != csSecret || r.URL.RawQuery != "" {
				t.Errorf("basic: %v %s", ok, r.URL.RawQuery)
			}
			return respond(200, `{"id":1}`)(r)
		})
		if _, _, err := c.Orders.Get(context.Background(), 1, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("query string", func(t *testing.T) {
		c, mt := newMockClient(t, WithAuth(AuthQueryString))
		mt.RegisterResponder("GET", `=~^https://shop\.test/wp-json/wc/v3/orders/1`, func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("consumer_key") != ckKey || r.URL.Query().Get("consumer_secret") != csSecret || r.Header.Get("Authorization") != "" {
				t.Errorf("query auth: %s", r.URL.RawQuery)
			}
			return respond(404, `{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":404}}`)(r)
		})
		_, _, err := c.Orders.Get(context.Background(), 1, nil)
		if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrInvalidOrderID) || strings.Contains(err.Error(), csSecret) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("oauth over http", func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		if _, err := New("http://shop.test", ckKey, csSecret, WithHTTPClient(&http.Client{Transport: mt})); !errors.Is(err, ErrInsecureURL) {
			t.Fatalf("plain http to a remote store without opting in: %v", err)
		}
		c, _ := New("http://shop.test", ckKey, csSecret, WithHTTPClient(&http.Client{Transport: mt}), WithInsecureHTTP())
		mt.RegisterResponder("GET", `=~^http://shop\.test/wp-json/wc/v3/orders`, func(r *http.Request) (*http.Response, error) {
			q := r.URL.Query()
			if q.Get("oauth_consumer_key") != ckKey || q.Get("oauth_signature") == "" || q.Get("oauth_signature_method") != "HMAC-SHA256" || r.Header.Get("Authorization") != "" {
				t.Errorf("oauth query: %s", r.URL.RawQuery)
			}
			return respond(200, `[]`)(r)
		})
		if _, _, err := c.Orders.List(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("query routing and prefix", func(t *testing.T) {
		c, mt := newMockClient(t, WithQueryRouting())
		mt.RegisterResponder("GET", "https://shop.test/", func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("rest_route") != "/wc/v3/orders/7/notes" {
				t.Errorf("rest_route = %q", r.URL.Query().Get("rest_route"))
			}
			return respond(200, `[]`)(r)
		})
		if _, _, err := c.Notes.List(context.Background(), 7, ""); err != nil {
			t.Fatal(err)
		}
		c2, mt2 := newMockClient(t, WithRESTPrefix("/api/"))
		mt2.RegisterResponder("GET", "https://shop.test/api/wc/v3/orders/7", respond(200, `{"id":7}`))
		if _, _, err := c2.Orders.Get(context.Background(), 7, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOrdersListQueryAndPaging(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", apiBase+"orders", func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		for k, want := range map[string]string{"status": "processing,on-hold", "modified_after": "2026-11-01T00:00:00",
			"dates_are_gmt": "true", "orderby": "modified", "order": "asc", "per_page": "2", "include": "1,2,3", "_fields": "id,status", "dp": "4"} {
			if q.Get(k) != want {
				t.Errorf("%s = %q, want %q", k, q.Get(k), want)
			}
		}
		if q.Get("page") == "2" {
			return respond(200, `[{"id":3}]`, "X-WP-Total", "3", "X-WP-TotalPages", "2",
				"Link", `<https://shop.test/wp-json/wc/v3/orders?page=1>; rel="prev"`)(r)
		}
		return respond(200, `[{"id":1},{"id":2}]`, "X-WP-Total", "3", "X-WP-TotalPages", "2",
			"Link", `<https://shop.test/wp-json/wc/v3/orders?page=2&per_page=2>; rel="next"`)(r)
	})
	dp := 4
	opts := &OrderListOptions{PerPage: 2, Statuses: []Status{StatusProcessing, StatusOnHold},
		ModifiedAfter: time.Date(2026, 11, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600)), OrderBy: "modified", Order: "asc",
		Include: []int64{1, 2, 3}, Fields: []string{"id", "status"}, DP: &dp}
	_, resp, err := c.Orders.List(context.Background(), opts)
	if err != nil || resp.Total != 3 || resp.TotalPages != 2 || resp.NextPage != 2 {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	var ids []int64
	for o, err := range c.Orders.ListIter(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	if len(ids) != 3 || ids[2] != 3 || opts.Page != 0 {
		t.Errorf("ids %v, opts changed: %d", ids, opts.Page)
	}
	if _, _, err := c.Orders.List(context.Background(), &OrderListOptions{PerPage: 101}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("per_page 101: %v", err)
	}
}

func TestOrdersUpdateAndStatus(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder("PUT", apiBase+"orders/42", func(r *http.Request) (*http.Response, error) {
		b := bodyOf(t, r)
		if b["status"] != "completed" || len(b) != 1 {
			t.Errorf("body = %v", b)
		}
		// The plugin's capture failed inside the request: WooCommerce
		// answers with the status the order ended with.
		return respond(200, `{"id":42,"status":"on-hold"}`)(r)
	})
	o, _, err := c.Orders.SetStatus(context.Background(), 42, StatusCompleted)
	if err != nil || o.Status != StatusOnHold {
		t.Fatalf("order %+v err %v", o, err)
	}
	if _, _, err := c.Orders.SetStatus(context.Background(), 42, ""); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty status: %v", err)
	}
}

func TestOrdersUpdateFieldsGoInTheQuery(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder("PUT", `=~^`+regexp.QuoteMeta(apiBase)+`orders/42\?`, func(r *http.Request) (*http.Response, error) {
		if got := r.URL.Query().Get("_fields"); got != "id,status,meta_data" {
			t.Errorf("_fields = %q", got)
		}
		if b := bodyOf(t, r); len(b) != 1 || b["status"] != "completed" {
			t.Errorf("body = %v", b)
		}
		return respond(200, `{"id":42,"status":"completed","meta_data":[{"id":7,"key":"k","value":"v"}],"_links":{}}`)(r)
	})
	o, _, err := c.Orders.Update(context.Background(), 42, &OrderUpdate{Status: StatusCompleted, Fields: []string{"id", "status", "meta_data"}})
	if err != nil || o.ID != 42 || o.Status != StatusCompleted || len(o.MetaData) != 1 || o.MetaData[0].Key != "k" {
		t.Fatalf("order %+v err %v", o, err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Errorf("calls %d", mt.GetTotalCallCount())
	}
}

func TestBatchLimit(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	b := &OrderBatch{}
	for i := range 101 {
		b.Update = append(b.Update, OrderBatchUpdate{ID: int64(i + 1), OrderUpdate: OrderUpdate{Status: StatusCompleted}})
	}
	if _, _, err := c.Orders.Batch(context.Background(), b); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("101 items: %v", err)
	}
	if mt.GetTotalCallCount() != 0 {
		t.Error("an oversized batch was sent")
	}
	mt.RegisterResponder("POST", apiBase+"orders/batch", func(r *http.Request) (*http.Response, error) {
		body := bodyOf(t, r)
		if len(body["update"].([]any)) != 100 {
			t.Errorf("update count %d", len(body["update"].([]any)))
		}
		return respond(200, `{"update":[{"id":1,"status":"completed"},{"id":2,"error":{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID."}}]}`)(r)
	})
	res, _, err := c.Orders.Batch(context.Background(), &OrderBatch{Update: b.Update[:100]})
	if err != nil || res.Update[0].Status != StatusCompleted || res.Update[1].Error == nil || res.Update[1].Error.Code != "woocommerce_rest_shop_order_invalid_id" {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestRefundCreateBody(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder("POST", apiBase+"orders/727/refunds", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		var got map[string]any
		json.Unmarshal(b, &got)
		if got["amount"] != "7.45" || got["api_refund"] != false {
			t.Errorf("amount/api_refund: %s", b)
		}
		if !strings.Contains(string(b), `{"id":315,"quantity":1,"refund_total":3,`) || !strings.Contains(string(b), `"refund_tax":[{"id":75,"refund_total":0.225}]`) ||
			!strings.Contains(string(b), `{"id":317,"refund_total":4.225}`) {
			t.Errorf("line numbers: %s", b)
		}
		if !strings.Contains(string(b), `"meta_data":[{"key":"_dinterowoo_refund","value":"r-1"}]`) {
			t.Errorf("meta: %s", b)
		}
		return respond(201, `{"id":900,"amount":"7.45","refunded_payment":false,"meta_data":[{"id":1,"key":"_dinterowoo_refund","value":"r-1"}]}`)(r)
	})
	r, _, err := c.Refunds.Create(context.Background(), 727, &RefundRequest{
		Amount: dec("7.45"), Reason: "Refund via Dintero", Gateway: RecordOnly,
		LineItems: []RefundLine{
			{ItemID: 315, Quantity: 1, Total: dec("3.00"), Taxes: []RefundTax{{RateID: 75, Amount: dec("0.225")}}},
			{ItemID: 317, Total: dec("4.225")},
		},
		MetaData: []Meta{MetaString("_dinterowoo_refund", "r-1")},
	})
	if err != nil || r.ID != 900 {
		t.Fatalf("refund %+v err %v", r, err)
	}
	if m, ok := r.Meta("_dinterowoo_refund"); !ok || m.StringValue() != "r-1" {
		t.Errorf("marker: %+v", m)
	}
}

func TestRefundCreateValidation(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	ctx := context.Background()
	tests := map[string]*RefundRequest{
		"nil":              nil,
		"no gateway":       {Amount: dec("1")},
		"zero":             {Amount: dec("0"), Gateway: RecordOnly},
		"negative":         {Amount: dec("-1"), Gateway: RecordOnly},
		"lines disagree":   {Amount: dec("10"), Gateway: RecordOnly, LineItems: []RefundLine{{ItemID: 1, Total: dec("9")}}},
		"repeated line":    {Amount: dec("2"), Gateway: RecordOnly, LineItems: []RefundLine{{ItemID: 1, Total: dec("1")}, {ItemID: 1, Total: dec("1")}}},
		"negative qty":     {Amount: dec("1"), Gateway: RecordOnly, LineItems: []RefundLine{{ItemID: 1, Quantity: -1, Total: dec("1")}}},
		"bad tax rate":     {Amount: dec("2"), Gateway: RecordOnly, LineItems: []RefundLine{{ItemID: 1, Total: dec("1"), Taxes: []RefundTax{{Amount: dec("1")}}}}},
		"missing item id":  {Amount: dec("1"), Gateway: RecordOnly, LineItems: []RefundLine{{Total: dec("1")}}},
		"negative line":    {Amount: dec("1"), Gateway: RecordOnly, LineItems: []RefundLine{{ItemID: 1, Total: dec("-1")}}},
		"negative tax val": {Amount: dec("0"), Gateway: RecordOnly, LineItems: []RefundLine{{ItemID: 1, Total: dec("1"), Taxes: []RefundTax{{RateID: 1, Amount: dec("-1")}}}}},
	}
	for name, req := range tests {
		if _, _, err := c.Refunds.Create(ctx, 1, req); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if mt.GetTotalCallCount() != 0 {
		t.Error("invalid refunds were sent")
	}
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		code     string
	}{
		// The refund path's bare-int data: WordPress answers 500 although
		// the data says 404.
		{"bare int", 500, `{"code":"woocommerce_rest_invalid_order_id","message":"Invalid order ID.","data":404}`, ErrServer, "woocommerce_rest_invalid_order_id"},
		{"refund refused", 500, `{"code":"woocommerce_rest_cannot_create_order_refund","message":"Invalid refund amount.","data":500}`, ErrRefundRefused, "woocommerce_rest_cannot_create_order_refund"},
		{"invalid param", 400, `{"code":"rest_invalid_param","message":"Invalid parameter(s): amount","data":{"status":400,"params":{"amount":"amount is not of type string."}}}`, ErrInvalidParam, "rest_invalid_param"},
		{"auth", 401, `{"code":"woocommerce_rest_authentication_error","message":"Consumer secret is invalid.","data":{"status":401}}`, ErrUnauthorized, "woocommerce_rest_authentication_error"},
		{"html", 502, `<html>Bad gateway</html>`, &APIError{Status: 502}, ""},
	}
	for _, tt := range tests {
		c, mt := newMockClient(t, WithRetry(RetryPolicy{MaxRetries: -1}))
		mt.RegisterResponder("GET", apiBase+"orders/1/refunds", respond(tt.status, tt.body))
		_, resp, err := c.Refunds.List(context.Background(), 1, nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, tt.sentinel) || apiErr.Code != tt.code || apiErr.Status != tt.status {
			t.Errorf("%s: %v (%+v)", tt.name, err, apiErr)
			continue
		}
		if resp == nil || resp.StatusCode != tt.status {
			t.Errorf("%s: no response", tt.name)
		}
		if tt.name == "invalid param" && apiErr.Params["amount"] != "amount is not of type string." {
			t.Errorf("params = %v", apiErr.Params)
		}
		if tt.name == "bare int" && string(apiErr.Data) != "404" {
			t.Errorf("data = %s", apiErr.Data)
		}
	}
}

func TestRefundCreate5xxIsOutcomeUnknownAndNotRetried(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder("POST", apiBase+"orders/1/refunds", respond(503, `{"code":"x","message":"busy"}`))
	_, _, err := c.Refunds.Create(context.Background(), 1, &RefundRequest{Amount: dec("1"), Gateway: RecordOnly})
	if !errors.Is(err, ErrOutcomeUnknown) || mt.GetTotalCallCount() != 1 {
		t.Errorf("err %v calls %d", err, mt.GetTotalCallCount())
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder("POST", apiBase+"orders/5/notes", func(r *http.Request) (*http.Response, error) {
		b := bodyOf(t, r)
		if b["note"] != "The Dintero order has been captured." || b["customer_note"] != false || b["added_by_user"] != false {
			t.Errorf("body %v", b)
		}
		return respond(201, `{"id":9,"author":"system","note":"The Dintero order has been captured.","customer_note":false}`)(r)
	})
	mt.RegisterResponder("GET", apiBase+"orders/5/notes", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("type") != "internal" {
			t.Errorf("type = %q", r.URL.Query().Get("type"))
		}
		return respond(200, `[{"id":9,"note":"x"}]`)(r)
	})
	mt.RegisterResponder("DELETE", apiBase+"orders/5/notes/9", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("force") != "true" {
			t.Error("delete without force")
		}
		return respond(200, `{"id":9}`)(r)
	})
	ctx := context.Background()
	if n, _, err := c.Notes.Create(ctx, 5, &NoteRequest{Note: "The Dintero order has been captured."}); err != nil || n.ID != 9 {
		t.Fatal(n, err)
	}
	if ns, _, err := c.Notes.List(ctx, 5, NotesInternal); err != nil || len(ns) != 1 {
		t.Fatal(ns, err)
	}
	if _, err := c.Notes.Delete(ctx, 5, 9); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Notes.Create(ctx, 5, &NoteRequest{Note: "  "}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty note: %v", err)
	}
}
