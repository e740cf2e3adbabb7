package dintero

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jarcoal/httpmock"
)

const txJSON = `{
  "id": "T12345678.3YkJXSdSnUBXcmQSzn7uJj",
  "created_at": "2026-11-29T10:00:00Z",
  "status": "PARTIALLY_CAPTURED",
  "amount": 33890,
  "currency": "NOK",
  "merchant_reference": "wc-1001",
  "payment_product_type": "dintero_psp.creditcard",
  "some_future_field": {"x": 1},
  "items": [
    {"id": "chair-1", "line_id": "1", "description": "Stablestol", "quantity": 1, "amount": 29990, "vat_amount": 5998, "vat": 25},
    {"id": "pickup", "line_id": "shipping", "quantity": 1, "amount": 3900, "vat_amount": 780, "vat": 25, "type": "shipping"}
  ],
  "events": [
    {"event": "INITIALIZE", "success": true, "amount": 33890},
    {"event": "AUTHORIZE", "success": true, "amount": 33890, "transaction_status": "AUTHORIZED"},
    {"event": "CAPTURE", "success": true, "amount": 10000, "event_reference": "wc-1001-capture-1", "request_id": "r1"},
    {"event": "CAPTURE", "success": false, "amount": 5000, "event_reference": "wc-1001-capture-x", "error": {"code": "X", "message": "declined"}},
    {"event": "REFUND", "success": true, "amount": 2500, "event_reference": "wc-1001-refund-7"},
    {"event": "INITIATE_REFUND", "success": true, "amount": 1000, "event_reference": "wc-1001-refund-8", "request_id": "p1"},
    {"event": "BRAND_NEW_EVENT", "success": true}
  ]
}`

func TestTransactionsGet(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T12345678.abc", func(r *http.Request) (*http.Response, error) {
		if got := r.URL.Query()["includes"]; !slices.Equal(got, []string{"session", "events.request_headers"}) {
			t.Errorf("includes = %v", got)
		}
		return expect(t, "GET", "/v1/transactions/T12345678.abc", "", 200, txJSON)(r)
	})
	tx, resp, err := c.Transactions.Get(context.Background(), "T12345678.abc", &GetOptions{Includes: []string{"session", "events.request_headers"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.RequestID != "req-1" || resp.Attempts != 1 || resp.Pending {
		t.Errorf("response = %+v", resp)
	}
	if tx.Amount != 33890 || tx.Currency != "NOK" || tx.Status != StatusPartiallyCaptured || len(tx.Items) != 2 {
		t.Fatalf("decoded %+v", tx)
	}
	if !tx.CreatedAt.Equal(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("created_at = %v", tx.CreatedAt)
	}
	if tx.Items[0].VAT.String() != "25" || tx.Items[0].Quantity.String() != "1" || tx.Items[0].VATAmount != 5998 {
		t.Errorf("item = %+v", tx.Items[0])
	}
	if tx.Events[6].Event != "BRAND_NEW_EVENT" {
		t.Errorf("unknown event type not kept: %q", tx.Events[6].Event)
	}
	// Money helpers: failed events do not count, pending ones reserve.
	if got := tx.CapturedAmount(); got != 10000 {
		t.Errorf("captured = %d", got)
	}
	if got := tx.RefundedAmount(); got != 2500 {
		t.Errorf("refunded = %d", got)
	}
	if got := tx.RemainingToCapture(); got != 23890 {
		t.Errorf("remaining to capture = %d", got)
	}
	if got := tx.PendingAmount(EventRefund); got != 1000 {
		t.Errorf("pending refunds = %d", got)
	}
	if got := tx.PendingAmount(EventCapture); got != 0 {
		t.Errorf("pending captures = %d", got)
	}
	if got := tx.RemainingToRefund(); got != 10000-2500-1000 {
		t.Errorf("remaining to refund = %d", got)
	}
	if e := tx.FindEvent(EventCapture, "wc-1001-capture-1"); e == nil || e.RequestID != "r1" {
		t.Errorf("FindEvent capture = %+v", e)
	}
	if e := tx.FindEvent(EventCapture, "wc-1001-capture-x"); e != nil {
		t.Errorf("a failed capture was found as done: %+v", e)
	}
	if e := tx.FindEvent(EventRefund, "wc-1001-refund-8"); e == nil || e.Event != EventInitiateRefund {
		t.Errorf("pending refund not found: %+v", e)
	}
	if e := tx.FindEvent(EventRefund, "nope"); e != nil {
		t.Errorf("found %+v", e)
	}
}

func TestTransactionsCapture(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/capture", expect(t, "POST", "/v1/transactions/T1/capture",
		`{"amount":33890,"capture_reference":"wc-1001-capture","items":[
		  {"id":"chair-1","line_id":"1","description":"Stablestol","quantity":1,"amount":29990,"vat_amount":5998,"vat":25},
		  {"line_id":"shipping","quantity":1,"amount":3900,"vat_amount":780,"vat":12.5,"type":"shipping"}],
		  "metadata":{"ext_order":"1001"}}`,
		200, `{"id":"T1","status":"CAPTURED","amount":33890}`))
	vat, _ := ParseNumber("12.5")
	tx, resp, err := c.Transactions.Capture(context.Background(), "T1", &CaptureRequest{
		Amount: 33890, CaptureReference: "wc-1001-capture",
		Items: []Item{
			{ID: "chair-1", LineID: "1", Description: "Stablestol", Quantity: N(1), Amount: 29990, VATAmount: 5998, VAT: N(25)},
			{LineID: "shipping", Quantity: N(1), Amount: 3900, VATAmount: 780, VAT: vat, Type: ItemShipping},
		},
		Metadata: map[string]string{"ext_order": "1001"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Status != StatusCaptured || resp.Pending {
		t.Errorf("tx %+v resp %+v", tx, resp)
	}
}

func TestTransactionsRefund(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/refund", expect(t, "POST", "/v1/transactions/T1/refund",
		`{"amount":2500,"refund_reference":"wc-1001-refund-55","reason":"Refund via Dintero","items":[{"line_id":"1","amount":2500,"vat_amount":500,"vat":25}]}`,
		200, `{"id":"T1","status":"PARTIALLY_REFUNDED"}`))
	tx, _, err := c.Transactions.Refund(context.Background(), "T1", &RefundRequest{
		Amount: 2500, RefundReference: "wc-1001-refund-55", Reason: "Refund via Dintero",
		Items: []Item{{LineID: "1", Amount: 2500, VATAmount: 500, VAT: N(25)}},
	})
	if err != nil || tx.Status != StatusPartiallyRefunded {
		t.Fatalf("tx %+v err %v", tx, err)
	}
}

func TestTransactionsVoid(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/void",
		expect(t, "POST", "/v1/transactions/T1/void", "", 200, `{"id":"T1","status":"AUTHORIZATION_VOIDED"}`))
	tx, _, err := c.Transactions.Void(context.Background(), "T1")
	if err != nil || tx.Status != StatusAuthorizationVoided {
		t.Fatalf("tx %+v err %v", tx, err)
	}
}

func TestTransactionsAccepted202IsPending(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/capture",
		httpmock.NewStringResponder(202, `{"id":"T1","status":"AUTHORIZED"}`).HeaderSet(http.Header{"Event-Request-Id": {"evt-req-9"}}))
	tx, resp, err := c.Transactions.Capture(context.Background(), "T1", &CaptureRequest{Amount: 100})
	if err != nil {
		t.Fatalf("202 must not be an error: %v", err)
	}
	if !resp.Pending || resp.EventRequestID != "evt-req-9" || tx.Status != StatusAuthorized {
		t.Errorf("resp %+v tx %+v", resp, tx)
	}
}

func TestTransactionsUpdateAuthorization(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	amount := int64(5000)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/authorization", expect(t, "POST", "/v1/transactions/T1/authorization",
		`{"amount":5000,"reason":"manual review passed","items":[{"line_id":"1","amount":5000}]}`, 200, `{"id":"T1","status":"AUTHORIZED"}`))
	tx, _, err := c.Transactions.UpdateAuthorization(context.Background(), "T1", &AuthorizationUpdate{
		Amount: &amount, Reason: "manual review passed", Items: []Item{{LineID: "1", Amount: 5000}},
	})
	if err != nil || tx.Status != StatusAuthorized {
		t.Fatalf("tx %+v err %v", tx, err)
	}
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T2/authorization",
		httpmock.NewStringResponder(409, `{"error":{"code":"CONFLICT","message":"not allowed"}}`))
	_, _, err = c.Transactions.UpdateAuthorization(context.Background(), "T2", nil)
	if !errors.Is(err, ErrConflict) {
		t.Errorf("409: err = %v", err)
	}
}

func TestTransactionsSetMerchantReference2(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPut, checkoutURL+"transactions/T1", expect(t, "PUT", "/v1/transactions/T1",
		`{"merchant_reference_2":"1001"}`, 200, `{"id":"T1","merchant_reference_2":"1001"}`))
	tx, _, err := c.Transactions.SetMerchantReference2(context.Background(), "T1", "1001")
	if err != nil || tx.MerchantReference2 != "1001" {
		t.Fatalf("tx %+v err %v", tx, err)
	}
}

func TestTransactionsListAndIter(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	var queries []url.Values
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions", func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		queries = append(queries, q)
		switch q.Get("starting_after") {
		case "":
			return httpmock.NewStringResponse(200, `[{"id":"a"},{"id":"b"}]`), nil
		case "b":
			return httpmock.NewStringResponse(200, `[{"id":"c"},{"id":"d"}]`), nil
		default:
			return httpmock.NewStringResponse(200, `[{"id":"e"}]`), nil
		}
	})
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	opts := &ListOptions{Limit: 2, Statuses: []Status{StatusAuthorized, StatusOnHold}, MerchantReference: "wc-1",
		CreatedFrom: from, Currencies: []string{"NOK"}}
	var ids []string
	for tx, err := range c.Transactions.ListIter(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tx.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("ids = %v", ids)
	}
	if len(queries) != 3 || queries[2].Get("starting_after") != "d" {
		t.Fatalf("queries = %v", queries)
	}
	q := queries[0]
	if q.Get("limit") != "2" || !slices.Equal(q["status"], []string{"AUTHORIZED", "ON_HOLD"}) ||
		q.Get("merchant_reference") != "wc-1" || q.Get("created_at.gte") != "2026-11-01T00:00:00Z" || q.Get("currency") != "NOK" {
		t.Errorf("query = %v", q)
	}
	if opts.StartingAfter != "" {
		t.Error("ListIter changed the caller's options")
	}
	// Stopping early makes no further request.
	calls := len(queries)
	for range c.Transactions.ListIter(context.Background(), opts) {
		break
	}
	if len(queries) != calls+1 {
		t.Errorf("early stop made %d requests", len(queries)-calls)
	}
	if _, _, err := c.Transactions.List(context.Background(), &ListOptions{Limit: 101}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("limit 101: %v", err)
	}
}

func TestListIterYieldsErrorOnce(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions", httpmock.NewStringResponder(403, `{"error":{"message":"no"}}`))
	n := 0
	for tx, err := range c.Transactions.ListIter(context.Background(), nil) {
		n++
		if tx != nil || !errors.Is(err, ErrForbidden) {
			t.Errorf("got %v, %v", tx, err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times", n)
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
		message  string
	}{
		{"nested", 400, `{"error":{"code":"INVALID_REQUEST_PARAMETER","message":"amount too large","errors":[{"description":"amount"}]}}`,
			ErrBadRequest, "INVALID_REQUEST_PARAMETER", "amount too large"},
		{"bare string", 403, `{"error":"forbidden here"}`, ErrForbidden, "", "forbidden here"},
		{"not found", 404, `{"error":{"message":"transaction not found"}}`, ErrNotFound, "", "transaction not found"},
		{"html", 404, "<html>\n<body>Not Found</body></html>", ErrNotFound, "", "<html> <body>Not Found</body></html>"},
		{"empty", 409, ``, ErrConflict, "", ""},
		{"processor", 503, `{"error":{"code":"ProcessorTemporarilyUnavailable","message":"try again"}}`,
			ErrUnavailable, "ProcessorTemporarilyUnavailable", "try again"},
	}
	for _, tt := range tests {
		c, mt := newMockClient(t, WithRetry(RetryPolicy{MaxRetries: -1}))
		mt.RegisterResponder(http.MethodGet, checkoutURL+"transactions/T1", httpmock.NewStringResponder(tt.status, tt.body))
		_, resp, err := c.Transactions.Get(context.Background(), "T1", nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s: err = %v", tt.name, err)
		}
		if !errors.Is(err, tt.sentinel) || apiErr.Code != tt.code || apiErr.Message != tt.message ||
			apiErr.StatusCode != tt.status || apiErr.Op != "dintero.Transactions.Get" {
			t.Errorf("%s: %+v", tt.name, apiErr)
		}
		if tt.name == "nested" && (len(apiErr.Details) != 1 || apiErr.Details[0]["description"] != "amount") {
			t.Errorf("details = %v", apiErr.Details)
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("%s: a read is never outcome-unknown", tt.name)
		}
		if resp == nil || resp.StatusCode != tt.status {
			t.Errorf("%s: response not returned", tt.name)
		}
	}
}

func TestMoneyMovingServerErrorIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/refund",
		httpmock.NewStringResponder(500, `{"error":{"message":"internal"}}`))
	_, _, err := c.Transactions.Refund(context.Background(), "T1", &RefundRequest{Amount: 100, RefundReference: "r"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrOutcomeUnknown) || apiErr.StatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	if n := mt.GetCallCountInfo()["POST "+checkoutURL+"transactions/T1/refund"]; n != 1 {
		t.Errorf("refund sent %d times", n)
	}
}

func TestMoneyMovingSuccessWithGarbageBodyIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	// The plugin records a non-JSON answer to a capture as success; a 200
	// we cannot read is "it happened, but we do not know what": the caller
	// must read the transaction back.
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, checkoutURL+"transactions/T1/capture", httpmock.NewStringResponder(200, `<html>ok</html>`))
	_, _, err := c.Transactions.Capture(context.Background(), "T1", &CaptureRequest{Amount: 100})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
}

func TestRequestValidationSendsNothing(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	ctx := context.Background()
	items := func(amounts ...int64) []Item {
		var out []Item
		for i, a := range amounts {
			out = append(out, Item{LineID: string(rune('a' + i)), Amount: a})
		}
		return out
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"empty id", func() error { _, _, err := c.Transactions.Get(ctx, " ", nil); return err }},
		{"nil capture", func() error { _, _, err := c.Transactions.Capture(ctx, "T1", nil); return err }},
		{"zero capture", func() error { _, _, err := c.Transactions.Capture(ctx, "T1", &CaptureRequest{}); return err }},
		{"negative refund", func() error { _, _, err := c.Transactions.Refund(ctx, "T1", &RefundRequest{Amount: -5}); return err }},
		{"items do not add up", func() error {
			_, _, err := c.Transactions.Capture(ctx, "T1", &CaptureRequest{Amount: 100, Items: items(60, 30)})
			return err
		}},
		{"duplicate line", func() error {
			_, _, err := c.Transactions.Refund(ctx, "T1", &RefundRequest{Amount: 20, Items: []Item{{LineID: "a", Amount: 10}, {LineID: "a", Amount: 10}}})
			return err
		}},
		{"missing line id", func() error {
			_, _, err := c.Transactions.Refund(ctx, "T1", &RefundRequest{Amount: 10, Items: []Item{{Amount: 10}}})
			return err
		}},
		{"vat above amount", func() error {
			_, _, err := c.Transactions.Refund(ctx, "T1", &RefundRequest{Amount: 10, Items: []Item{{LineID: "a", Amount: 10, VATAmount: 11}}})
			return err
		}},
		{"metadata key", func() error {
			_, _, err := c.Transactions.Capture(ctx, "T1", &CaptureRequest{Amount: 1, Metadata: map[string]string{"order": "1"}})
			return err
		}},
		{"empty void id", func() error { _, _, err := c.Transactions.Void(ctx, ""); return err }},
		{"negative authorization", func() error {
			n := int64(-1)
			_, _, err := c.Transactions.UpdateAuthorization(ctx, "T1", &AuthorizationUpdate{Amount: &n})
			return err
		}},
	}
	for _, tt := range tests {
		if err := tt.call(); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", tt.name, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

// TestCaptureMetadataLimitsCountCharacters: Dintero limits metadata keys
// to 128 and values to 256 characters, not bytes.
func TestCaptureMetadataLimitsCountCharacters(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"ext_" + strings.Repeat("é", 124), "v", true},
		{"ext_" + strings.Repeat("é", 125), "v", false},
		{"ext_k", strings.Repeat("ø", 256), true},
		{"ext_k", strings.Repeat("ø", 257), false},
		{"order", "1", false},
	}
	for _, tt := range tests {
		err := checkMoneyRequest("op", 100, nil, map[string]string{tt.key: tt.value})
		if (err == nil) != tt.ok {
			t.Errorf("key of %d and value of %d characters: %v", utf8.RuneCountInString(tt.key), utf8.RuneCountInString(tt.value), err)
		}
	}
}

// TestCheckItemsSigns: gift-card and rounding lines may be negative, with
// a VAT of the same sign inside them; other lines may not.
func TestCheckItemsSigns(t *testing.T) {
	tests := []struct {
		name string
		item Item
		ok   bool
	}{
		{"product", Item{LineID: "1", Amount: 12500, VATAmount: 2500}, true},
		{"negative product", Item{LineID: "1", Amount: -12500}, false},
		{"untaxed gift card", Item{LineID: "gc", Type: ItemGiftCard, Amount: -5000}, true},
		{"taxed gift card", Item{LineID: "gc", Type: ItemGiftCard, Amount: -50000, VATAmount: -10000}, true},
		{"gift card with positive VAT", Item{LineID: "gc", Type: ItemGiftCard, Amount: -50000, VATAmount: 10000}, false},
		{"gift card with VAT beyond it", Item{LineID: "gc", Type: ItemGiftCard, Amount: -5000, VATAmount: -6000}, false},
		{"negative rounding line", Item{LineID: RoundingLineID, Amount: -2}, true},
		{"negative VAT on a product", Item{LineID: "1", Amount: 100, VATAmount: -20}, false},
		{"VAT beyond the amount", Item{LineID: "1", Amount: 100, VATAmount: 101}, false},
	}
	for _, tt := range tests {
		err := checkItems("op", tt.item.Amount, []Item{tt.item})
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
