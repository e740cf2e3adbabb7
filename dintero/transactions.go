package dintero

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TransactionsService reads and changes payments: capture, refund, void,
// authorization updates. Reach it through Client.Transactions.
//
// Capture, Refund and Void move money and Dintero has no idempotency keys,
// so they are never repeated once the request may have reached Dintero. An
// error matching ErrOutcomeUnknown means: read the transaction and look for
// your reference with Transaction.FindEvent before trying again. A 202
// Accepted answer is not an error: the returned Response has Pending set.
type TransactionsService service

// GetOptions selects what a transaction read includes.
type GetOptions struct {
	// Includes lists extra parts: "session", "events.request_headers",
	// "card.payment_token", "initiating_system_request_headers", ...
	Includes []string
}

// Get reads a transaction.
//
// Dintero API docs: GET /v1/transactions/{id}
func (s *TransactionsService) Get(ctx context.Context, id string, opts *GetOptions) (*Transaction, *Response, error) {
	const op = "dintero.Transactions.Get"
	if err := checkID(op, "transaction", id); err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		q["includes"] = opts.Includes
	}
	tx := new(Transaction)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, path: "transactions/" + url.PathEscape(id), query: q}, transactionBody{tx})
	if err != nil {
		return nil, resp, err
	}
	return tx, resp, nil
}

// ListOptions filters and pages a transaction list. Empty fields are not
// sent.
type ListOptions struct {
	// Limit is the page size, 1 to 100 (Dintero's default is 10).
	Limit int
	// StartingAfter is the id of the last transaction of the previous page.
	StartingAfter string

	IDs                  []string
	Statuses             []Status
	PaymentProducts      []string
	PaymentProductTypes  []string
	SessionIDs           []string
	StoreIDs             []string
	Currencies           []string
	MerchantReference    string
	MerchantReference2   string
	Search               string
	CustomerID           string
	CreatedFrom          time.Time // created_at.gte
	CreatedTo            time.Time // created_at.lte
	CapturedFrom         time.Time // captured_at.gte
	CapturedTo           time.Time // captured_at.lte
	RefundedFrom         time.Time // refunded_at.gte
	RefundedTo           time.Time // refunded_at.lte
	AmountFrom, AmountTo int64     // amount.gte / amount.lte, minor units; 0 means unset
	// Amount is an exact authorized amount in minor units; 0 means unset.
	Amount               int64
	CardBrands           []string
	TokenIDs             []string
	PayoutCorrelationIDs []string
	PayoutDestinationID  string
	PaymentOperation     string // e.g. "unscheduled_purchase"
	Includes             []string
}

func (o *ListOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	setTime := func(k string, t time.Time) {
		if !t.IsZero() {
			q.Set(k, t.UTC().Format(time.RFC3339))
		}
	}
	set("starting_after", o.StartingAfter)
	set("merchant_reference", o.MerchantReference)
	set("merchant_reference_2", o.MerchantReference2)
	set("search", o.Search)
	set("customer_id", o.CustomerID)
	setTime("created_at.gte", o.CreatedFrom)
	setTime("created_at.lte", o.CreatedTo)
	setTime("captured_at.gte", o.CapturedFrom)
	setTime("captured_at.lte", o.CapturedTo)
	setTime("refunded_at.gte", o.RefundedFrom)
	setTime("refunded_at.lte", o.RefundedTo)
	set("payout_destination_id", o.PayoutDestinationID)
	set("payment_operation", o.PaymentOperation)
	if o.Amount > 0 {
		q.Set("amount", strconv.FormatInt(o.Amount, 10))
	}
	if o.AmountFrom > 0 {
		q.Set("amount.gte", strconv.FormatInt(o.AmountFrom, 10))
	}
	if o.AmountTo > 0 {
		q.Set("amount.lte", strconv.FormatInt(o.AmountTo, 10))
	}
	for k, vs := range map[string][]string{
		"id": o.IDs, "payment_product": o.PaymentProducts, "payment_product_type": o.PaymentProductTypes,
		"session_id": o.SessionIDs, "store_id": o.StoreIDs, "currency": o.Currencies, "includes": o.Includes,
		"card_brand": o.CardBrands, "token_id": o.TokenIDs, "payout_correlation_id": o.PayoutCorrelationIDs,
	} {
		if len(vs) > 0 {
			q[k] = vs
		}
	}
	for _, st := range o.Statuses {
		q.Add("status", string(st))
	}
	return q
}

// List reads one page of transactions, newest first. Dintero returns a
// bare array: the next page starts after the last id of this one (ListIter
// does that for you).
//
// Dintero API docs: GET /v1/transactions
func (s *TransactionsService) List(ctx context.Context, opts *ListOptions) ([]*Transaction, *Response, error) {
	const op = "dintero.Transactions.List"
	if opts != nil && (opts.Limit < 0 || opts.Limit > 100) {
		return nil, nil, invalid(op, "limit %d is outside 1..100", opts.Limit)
	}
	var page []*Transaction
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, path: "transactions", query: opts.query()}, transactionsBody{&page})
	if err != nil {
		return nil, resp, err
	}
	return page, resp, nil
}

// ListIter iterates over every transaction matching opts, one request per
// page. It does not change opts. On an error it yields (nil, err) once and
// stops.
func (s *TransactionsService) ListIter(ctx context.Context, opts *ListOptions) iter.Seq2[*Transaction, error] {
	return func(yield func(*Transaction, error) bool) {
		o := ListOptions{}
		if opts != nil {
			o = *opts
		}
		if o.Limit == 0 {
			o.Limit = 100
		}
		for {
			page, _, err := s.List(ctx, &o)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, tx := range page {
				if !yield(tx, nil) {
					return
				}
			}
			if len(page) < o.Limit {
				return
			}
			o.StartingAfter = page[len(page)-1].ID
		}
	}
}

// CaptureRequest is the body of a capture.
type CaptureRequest struct {
	// Amount to capture in minor units; at most what is left authorized.
	Amount int64 `json:"amount"`
	// CaptureReference names the capture in the transaction's events. Set
	// it to something unique per capture: it is how you find out later
	// whether a capture whose outcome was unknown happened.
	CaptureReference string `json:"capture_reference,omitempty"`
	// Items are the lines captured, referencing the lines paid by line_id;
	// their amounts must add up to Amount.
	Items []Item `json:"items,omitempty"`
	// FinalCapture voids what is left (dintero_psp only).
	FinalCapture bool              `json:"final_capture,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

// Capture captures money on an authorized transaction. The transaction
// returned is the state Dintero reports after the call; on 202 it is
// unchanged and Response.Pending is set.
//
// Dintero API docs: POST /v1/transactions/{id}/capture
func (s *TransactionsService) Capture(ctx context.Context, id string, req *CaptureRequest) (*Transaction, *Response, error) {
	const op = "dintero.Transactions.Capture"
	if err := checkID(op, "transaction", id); err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, invalid(op, "nil request")
	}
	if err := checkMoneyRequest(op, req.Amount, req.Items, req.Metadata); err != nil {
		return nil, nil, err
	}
	return s.moveMoney(ctx, op, id, "capture", req)
}

// RefundRequest is the body of a refund.
type RefundRequest struct {
	// Amount to refund in minor units; at most captured less refunded.
	Amount int64 `json:"amount"`
	// RefundReference names the refund in the transaction's events; make
	// it unique per refund (see CaptureRequest.CaptureReference).
	RefundReference string `json:"refund_reference,omitempty"`
	Reason          string `json:"reason,omitempty"`
	// Items are the lines refunded; their amounts must add up to Amount.
	Items    []Item            `json:"items,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Refund refunds captured money.
//
// Dintero API docs: POST /v1/transactions/{id}/refund
func (s *TransactionsService) Refund(ctx context.Context, id string, req *RefundRequest) (*Transaction, *Response, error) {
	const op = "dintero.Transactions.Refund"
	if err := checkID(op, "transaction", id); err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, invalid(op, "nil request")
	}
	if err := checkMoneyRequest(op, req.Amount, req.Items, req.Metadata); err != nil {
		return nil, nil, err
	}
	return s.moveMoney(ctx, op, id, "refund", req)
}

// Void releases an authorization that has not been captured.
//
// Dintero API docs: POST /v1/transactions/{id}/void
func (s *TransactionsService) Void(ctx context.Context, id string) (*Transaction, *Response, error) {
	const op = "dintero.Transactions.Void"
	if err := checkID(op, "transaction", id); err != nil {
		return nil, nil, err
	}
	return s.moveMoney(ctx, op, id, "void", nil)
}

func (s *TransactionsService) moveMoney(ctx context.Context, op, id, action string, body any) (*Transaction, *Response, error) {
	tx := new(Transaction)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, path: "transactions/" + url.PathEscape(id) + "/" + action,
		body: body, movesMoney: true}, transactionBody{tx})
	if err != nil {
		return nil, resp, err
	}
	return tx, resp, nil
}

// AuthorizationUpdate is the body of an authorization update: extend a
// Klarna authorization (no Amount), change its amount, or authorize an
// ON_HOLD external transaction.
type AuthorizationUpdate struct {
	Amount             *int64 `json:"amount,omitempty"`
	Reason             string `json:"reason,omitempty"`
	Reference          string `json:"reference,omitempty"`
	FinalAuthorization *bool  `json:"final_authorization,omitempty"`
	Items              []Item `json:"items,omitempty"`
	Description        string `json:"description,omitempty"`
}

// UpdateAuthorization updates or extends a transaction's authorization.
// Dintero answers 409 (ErrConflict) when the transaction's state does not
// allow it.
//
// Dintero API docs: POST /v1/transactions/{id}/authorization
func (s *TransactionsService) UpdateAuthorization(ctx context.Context, id string, req *AuthorizationUpdate) (*Transaction, *Response, error) {
	const op = "dintero.Transactions.UpdateAuthorization"
	if err := checkID(op, "transaction", id); err != nil {
		return nil, nil, err
	}
	if req == nil {
		req = &AuthorizationUpdate{}
	}
	if req.Amount != nil {
		if *req.Amount <= 0 {
			return nil, nil, invalid(op, "amount must be positive, got %d", *req.Amount)
		}
		if len(req.Items) > 0 {
			if err := checkItems(op, *req.Amount, req.Items); err != nil {
				return nil, nil, err
			}
		}
	}
	tx := new(Transaction)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, path: "transactions/" + url.PathEscape(id) + "/authorization", body: req}, tx)
	if err != nil {
		return nil, resp, err
	}
	return tx, resp, nil
}

// SetMerchantReference2 sets the transaction's merchant_reference_2 (the
// plugin stores the WooCommerce order number there). It is the only field
// Dintero lets you change on a transaction.
//
// Dintero API docs: PUT /v1/transactions/{id}
func (s *TransactionsService) SetMerchantReference2(ctx context.Context, id, ref string) (*Transaction, *Response, error) {
	const op = "dintero.Transactions.SetMerchantReference2"
	if err := checkID(op, "transaction", id); err != nil {
		return nil, nil, err
	}
	tx := new(Transaction)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPut, path: "transactions/" + url.PathEscape(id),
		body: map[string]string{"merchant_reference_2": ref}}, tx)
	if err != nil {
		return nil, resp, err
	}
	return tx, resp, nil
}

func checkID(op, what, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid(op, "empty %s id", what)
	}
	return nil
}

// checkMoneyRequest applies Dintero's rules to a capture or refund before
// it is sent, so a bad request never reaches the money path.
func checkMoneyRequest(op string, amount int64, items []Item, metadata map[string]string) error {
	if amount <= 0 {
		return invalid(op, "amount must be positive, got %d", amount)
	}
	if len(items) > 0 {
		if err := checkItems(op, amount, items); err != nil {
			return err
		}
	}
	for k, v := range metadata {
		if !strings.HasPrefix(k, "ext_") {
			return invalid(op, "metadata key %q must start with ext_", k)
		}
		if utf8.RuneCountInString(k) > 128 || utf8.RuneCountInString(v) > 256 {
			return invalid(op, "metadata %q: key at most 128 and value at most 256 characters", k)
		}
	}
	return nil
}

// RoundingLineID is the line id of the balancing line the Dintero plugin
// adds when a capture's lines do not add up to its amount (their amounts
// are rounded one by one). Its amount may be negative.
const RoundingLineID = "rounding-fee"

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// addAmount adds b to *sum unless the sum would leave int64, so that
// absurd amounts cannot wrap into a total that checks out.
func addAmount(sum *int64, b int64) bool {
	r := *sum + b
	if (b > 0 && r < *sum) || (b < 0 && r > *sum) {
		return false
	}
	*sum = r
	return true
}

func checkItems(op string, amount int64, items []Item) error {
	var sum int64
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if it.LineID == "" {
			return invalid(op, "item %d has no line_id", i)
		}
		if seen[it.LineID] {
			return invalid(op, "line_id %q appears twice", it.LineID)
		}
		seen[it.LineID] = true
		mayBeNegative := it.Type == ItemGiftCard || it.LineID == RoundingLineID
		if it.Amount < 0 && !mayBeNegative {
			// Only gift-card lines and the balancing line are negative.
			return invalid(op, "item %q has a negative amount", it.LineID)
		}
		// The VAT is part of the amount: the same sign, and no larger.
		if it.VATAmount != 0 && ((it.VATAmount < 0) != (it.Amount < 0) || abs(it.VATAmount) > abs(it.Amount)) {
			return invalid(op, "item %q: vat_amount %d does not fit in its amount %d", it.LineID, it.VATAmount, it.Amount)
		}
		if !addAmount(&sum, it.Amount) {
			return invalid(op, "item amounts overflow")
		}
	}
	if sum != amount {
		return invalid(op, "items add up to %d, not the amount %d", sum, amount)
	}
	return nil
}
