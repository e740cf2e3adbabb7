package woocommerce

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shopspring/decimal"
)

// RefundsService records and reads an order's refunds. Reach it through
// Client.Refunds.
type RefundsService service

// Gateway is the required choice of what a refund create does with the
// payment gateway. WooCommerce's own default calls the gateway (moves
// money); this client has no default.
type Gateway int

// Gateway choices.
const (
	// RecordOnly records the refund in WooCommerce and moves no money
	// (api_refund: false): for money returned some other way, such as a
	// refund already made at Dintero. The zero Gateway is neither choice.
	RecordOnly Gateway = iota + 1
	// RefundAtGateway asks the order's payment gateway to pay the refund
	// back (api_refund: true); if the gateway refuses, WooCommerce deletes
	// the record and answers 500 with the gateway's message.
	RefundAtGateway
)

// RefundRequest is a new refund.
type RefundRequest struct {
	// Amount is the whole refund, tax included; it must be positive and,
	// when LineItems are given, equal their totals plus their taxes.
	Amount decimal.Decimal
	Reason string
	// Gateway must be RecordOnly or RefundAtGateway.
	Gateway Gateway
	// Restock returns refunded quantities to stock (WooCommerce's default
	// when nil: yes).
	Restock *bool
	// LineItems say what is refunded, by order item id (product, shipping
	// and fee lines alike).
	LineItems []RefundLine
	// MetaData is stored on the refund: put a marker here to recognise the
	// refund later, since WooCommerce has no idempotency keys.
	MetaData []Meta
}

// RefundLine is one order item in a refund.
type RefundLine struct {
	// ItemID is the order item id (LineItem.ID, ShippingLine.ID, FeeLine.ID).
	ItemID int64
	// Quantity is how many units; 0 for an amount-only refund of the line.
	Quantity int64
	// Total is the net amount refunded on the line, tax excluded.
	Total decimal.Decimal
	// Taxes is the tax refunded per tax rate id.
	Taxes []RefundTax
}

// RefundTax is tax refunded for one tax rate.
type RefundTax struct {
	RateID int64
	Amount decimal.Decimal
}

// GrossTotal is the line's total with its taxes.
func (l RefundLine) GrossTotal() decimal.Decimal {
	t := l.Total
	for _, tx := range l.Taxes {
		t = t.Add(tx.Amount)
	}
	return t
}

// refundWire is the body WooCommerce reads: amount as a string, line
// totals as numbers, taxes in refund_tax (the documented "taxes" name is
// ignored by its code).
type refundWire struct {
	Amount     string         `json:"amount"`
	Reason     string         `json:"reason,omitempty"`
	APIRefund  bool           `json:"api_refund"`
	APIRestock *bool          `json:"api_restock,omitempty"`
	LineItems  []refundLineWr `json:"line_items,omitempty"`
	MetaData   []Meta         `json:"meta_data,omitempty"`
}

type refundLineWr struct {
	ID          int64         `json:"id"`
	Quantity    int64         `json:"quantity,omitempty"`
	RefundTotal json.Number   `json:"refund_total"`
	RefundTax   []refundTaxWr `json:"refund_tax,omitempty"`
}

type refundTaxWr struct {
	ID          int64       `json:"id"`
	RefundTotal json.Number `json:"refund_total"`
}

// Create records a refund. It is never repeated once it may have reached
// the store; on ErrOutcomeUnknown, List the order's refunds and look for
// your meta marker before trying again.
//
// WooCommerce API docs: POST /wp-json/wc/v3/orders/{id}/refunds
func (s *RefundsService) Create(ctx context.Context, orderID int64, req *RefundRequest) (*Refund, *Response, error) {
	const op = "woocommerce.Refunds.Create"
	if orderID <= 0 {
		return nil, nil, invalid(op, "order id %d", orderID)
	}
	if req == nil {
		return nil, nil, invalid(op, "nil request")
	}
	if req.Gateway != RecordOnly && req.Gateway != RefundAtGateway {
		return nil, nil, invalid(op, "choose Gateway: RecordOnly or RefundAtGateway")
	}
	if !req.Amount.IsPositive() {
		return nil, nil, invalid(op, "amount must be positive, got %s", req.Amount)
	}
	w := refundWire{Amount: req.Amount.String(), Reason: req.Reason, APIRefund: req.Gateway == RefundAtGateway,
		APIRestock: req.Restock, MetaData: req.MetaData}
	if len(req.LineItems) > 0 {
		sum := decimal.Zero
		seen := map[int64]bool{}
		for _, l := range req.LineItems {
			if l.ItemID <= 0 || seen[l.ItemID] {
				return nil, nil, invalid(op, "line item id %d missing or repeated", l.ItemID)
			}
			seen[l.ItemID] = true
			if l.Quantity < 0 || l.Total.IsNegative() {
				return nil, nil, invalid(op, "line %d: negative quantity or total", l.ItemID)
			}
			wl := refundLineWr{ID: l.ItemID, Quantity: l.Quantity, RefundTotal: json.Number(l.Total.String())}
			for _, t := range l.Taxes {
				if t.RateID <= 0 || t.Amount.IsNegative() {
					return nil, nil, invalid(op, "line %d: bad tax rate %d or negative tax", l.ItemID, t.RateID)
				}
				wl.RefundTax = append(wl.RefundTax, refundTaxWr{ID: t.RateID, RefundTotal: json.Number(t.Amount.String())})
			}
			sum = sum.Add(l.GrossTotal())
			w.LineItems = append(w.LineItems, wl)
		}
		if !sum.Equal(req.Amount) {
			return nil, nil, invalid(op, "amount %s is not the lines' %s (totals plus taxes)", req.Amount, sum)
		}
	}
	r := new(Refund)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, route: refundsRoute(orderID), body: w, movesMoney: true}, refundBody{r})
	if err != nil {
		return nil, resp, err
	}
	return r, resp, nil
}

// ListOptions pages a list.
type ListOptions struct {
	Page    int
	PerPage int // 1 to 100
}

// List returns a page of an order's refunds, newest first.
//
// WooCommerce API docs: GET /wp-json/wc/v3/orders/{id}/refunds
func (s *RefundsService) List(ctx context.Context, orderID int64, opts *ListOptions) ([]*Refund, *Response, error) {
	const op = "woocommerce.Refunds.List"
	if orderID <= 0 {
		return nil, nil, invalid(op, "order id %d", orderID)
	}
	q := url.Values{}
	if opts != nil {
		if opts.PerPage < 0 || opts.PerPage > 100 {
			return nil, nil, invalid(op, "per_page must be 1..100")
		}
		if opts.Page > 0 {
			q.Set("page", strconv.Itoa(opts.Page))
		}
		if opts.PerPage > 0 {
			q.Set("per_page", strconv.Itoa(opts.PerPage))
		}
	}
	var refunds []*Refund
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: refundsRoute(orderID), query: q}, refundsBody{&refunds})
	if err != nil {
		return nil, resp, err
	}
	return refunds, resp, nil
}

// Get reads one refund.
//
// WooCommerce API docs: GET /wp-json/wc/v3/orders/{id}/refunds/{refund_id}
func (s *RefundsService) Get(ctx context.Context, orderID, refundID int64) (*Refund, *Response, error) {
	const op = "woocommerce.Refunds.Get"
	if orderID <= 0 || refundID <= 0 {
		return nil, nil, invalid(op, "order id %d, refund id %d", orderID, refundID)
	}
	r := new(Refund)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: refundsRoute(orderID) + "/" + strconv.FormatInt(refundID, 10)}, refundBody{r})
	if err != nil {
		return nil, resp, err
	}
	return r, resp, nil
}

// Delete removes a refund record. It never moves money back at a gateway.
//
// WooCommerce API docs: DELETE /wp-json/wc/v3/orders/{id}/refunds/{refund_id}?force=true
func (s *RefundsService) Delete(ctx context.Context, orderID, refundID int64) (*Response, error) {
	const op = "woocommerce.Refunds.Delete"
	if orderID <= 0 || refundID <= 0 {
		return nil, invalid(op, "order id %d, refund id %d", orderID, refundID)
	}
	return s.c.do(ctx, call{op: op, method: http.MethodDelete, route: refundsRoute(orderID) + "/" + strconv.FormatInt(refundID, 10),
		query: url.Values{"force": {"true"}}}, nil)
}

func refundsRoute(orderID int64) string {
	return "orders/" + strconv.FormatInt(orderID, 10) + "/refunds"
}
