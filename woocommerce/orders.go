package woocommerce

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OrdersService reads and updates orders. Reach it through Client.Orders.
type OrdersService service

// GetOptions tunes an order read.
type GetOptions struct {
	// DP is the number of decimals money is written with (default: the
	// store's price decimals). Set it to read exact amounts from a store
	// that rounds prices for display.
	DP *int
	// Fields limits the answer to these top-level fields (_fields).
	// WooCommerce keeps only what is named, so name id too when it is
	// wanted.
	Fields []string
}

func (o *GetOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if o.DP != nil {
		q.Set("dp", strconv.Itoa(*o.DP))
	}
	setFields(q, o.Fields)
	return q
}

// setFields asks for these fields only (_fields), when there are any.
func setFields(q url.Values, fields []string) {
	if len(fields) > 0 {
		q.Set("_fields", strings.Join(fields, ","))
	}
}

// Get reads an order.
//
// WooCommerce API docs: GET /wp-json/wc/v3/orders/{id}
func (s *OrdersService) Get(ctx context.Context, id int64, opts *GetOptions) (*Order, *Response, error) {
	const op = "woocommerce.Orders.Get"
	if id <= 0 {
		return nil, nil, invalid(op, "order id %d", id)
	}
	o := new(Order)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: "orders/" + strconv.FormatInt(id, 10), query: opts.query()}, orderBody{o})
	if err != nil {
		return nil, resp, err
	}
	return o, resp, nil
}

// OrderListOptions filters and pages an order list. Zero fields are not
// sent. Times are sent in UTC with dates_are_gmt=true, so the store's time
// zone cannot shift them.
type OrderListOptions struct {
	Page    int // from 1
	PerPage int // 1 to 100 (WooCommerce's default is 10)
	// Statuses filters by status (any of them); empty means any.
	Statuses       []Status
	After, Before  time.Time // date created
	ModifiedAfter  time.Time
	ModifiedBefore time.Time
	Include        []int64
	Exclude        []int64
	Customer       int64
	Search         string
	// OrderBy is date, id, include, title, slug or modified.
	OrderBy string
	// Order is asc or desc.
	Order  string
	Fields []string
	DP     *int
}

func (o *OrderListOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	setInt := func(k string, n int64) {
		if n != 0 {
			q.Set(k, strconv.FormatInt(n, 10))
		}
	}
	setTime := func(k string, t time.Time) {
		if !t.IsZero() {
			q.Set(k, t.UTC().Format(wcTimeLayout))
			q.Set("dates_are_gmt", "true")
		}
	}
	ids := func(k string, v []int64) {
		if len(v) > 0 {
			s := make([]string, len(v))
			for i, n := range v {
				s[i] = strconv.FormatInt(n, 10)
			}
			q.Set(k, strings.Join(s, ","))
		}
	}
	setInt("page", int64(o.Page))
	setInt("per_page", int64(o.PerPage))
	if len(o.Statuses) > 0 {
		s := make([]string, len(o.Statuses))
		for i, st := range o.Statuses {
			s[i] = string(st)
		}
		// A comma list, not status[]=: it signs the same under OAuth.
		q.Set("status", strings.Join(s, ","))
	}
	setTime("after", o.After)
	setTime("before", o.Before)
	setTime("modified_after", o.ModifiedAfter)
	setTime("modified_before", o.ModifiedBefore)
	ids("include", o.Include)
	ids("exclude", o.Exclude)
	setInt("customer", o.Customer)
	if o.Search != "" {
		q.Set("search", o.Search)
	}
	if o.OrderBy != "" {
		q.Set("orderby", o.OrderBy)
	}
	if o.Order != "" {
		q.Set("order", o.Order)
	}
	setFields(q, o.Fields)
	if o.DP != nil {
		q.Set("dp", strconv.Itoa(*o.DP))
	}
	return q
}

// List reads one page of orders. Response.Total and TotalPages tell the
// size of the whole list, NextPage the next page (0 on the last).
//
// WooCommerce API docs: GET /wp-json/wc/v3/orders
func (s *OrdersService) List(ctx context.Context, opts *OrderListOptions) ([]*Order, *Response, error) {
	const op = "woocommerce.Orders.List"
	if opts != nil && (opts.PerPage < 0 || opts.PerPage > 100 || opts.Page < 0) {
		return nil, nil, invalid(op, "per_page must be 1..100 and page positive")
	}
	var orders []*Order
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: "orders", query: opts.query()}, ordersBody{&orders})
	if err != nil {
		return nil, resp, err
	}
	return orders, resp, nil
}

// ListIter iterates over every order matching opts, one request per page
// (100 orders a page unless opts says otherwise). Only one page is held in
// memory. It does not change opts; on an error it yields (nil, err) once.
func (s *OrdersService) ListIter(ctx context.Context, opts *OrderListOptions) iter.Seq2[*Order, error] {
	return func(yield func(*Order, error) bool) {
		o := OrderListOptions{}
		if opts != nil {
			o = *opts
		}
		if o.PerPage == 0 {
			o.PerPage = 100
		}
		if o.Page == 0 {
			o.Page = 1
		}
		for {
			page, resp, err := s.List(ctx, &o)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, ord := range page {
				if !yield(ord, nil) {
					return
				}
			}
			if resp.NextPage <= o.Page || len(page) == 0 {
				return
			}
			o.Page = resp.NextPage
		}
	}
}

// OrderUpdate is a partial update: only the fields set are sent.
type OrderUpdate struct {
	Status        Status  `json:"status,omitempty"`
	TransactionID *string `json:"transaction_id,omitempty"`
	CustomerNote  *string `json:"customer_note,omitempty"`
	// MetaData upserts by key (or id); an entry whose value is null
	// (MetaDelete) deletes the key.
	MetaData           []Meta  `json:"meta_data,omitempty"`
	PaymentMethod      *string `json:"payment_method,omitempty"`
	PaymentMethodTitle *string `json:"payment_method_title,omitempty"`
	SetPaid            *bool   `json:"set_paid,omitempty"`
	// ManualUpdate records the status change note as made by the API
	// key's user.
	ManualUpdate *bool `json:"manual_update,omitempty"`

	// Fields limits the order WooCommerce answers with to these top-level
	// fields (_fields, sent in the query string, not the body); the update
	// itself is whole either way. WooCommerce keeps only what is named, so
	// name id too when it is wanted. A caller that reads little of the
	// answer spares the store rendering it and itself decoding it. Batch
	// does not send it.
	Fields []string `json:"-"`
}

// Update changes an order. WooCommerce applies the status last and runs
// its status hooks (a gateway plugin may capture or void) inside the
// request; the order returned is re-read after them.
//
// WooCommerce API docs: PUT /wp-json/wc/v3/orders/{id}
func (s *OrdersService) Update(ctx context.Context, id int64, upd *OrderUpdate) (*Order, *Response, error) {
	const op = "woocommerce.Orders.Update"
	if id <= 0 {
		return nil, nil, invalid(op, "order id %d", id)
	}
	if upd == nil {
		return nil, nil, invalid(op, "nil update")
	}
	for _, m := range upd.MetaData {
		if m.Key == "" && m.ID == 0 {
			return nil, nil, invalid(op, "meta entry without key or id")
		}
	}
	q := url.Values{}
	setFields(q, upd.Fields)
	o := new(Order)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPut, route: "orders/" + strconv.FormatInt(id, 10), query: q, body: upd}, orderBody{o})
	if err != nil {
		return nil, resp, err
	}
	return o, resp, nil
}

// SetStatus sets an order's status and returns the order as WooCommerce
// saved it. Its Status is the status the order ended with, which is not
// always the one asked for: a plugin's hook may move it on (the Dintero
// plugin sets on-hold when a capture fails). Setting the status it already
// has is a no-op in WooCommerce: no note, no hooks.
func (s *OrdersService) SetStatus(ctx context.Context, id int64, status Status) (*Order, *Response, error) {
	if status == "" {
		return nil, nil, invalid("woocommerce.Orders.SetStatus", "empty status")
	}
	return s.Update(ctx, id, &OrderUpdate{Status: status})
}

// MaxBatch is the most items WooCommerce accepts in one batch, create,
// update and delete together.
const MaxBatch = 100

// OrderBatch is a batch of order updates and deletes.
type OrderBatch struct {
	Update []OrderBatchUpdate `json:"update,omitempty"`
	// Delete lists order ids; batch deletes are permanent (force=true).
	Delete []int64 `json:"delete,omitempty"`
}

// OrderBatchUpdate is one update in a batch.
type OrderBatchUpdate struct {
	ID int64 `json:"id"`
	OrderUpdate
}

// OrderBatchResult is WooCommerce's answer to a batch: per item, the order
// or an error. Batches are not atomic.
type OrderBatchResult struct {
	Update []BatchItem `json:"update"`
	Delete []BatchItem `json:"delete"`
}

// BatchItem is one result of a batch.
type BatchItem struct {
	Order
	Error *ItemError `json:"error,omitempty"`
}

// ItemError is the error of one batch item.
type ItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Batch updates and deletes orders in one request; more than MaxBatch
// items are refused before sending.
//
// WooCommerce API docs: POST /wp-json/wc/v3/orders/batch
func (s *OrdersService) Batch(ctx context.Context, b *OrderBatch) (*OrderBatchResult, *Response, error) {
	const op = "woocommerce.Orders.Batch"
	if b == nil {
		return nil, nil, invalid(op, "nil batch")
	}
	if n := len(b.Update) + len(b.Delete); n == 0 || n > MaxBatch {
		return nil, nil, invalid(op, "a batch holds 1 to %d items, got %d", MaxBatch, n)
	}
	res := new(OrderBatchResult)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, route: "orders/batch", body: b}, res)
	if err != nil {
		return nil, resp, err
	}
	return res, resp, nil
}
