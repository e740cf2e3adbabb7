package wctest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// Gateway is the payment gateway a refund create with api_refund calls,
// standing in for a plugin's process_refund.
type Gateway interface {
	// ProcessRefund pays amount back on the order; an error makes
	// WooCommerce delete the refund record and answer 500 with its text.
	ProcessRefund(ctx context.Context, order woocommerce.Order, amount decimal.Decimal, reason string) error
}

// GatewayFunc adapts a function to Gateway.
type GatewayFunc func(ctx context.Context, order woocommerce.Order, amount decimal.Decimal, reason string) error

// ProcessRefund calls f.
func (f GatewayFunc) ProcessRefund(ctx context.Context, o woocommerce.Order, amount decimal.Decimal, reason string) error {
	return f(ctx, o, amount, reason)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// refundLine is a line of a refund request, in either of the forms
// WooCommerce reads: a list of {id, quantity, refund_total, refund_tax[]}
// or its internal map {item_id: {qty, refund_total, refund_tax:{rate: amount}}}.
type refundLine struct {
	id       int64
	qty      decimal.Decimal
	total    decimal.Decimal
	hasTotal bool
	taxes    map[int64]decimal.Decimal
}

func parseRefundLines(raw json.RawMessage) ([]refundLine, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	type wireTax struct {
		ID          int64           `json:"id"`
		RefundTotal json.RawMessage `json:"refund_total"`
	}
	type wireLine struct {
		ID          int64           `json:"id"`
		Quantity    json.RawMessage `json:"quantity"`
		Qty         json.RawMessage `json:"qty"`
		RefundTotal json.RawMessage `json:"refund_total"`
		RefundTax   json.RawMessage `json:"refund_tax"`
	}
	var list []wireLine
	if raw[0] == '{' {
		var m map[string]wireLine
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		for k, l := range m {
			l.ID, _ = strconv.ParseInt(k, 10, 64)
			list = append(list, l)
		}
		slices.SortFunc(list, func(a, b wireLine) int { return int(a.ID - b.ID) })
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	num := func(b json.RawMessage) (decimal.Decimal, bool, error) {
		s := string(b)
		if len(s) >= 2 && s[0] == '"' {
			s = s[1 : len(s)-1]
		}
		if s == "" || s == "null" {
			return decimal.Zero, false, nil
		}
		d, err := decimal.NewFromString(s)
		return d, err == nil, err
	}
	var out []refundLine
	for _, l := range list {
		rl := refundLine{id: l.ID, taxes: map[int64]decimal.Decimal{}}
		q := l.Quantity
		if len(q) == 0 {
			q = l.Qty
		}
		var err error
		if rl.qty, _, err = num(q); err != nil {
			return nil, fmt.Errorf("quantity: %w", err)
		}
		if rl.total, rl.hasTotal, err = num(l.RefundTotal); err != nil {
			return nil, fmt.Errorf("refund_total: %w", err)
		}
		if len(l.RefundTax) > 0 && string(l.RefundTax) != "null" {
			if l.RefundTax[0] == '[' {
				var taxes []wireTax
				if err := json.Unmarshal(l.RefundTax, &taxes); err != nil {
					return nil, err
				}
				for _, t := range taxes {
					d, _, err := num(t.RefundTotal)
					if err != nil {
						return nil, fmt.Errorf("refund_tax: %w", err)
					}
					rl.taxes[t.ID] = rl.taxes[t.ID].Add(d)
				}
			} else {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(l.RefundTax, &m); err != nil {
					return nil, err
				}
				for k, v := range m {
					id, _ := strconv.ParseInt(k, 10, 64)
					d, _, err := num(v)
					if err != nil {
						return nil, fmt.Errorf("refund_tax: %w", err)
					}
					rl.taxes[id] = d
				}
			}
		}
		out = append(out, rl)
	}
	return out, nil
}

func (s *Server) createRefund(w http.ResponseWriter, r *request) {
	var req struct {
		Amount    json.RawMessage    `json:"amount"`
		Reason    string             `json:"reason"`
		APIRefund json.RawMessage    `json:"api_refund"`
		LineItems json.RawMessage    `json:"line_items"`
		MetaData  []woocommerce.Meta `json:"meta_data"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	var amount decimal.Decimal
	amountGiven := len(req.Amount) > 0 && string(req.Amount) != "null"
	if amountGiven {
		if req.Amount[0] != '"' {
			invalidParam(w, "amount", "amount is not of type string.")
			return
		}
		var str string
		json.Unmarshal(req.Amount, &str)
		d, err := decimal.NewFromString(str)
		if err != nil {
			amountGiven = false
		} else {
			amount = d
		}
	}
	// api_refund is true unless it is the JSON boolean false.
	callGateway := string(req.APIRefund) != "false"
	lines, err := parseRefundLines(req.LineItems)
	if err != nil {
		invalidParam(w, "line_items", err.Error())
		return
	}
	if !amountGiven {
		amount = decimal.Zero
		all := len(lines) > 0
		for _, l := range lines {
			all = all && l.hasTotal
		}
		if all {
			for _, l := range lines {
				amount = amount.Add(l.total)
				for _, t := range l.taxes {
					amount = amount.Add(t)
				}
			}
		}
	}
	if amount.IsNegative() {
		bareError(w, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.", 400)
		return
	}

	s.mu.Lock()
	id, _ := r.id(1)
	st, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		bareError(w, "woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
		return
	}
	// As get_remaining_refund_amount: rounded to the store's decimals.
	remaining := st.o.Total.Sub(refundedTotal(st)).Round(s.cfg.dp)
	if amount.GreaterThan(remaining) || amount.IsZero() && len(lines) == 0 {
		s.mu.Unlock()
		bareError(w, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
		return
	}
	ref, msg := s.buildRefund(st, amount, req.Reason, lines)
	if msg != "" {
		s.mu.Unlock()
		bareError(w, "woocommerce_rest_cannot_create_order_refund", msg, 500)
		return
	}
	for _, m := range req.MetaData {
		ref.MetaData = s.upsertMeta(ref.MetaData, m)
	}
	st.refunds = append(st.refunds, ref)
	order := *s.snapshot(st)
	s.mu.Unlock()

	if callGateway {
		err := s.gatewayRefund(r.r.Context(), order, amount, req.Reason)
		if err != nil {
			s.mu.Lock()
			st.refunds = slices.DeleteFunc(st.refunds, func(x *woocommerce.Refund) bool { return x == ref })
			s.mu.Unlock()
			bareError(w, "woocommerce_rest_cannot_create_order_refund", err.Error(), 500)
			return
		}
		ref.RefundedPayment = true
	}
	s.mu.Lock()
	st.o.DateModified = woocommerce.Time{Time: s.cfg.now().UTC()}
	if !st.o.Total.Sub(refundedTotal(st)).Round(s.cfg.dp).IsPositive() {
		s.setStatus(st, woocommerce.StatusRefunded, false)
	}
	out := s.refundJSON(ref, s.dp(r))
	s.mu.Unlock()
	s.fireWebhooks("order.updated", id)
	w.Header().Set("Location", s.URL+"wp-json/wc/v3/orders/"+itoa(id)+"/refunds/"+itoa(ref.ID))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) gatewayRefund(ctx context.Context, o woocommerce.Order, amount decimal.Decimal, reason string) error {
	if s.cfg.gateway == nil {
		return gatewayMessage("The payment gateway for this order does not support automatic refunds.")
	}
	return s.cfg.gateway.ProcessRefund(ctx, o, amount, reason)
}

// gatewayMessage is an error carrying WooCommerce's own wording.
type gatewayMessage string

func (m gatewayMessage) Error() string { return string(m) }

func refundedTotal(st *orderState) decimal.Decimal {
	sum := decimal.Zero
	for _, r := range st.refunds {
		sum = sum.Add(r.Amount)
	}
	return sum
}

// buildRefund makes the refund record with negative copies of the items
// refunded, each with _refunded_item_id, as wc_create_refund does. It
// returns a message when a line names no item of the order or takes more
// than is left of it. The caller holds s.mu.
func (s *Server) buildRefund(st *orderState, amount decimal.Decimal, reason string, lines []refundLine) (*woocommerce.Refund, string) {
	ref := &woocommerce.Refund{ID: s.newID(), DateCreated: woocommerce.Time{Time: s.cfg.now().UTC()}, Amount: amount,
		Reason: reason, RefundedBy: 1}
	refunded := s.refundedPerItem(st)
	neg := func(taxes map[int64]decimal.Decimal) []woocommerce.Tax {
		var out []woocommerce.Tax
		for id, v := range taxes {
			out = append(out, woocommerce.Tax{ID: woocommerce.ID(id), Total: v.Neg(), Subtotal: v.Neg()})
		}
		slices.SortFunc(out, func(a, b woocommerce.Tax) int { return int(a.ID - b.ID) })
		return out
	}
	taxSum := func(taxes map[int64]decimal.Decimal) decimal.Decimal {
		t := decimal.Zero
		for _, v := range taxes {
			t = t.Add(v)
		}
		return t
	}
	for _, l := range lines {
		meta := []woocommerce.Meta{metaEntry(s.newID(), "_refunded_item_id", itoa(l.id))}
		done := refunded[l.id]
		switch item := s.findItem(st.o, l.id).(type) {
		case *woocommerce.LineItem:
			if done.qty.Add(l.qty).GreaterThan(item.Quantity) {
				return nil, fmt.Sprintf("Invalid refund quantity for item #%d.", l.id)
			}
			ref.LineItems = append(ref.LineItems, woocommerce.LineItem{ID: s.newID(), Name: item.Name, ProductID: item.ProductID,
				Quantity: l.qty.Neg(), Subtotal: l.total.Neg(), Total: l.total.Neg(), SubtotalTax: taxSum(l.taxes).Neg(),
				TotalTax: taxSum(l.taxes).Neg(), Taxes: neg(l.taxes), MetaData: meta})
		case *woocommerce.ShippingLine:
			ref.ShippingLines = append(ref.ShippingLines, woocommerce.ShippingLine{ID: s.newID(), MethodTitle: item.MethodTitle,
				MethodID: item.MethodID, Total: l.total.Neg(), TotalTax: taxSum(l.taxes).Neg(), Taxes: neg(l.taxes), MetaData: meta})
		case *woocommerce.FeeLine:
			ref.FeeLines = append(ref.FeeLines, woocommerce.FeeLine{ID: s.newID(), Name: item.Name,
				Total: l.total.Neg(), TotalTax: taxSum(l.taxes).Neg(), Taxes: neg(l.taxes), MetaData: meta})
		default:
			return nil, fmt.Sprintf("Invalid line item #%d.", l.id)
		}
	}
	return ref, ""
}

type itemRefunded struct{ qty, total, tax decimal.Decimal }

// refundedPerItem sums what earlier refunds took of each order item.
func (s *Server) refundedPerItem(st *orderState) map[int64]itemRefunded {
	out := map[int64]itemRefunded{}
	add := func(meta []woocommerce.Meta, qty, total, tax decimal.Decimal) {
		m, ok := woocommerce.FindMeta(meta, "_refunded_item_id")
		if !ok {
			return
		}
		id, _ := strconv.ParseInt(m.StringValue(), 10, 64)
		v := out[id]
		v.qty, v.total, v.tax = v.qty.Add(qty.Abs()), v.total.Add(total.Abs()), v.tax.Add(tax.Abs())
		out[id] = v
	}
	for _, r := range st.refunds {
		for _, l := range r.LineItems {
			add(l.MetaData, l.Quantity, l.Total, l.TotalTax)
		}
		for _, l := range r.ShippingLines {
			add(l.MetaData, decimal.Zero, l.Total, l.TotalTax)
		}
		for _, l := range r.FeeLines {
			add(l.MetaData, decimal.Zero, l.Total, l.TotalTax)
		}
	}
	return out
}

func (s *Server) findItem(o *woocommerce.Order, id int64) any {
	for i := range o.LineItems {
		if o.LineItems[i].ID == id {
			return &o.LineItems[i]
		}
	}
	for i := range o.ShippingLines {
		if o.ShippingLines[i].ID == id {
			return &o.ShippingLines[i]
		}
	}
	for i := range o.FeeLines {
		if o.FeeLines[i].ID == id {
			return &o.FeeLines[i]
		}
	}
	return nil
}

// refundRemaining records the automatic refund WooCommerce core makes when
// an order is set to Refunded (wc_order_fully_refunded, wc-order-functions
// 905–927): what is left, as an amount alone (no line items, no restock),
// with the reason "Order fully refunded.", no gateway call, and then the
// note that tells the merchant to refund through the gateway. Nothing at
// all when nothing is left. The caller holds s.mu.
func (s *Server) refundRemaining(st *orderState) {
	left := st.o.Total.Sub(refundedTotal(st)).Round(s.cfg.dp)
	if !left.IsPositive() {
		return
	}
	ref, _ := s.buildRefund(st, left, "Order fully refunded.", nil)
	st.refunds = append(st.refunds, ref)
	s.addNote(st, "Order status set to refunded. To return funds to the customer you will need to issue a refund through your payment gateway.", false, false)
}

func (s *Server) refundJSON(r *woocommerce.Refund, dp int32) map[string]any {
	m := func(d decimal.Decimal) string { return s.money(d, dp) }
	lines := []map[string]any{}
	for _, l := range r.LineItems {
		lines = append(lines, map[string]any{"id": l.ID, "name": l.Name, "product_id": l.ProductID, "quantity": l.Quantity.IntPart(),
			"subtotal": m(l.Subtotal), "subtotal_tax": m(l.SubtotalTax), "total": m(l.Total), "total_tax": m(l.TotalTax),
			"taxes": s.taxesJSON(l.Taxes, false), "meta_data": metaJSON(l.MetaData), "price": json.Number(priceOf(l))})
	}
	ship := []map[string]any{}
	for _, l := range r.ShippingLines {
		ship = append(ship, map[string]any{"id": l.ID, "method_title": l.MethodTitle, "method_id": l.MethodID,
			"total": m(l.Total), "total_tax": m(l.TotalTax), "taxes": s.taxesJSON(l.Taxes, true), "meta_data": metaJSON(l.MetaData)})
	}
	fees := []map[string]any{}
	for _, l := range r.FeeLines {
		fees = append(fees, map[string]any{"id": l.ID, "name": l.Name, "total": m(l.Total), "total_tax": m(l.TotalTax),
			"taxes": s.taxesJSON(l.Taxes, false), "meta_data": metaJSON(l.MetaData)})
	}
	return map[string]any{"id": r.ID, "date_created": wcDate(r.DateCreated), "date_created_gmt": wcDate(r.DateCreated),
		"amount": m(r.Amount), "reason": r.Reason, "refunded_by": r.RefundedBy, "refunded_payment": r.RefundedPayment,
		"meta_data": metaJSON(r.MetaData), "line_items": lines, "shipping_lines": ship, "fee_lines": fees}
}

func priceOf(l woocommerce.LineItem) string {
	if l.Quantity.IsZero() {
		return "0"
	}
	return l.Total.DivRound(l.Quantity, 8).String()
}

func (s *Server) listRefunds(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		return
	}
	perPage, page := 10, 1
	if v, err := strconv.Atoi(r.q.Get("per_page")); err == nil {
		if v < 1 || v > 100 {
			invalidParam(w, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
			return
		}
		perPage = v
	}
	if v, err := strconv.Atoi(r.q.Get("page")); err == nil && v > 0 {
		page = v
	}
	all := []map[string]any{}
	for i := len(st.refunds) - 1; i >= 0; i-- {
		all = append(all, s.refundJSON(st.refunds[i], s.dp(r)))
	}
	start := min((page-1)*perPage, len(all))
	w.Header().Set("X-WP-Total", strconv.Itoa(len(all)))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa((len(all)+perPage-1)/perPage))
	writeJSON(w, http.StatusOK, all[start:min(start+perPage, len(all))])
}

func (s *Server) getRefund(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		return
	}
	id, _ := r.id(3)
	for _, ref := range st.refunds {
		if ref.ID == id {
			writeJSON(w, http.StatusOK, s.refundJSON(ref, s.dp(r)))
			return
		}
	}
	wpError(w, http.StatusNotFound, "woocommerce_rest_invalid_id", "Invalid ID.", 404)
}

func (s *Server) deleteRefund(w http.ResponseWriter, r *request) {
	if r.q.Get("force") != "true" && r.q.Get("force") != "1" {
		wpError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Refunds do not support trashing.", 501)
		return
	}
	s.mu.Lock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		s.mu.Unlock()
		return
	}
	id, _ := r.id(3)
	idx := slices.IndexFunc(st.refunds, func(x *woocommerce.Refund) bool { return x.ID == id })
	if idx < 0 {
		s.mu.Unlock()
		wpError(w, http.StatusNotFound, "woocommerce_rest_invalid_id", "Invalid ID.", 404)
		return
	}
	ref := st.refunds[idx]
	st.refunds = slices.Delete(st.refunds, idx, idx+1)
	st.o.DateModified = woocommerce.Time{Time: s.cfg.now().UTC()}
	out := s.refundJSON(ref, s.dp(r))
	orderID := st.o.ID
	s.mu.Unlock()
	s.fireWebhooks("order.updated", orderID)
	writeJSON(w, http.StatusOK, out)
}

// Refunds returns an order's refund records, oldest first.
func (s *Server) Refunds(orderID int64) []woocommerce.Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[orderID]
	if !ok {
		return nil
	}
	out := make([]woocommerce.Refund, len(st.refunds))
	for i, r := range st.refunds {
		b, _ := json.Marshal(s.refundJSON(r, s.cfg.dp))
		json.Unmarshal(b, &out[i])
	}
	return out
}
