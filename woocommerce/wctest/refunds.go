package wctest

import (
	"context"
	"encoding/json"
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

// refundLine is a line of a refund request after R3's normalisation
// (R3 40–91): {item_id: {qty, refund_total, refund_tax: {rate: amount}}}.
type refundLine struct {
	id       int64
	qty      decimal.Decimal
	total    decimal.Decimal
	hasTotal bool // refund_total was numeric
	taxes    map[int64]decimal.Decimal
	rateIDs  []int64 // taxes' rates in the order given
}

// wcNumber reads a JSON number or numeric string as PHP's is_numeric and
// a float cast would; anything else is absent.
func wcNumber(raw json.RawMessage) (decimal.Decimal, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// parseRefundLines reads line_items in the list form clients send or the
// map form WooCommerce uses inside. The field is readonly in the schema,
// so nothing is validated: what cannot be read is empty.
func parseRefundLines(raw json.RawMessage) []refundLine {
	type wire struct {
		ID          json.RawMessage `json:"id"`
		Quantity    json.RawMessage `json:"quantity"`
		Qty         json.RawMessage `json:"qty"`
		RefundTotal json.RawMessage `json:"refund_total"`
		RefundTax   json.RawMessage `json:"refund_tax"`
	}
	var list []wire
	if json.Unmarshal(raw, &list) != nil {
		var m map[string]wire
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
		for k, l := range m {
			l.ID = json.RawMessage(k)
			list = append(list, l)
		}
		slices.SortFunc(list, func(a, b wire) int { return slices.Compare(a.ID, b.ID) })
	}
	var out []refundLine
	for _, l := range list {
		id, _ := wcNumber(l.ID)
		rl := refundLine{id: id.IntPart(), taxes: map[int64]decimal.Decimal{}}
		q := l.Quantity
		if len(q) == 0 {
			q = l.Qty
		}
		rl.qty, _ = wcNumber(q)
		rl.total, rl.hasTotal = wcNumber(l.RefundTotal)
		var taxList []struct {
			ID          json.RawMessage `json:"id"`
			RefundTotal json.RawMessage `json:"refund_total"`
		}
		var taxMap map[string]json.RawMessage
		add := func(idRaw, v json.RawMessage) {
			rid, _ := wcNumber(idRaw)
			d, _ := wcNumber(v)
			if _, seen := rl.taxes[rid.IntPart()]; !seen {
				rl.rateIDs = append(rl.rateIDs, rid.IntPart())
			}
			rl.taxes[rid.IntPart()] = rl.taxes[rid.IntPart()].Add(d)
		}
		if json.Unmarshal(l.RefundTax, &taxList) == nil {
			for _, t := range taxList {
				add(t.ID, t.RefundTotal)
			}
		} else if json.Unmarshal(l.RefundTax, &taxMap) == nil {
			keys := make([]string, 0, len(taxMap))
			for k := range taxMap {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				add(json.RawMessage(k), taxMap[k])
			}
		}
		out = append(out, rl)
	}
	return out
}

func (s *Server) createRefund(w http.ResponseWriter, r *request) {
	var errs [][3]string
	var amount decimal.Decimal
	amountGiven := false
	if raw, ok := r.param("amount"); ok && string(raw) != "null" {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			errs = append(errs, [3]string{"amount", "rest_invalid_type", "amount is not of type string."})
		}
		amountGiven = true
		amount, _ = decimal.NewFromString(str) // wc_format_decimal: garbage is 0
	}
	// api_refund and api_restock default to true; only an absent key does
	// (R2 855–860, RAPI 1514–1558).
	callGateway, valid := r.boolParam("api_refund", true)
	if !valid {
		errs = append(errs, notBoolean("api_refund"))
	}
	if _, valid := r.boolParam("api_restock", true); !valid {
		errs = append(errs, notBoolean("api_restock"))
	}
	reason, _ := r.str("reason")
	if len(errs) > 0 {
		invalidParams(w, errs)
		return
	}
	linesRaw, _ := r.param("line_items")
	lines := parseRefundLines(linesRaw)
	if !amountGiven {
		// Σ refund_total + Σ refund_tax, but only when every line has a
		// numeric refund_total; otherwise the amount stays 0 (R3 40–91).
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
	metaRaw, _ := r.param("meta_data")
	meta, _ := parseMetaUpdates(metaRaw)

	s.mu.Lock()
	id, _ := r.id(1)
	o, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		bareError(w, "woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
		return
	}
	if amount.IsNegative() {
		s.mu.Unlock()
		bareError(w, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.", 400)
		return
	}
	// get_remaining_refund_amount, at the store's decimals (OF 583). An
	// amount of 0 is accepted.
	if amount.Round(s.cfg.dp).GreaterThan(o.total.Sub(o.refunded()).Round(s.cfg.dp)) {
		s.mu.Unlock()
		bareError(w, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
		return
	}
	ref := s.buildRefund(o, amount, reason, lines)
	for _, m := range meta {
		ref.meta = s.updateMeta(ref.meta, m)
	}
	o.refunds = append(o.refunds, ref)
	snapshot, _ := s.snapshot(o)
	s.mu.Unlock()

	if callGateway {
		if err := s.gatewayRefund(r.r.Context(), *snapshot, amount, reason); err != nil {
			// The refund was saved before the gateway ran; it is deleted
			// again (OF 764–798).
			s.mu.Lock()
			o.refunds = slices.DeleteFunc(o.refunds, func(x *refund) bool { return x == ref })
			s.mu.Unlock()
			bareError(w, "woocommerce_rest_cannot_create_order_refund", err.Error(), 500)
			return
		}
	}
	s.mu.Lock()
	ref.refundedPayment = callGateway
	o.modified = s.cfg.now().UTC()
	if !o.total.Sub(o.refunded()).Round(s.cfg.dp).IsPositive() {
		// Fully refunded: update_status('refunded'), whose automatic
		// refund finds nothing left.
		s.setStatus(o, "refunded", false)
	}
	out := s.refundJSON(id, ref, s.dp(r))
	s.mu.Unlock()
	s.fireWebhooks("order.updated", id)
	w.Header().Set("Location", s.restURL("orders/"+itoa(id)+"/refunds/"+itoa(ref.id)))
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

// buildRefund makes the refund as wc_create_refund does (OF 558–752).
// Each line is a copy of the order item (its meta included) with
// _refunded_item_id, total = subtotal = −refund_total, taxes =
// −refund_tax with zeros dropped, quantity = −qty. A line naming no item
// of the order is skipped silently, as is a line with no quantity, total
// or tax; quantities and totals are not checked against what is left.
// The refund gets negative tax_lines (update_taxes), and its amount is
// what was asked, whatever the lines add up to. The caller holds s.mu.
func (s *Server) buildRefund(o *order, amount decimal.Decimal, reason string, lines []refundLine) *refund {
	ref := &refund{id: s.newID(), created: s.cfg.now().UTC(), amount: amount, reason: reason, refundedBy: 1}
	for _, l := range lines {
		orig := o.item(l.id)
		taxSum := decimal.Zero
		for _, t := range l.taxes {
			taxSum = taxSum.Add(t)
		}
		if orig == nil || l.qty.IsZero() && l.total.IsZero() && taxSum.IsZero() {
			continue
		}
		cp := *orig
		cp.id = s.newID()
		cp.meta = nil
		for _, m := range orig.meta {
			cp.meta = append(cp.meta, metaEntry{id: s.newID(), key: m.key, value: m.value})
		}
		idJSON, _ := json.Marshal(itoa(l.id))
		cp.meta = append(cp.meta, metaEntry{id: s.newID(), key: "_refunded_item_id", value: idJSON})
		cp.total, cp.subtotal = l.total.Neg(), l.total.Neg()
		cp.quantity = -l.qty.IntPart()
		cp.taxes = nil
		for _, rid := range l.rateIDs {
			if v := l.taxes[rid]; !v.IsZero() {
				cp.taxes = append(cp.taxes, taxAmount{rateID: rid, total: v.Neg(), subtotal: v.Neg()})
			}
		}
		cp.totalTax, cp.subtotalTax = taxSum.Neg(), taxSum.Neg()
		switch orig.typ {
		case itemShipping:
			ref.shipping = append(ref.shipping, &cp)
		case itemFee:
			ref.fees = append(ref.fees, &cp)
		default:
			ref.lines = append(ref.lines, &cp)
		}
	}
	perRate := taxesByRate(ref.lines, ref.fees, ref.shipping)
	for _, tl := range o.taxLines {
		if v, ok := perRate[tl.rateID]; ok {
			ref.taxLines = append(ref.taxLines, &taxLine{id: s.newID(), rateID: tl.rateID, code: tl.code, label: tl.label,
				compound: tl.compound, percent: tl.percent, taxTotal: v.items, shippingTaxTotal: v.shipping})
		}
	}
	return ref
}

// refundRemaining records the automatic refund WooCommerce core makes when
// an order is set to Refunded (wc_order_fully_refunded, OF 905–927): what
// is left, as an amount alone (no line items, no restock), with the
// reason "Order fully refunded.", no gateway call, and then the note that
// tells the merchant to refund through the gateway. Nothing at all when
// nothing is left. The caller holds s.mu.
func (s *Server) refundRemaining(o *order) {
	left := o.total.Sub(o.refunded()).Round(s.cfg.dp)
	if !left.IsPositive() {
		return
	}
	o.refunds = append(o.refunds, s.buildRefund(o, left, "Order fully refunded.", nil))
	s.addNote(o, "Order status set to refunded. To return funds to the customer you will need to issue a refund through your payment gateway.", false, false)
}

func (s *Server) listRefunds(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orderOr(w, r, http.StatusNotFound)
	if !ok {
		return
	}
	perPage, page := 10, 1
	if v := r.query("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			invalidParam(w, "per_page", "rest_out_of_bounds", "per_page must be between 1 (inclusive) and 100 (inclusive)")
			return
		}
		perPage = n
	}
	if n, err := strconv.Atoi(r.query("page")); err == nil && n > 0 {
		page = n
	}
	all := []map[string]any{}
	for i := len(o.refunds) - 1; i >= 0; i-- {
		all = append(all, s.refundJSON(o.id, o.refunds[i], s.dp(r)))
	}
	start := min((page-1)*perPage, len(all))
	w.Header().Set("X-WP-Total", strconv.Itoa(len(all)))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa((len(all)+perPage-1)/perPage))
	writeJSON(w, http.StatusOK, all[start:min(start+perPage, len(all))])
}

// findRefund looks a refund id up across the store: the order it is
// under, or nil.
func (s *Server) findRefund(id int64) (*order, int) {
	for _, o := range s.orders {
		if i := slices.IndexFunc(o.refunds, func(x *refund) bool { return x.id == id }); i >= 0 {
			return o, i
		}
	}
	return nil, -1
}

// refundOr resolves /orders/A/refunds/R as R2 does (R2 146–253): an
// unknown R is 404 woocommerce_rest_shop_order_refund_invalid_id; R under
// another order, or R an order, is woocommerce_rest_invalid_order_refund_id
// with a bare 404, so HTTP 500; a missing A with a valid R is
// woocommerce_rest_invalid_order_id, HTTP 500. The caller holds s.mu.
func (s *Server) refundOr(w http.ResponseWriter, r *request) (*order, int, bool) {
	oid, _ := r.id(1)
	rid, _ := r.id(3)
	owner, i := s.findRefund(rid)
	_, isOrder := s.orders[rid]
	switch {
	case owner == nil && !isOrder:
		wpError(w, http.StatusNotFound, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.", 404)
	case s.orders[oid] == nil:
		bareError(w, "woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
	case owner == nil || owner.id != oid:
		bareError(w, "woocommerce_rest_invalid_order_refund_id", "Invalid order refund ID.", 404)
	default:
		return owner, i, true
	}
	return nil, 0, false
}

func (s *Server) getRefund(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, i, ok := s.refundOr(w, r); ok {
		writeJSON(w, http.StatusOK, s.refundJSON(o.id, o.refunds[i], s.dp(r)))
	}
}

func (s *Server) deleteRefund(w http.ResponseWriter, r *request) {
	// force defaults to true for refunds; false is refused (R2).
	if force, valid := r.boolParam("force", true); !valid || !force {
		wpError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Refunds do not support trashing.", 501)
		return
	}
	s.mu.Lock()
	o, i, ok := s.refundOr(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	ref := o.refunds[i]
	o.refunds = slices.Delete(o.refunds, i, i+1)
	o.modified = s.cfg.now().UTC()
	out := s.refundJSON(o.id, ref, s.dp(r))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// Refunds returns an order's refund records, oldest first, decoded from
// the store's JSON by the client's decoder.
func (s *Server) Refunds(orderID int64) []woocommerce.Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return nil
	}
	out := make([]woocommerce.Refund, len(o.refunds))
	for i, r := range o.refunds {
		s.decode(s.refundJSON(o.id, r, s.cfg.dp), &out[i])
	}
	return out
}
