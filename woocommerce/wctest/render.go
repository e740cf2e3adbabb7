package wctest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The JSON WooCommerce writes, field by field (O2 prepare_object_for_response
// and get_order_item_data, R2 for refunds), from the store's own model.

func wcDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func metaJSON(meta []metaEntry) []map[string]any {
	out := []map[string]any{}
	for _, m := range meta {
		out = append(out, map[string]any{"id": m.id, "key": m.key, "value": m.value})
	}
	return out
}

// taxesJSON renders an item's taxes[]: total and subtotal as dp strings
// since PR #58497 (O2 253–258); subtotal is "" on shipping and fee items.
func taxesJSON(taxes []taxAmount, noSubtotal bool, dp int32) []map[string]any {
	out := []map[string]any{}
	for _, t := range taxes {
		var sub any = money(t.subtotal, dp)
		if noSubtotal {
			sub = ""
		}
		out = append(out, map[string]any{"id": t.rateID, "total": money(t.total, dp), "subtotal": sub})
	}
	return out
}

// price is WooCommerce's float price: total / quantity, 0 for none, as a
// JSON number (O2 232).
func price(it *item) json.Number {
	if it.quantity == 0 {
		return "0"
	}
	p, _ := it.total.DivRound(decimal.NewFromInt(it.quantity), 8).Float64()
	return json.Number(strconv.FormatFloat(p, 'g', -1, 64))
}

func itemJSON(it *item, dp int32) map[string]any {
	m := func(d decimal.Decimal) string { return money(d, dp) }
	switch it.typ {
	case itemShipping:
		return map[string]any{"id": it.id, "method_title": it.name, "method_id": it.methodID, "instance_id": it.instanceID,
			"total": m(it.total), "total_tax": m(it.totalTax), "taxes": taxesJSON(it.taxes, true, dp), "meta_data": metaJSON(it.meta)}
	case itemFee:
		return map[string]any{"id": it.id, "name": it.name, "tax_class": it.taxClass, "tax_status": it.taxStatus,
			"amount": it.total.String(), // raw, not formatted
			"total":  m(it.total), "total_tax": m(it.totalTax), "taxes": taxesJSON(it.taxes, true, dp), "meta_data": metaJSON(it.meta)}
	case itemCoupon:
		return map[string]any{"id": it.id, "code": it.name, "discount": it.discount.String(), "discount_tax": it.discountTax.String(),
			"meta_data": metaJSON(it.meta)}
	}
	return map[string]any{
		"id": it.id, "name": it.name, "product_id": it.productID, "variation_id": it.variationID,
		"quantity": it.quantity, "tax_class": it.taxClass, "subtotal": m(it.subtotal), "subtotal_tax": m(it.subtotalTax),
		"total": m(it.total), "total_tax": m(it.totalTax), "taxes": taxesJSON(it.taxes, false, dp),
		"meta_data": metaJSON(it.meta), "sku": it.sku, "global_unique_id": "", "price": price(it),
		"image": map[string]any{"id": "", "src": ""}, "parent_name": nil,
	}
}

func itemsJSON(items []*item, dp int32) []map[string]any {
	out := []map[string]any{}
	for _, it := range items {
		out = append(out, itemJSON(it, dp))
	}
	return out
}

func taxLinesJSON(lines []*taxLine, dp int32) []map[string]any {
	out := []map[string]any{}
	for _, t := range lines {
		out = append(out, map[string]any{"id": t.id, "rate_code": t.code, "rate_id": t.rateID, "label": t.label,
			"compound": t.compound, "rate_percent": json.Number(t.percent.String()), "tax_total": money(t.taxTotal, dp),
			"shipping_tax_total": money(t.shippingTaxTotal, dp), "meta_data": metaJSON(t.meta)})
	}
	return out
}

func addressJSON(addr map[string]string, keys []string) map[string]string {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = addr[k] // "" when unset, never left out
	}
	return out
}

// restURL is rest_url(route) for the store's permalink setting.
func (s *Server) restURL(route string) string {
	return s.URL + s.cfg.prefix + "/wc/v3/" + route
}

func links(pairs ...string) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i]] = []map[string]string{{"href": pairs[i+1]}}
	}
	return out
}

// renderOrder builds the order's JSON as the REST API writes it.
// withLinks adds _links (single objects, and list items only when
// _fields asks for them).
func (s *Server) renderOrder(o *order, dp int32) map[string]any {
	m := func(d decimal.Decimal) string { return money(d, dp) }
	refunds := []map[string]any{}
	for i := len(o.refunds) - 1; i >= 0; i-- {
		r := o.refunds[i]
		refunds = append(refunds, map[string]any{"id": r.id, "reason": r.reason, "total": "-" + m(r.amount)})
	}
	id := strconv.FormatInt(o.id, 10)
	l := links("self", s.restURL("orders/"+id), "collection", s.restURL("orders"),
		"email_templates", s.restURL("orders/"+id+"/actions/email_templates"))
	if o.customerID != 0 {
		l["customer"] = []map[string]string{{"href": s.URL + s.cfg.prefix + "/wc/v3/customers/" + strconv.FormatInt(o.customerID, 10)}}
	}
	return map[string]any{
		"id": o.id, "parent_id": o.parentID, "number": o.number, "order_key": o.key, "created_via": o.createdVia,
		"version": o.version, "status": o.status, "currency": o.currency,
		"date_created": wcDate(o.created), "date_created_gmt": wcDate(o.created),
		"date_modified": wcDate(o.modified), "date_modified_gmt": wcDate(o.modified),
		"date_paid": wcDate(o.paid), "date_paid_gmt": wcDate(o.paid),
		"date_completed": wcDate(o.completed), "date_completed_gmt": wcDate(o.completed),
		"discount_total": m(o.discountTotal), "discount_tax": m(o.discountTax), "shipping_total": m(o.shippingTotal),
		"shipping_tax": m(o.shippingTax), "cart_tax": m(o.cartTax), "total": m(o.total), "total_tax": m(o.totalTax),
		"prices_include_tax": o.pricesIncludeTax, "customer_id": o.customerID, "customer_ip_address": "",
		"customer_user_agent": "", "customer_note": o.customerNote,
		"billing": addressJSON(o.billing, billingKeys), "shipping": addressJSON(o.shipping, shippingKeys),
		"payment_method": o.paymentMethod, "payment_method_title": o.paymentMethodTitle, "transaction_id": o.transactionID,
		"cart_hash": "", "meta_data": metaJSON(o.meta), "line_items": itemsJSON(o.lines, dp),
		"tax_lines": taxLinesJSON(o.taxLines, dp), "shipping_lines": itemsJSON(o.shippingLines, dp),
		"fee_lines": itemsJSON(o.fees, dp), "coupon_lines": itemsJSON(o.coupons, dp), "refunds": refunds,
		"payment_url":   s.URL + "checkout/order-pay/" + id + "/?pay_for_order=true&key=" + o.key,
		"is_editable":   o.status == "pending" || o.status == "on-hold" || o.status == "auto-draft" || o.status == "checkout-draft",
		"needs_payment": s.needsPayment(o), "needs_processing": true,
		"_links": l,
	}
}

// filterFields applies _fields as rest_filter_response_fields does (RAPI
// 928–974): the paths become a tree of keys (a path under one already
// taken whole ends the list), and each level keeps only its keys
// (_rest_array_intersect_key_recursive). id is not forced in. A list
// inside an object is a PHP array keyed 0, 1, …: "line_items.name" keeps
// none of its items (the list comes back empty), "line_items.0.name" the
// first item's name.
func filterFields(v map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		return v
	}
	tree := map[string]any{}
paths:
	for _, f := range fields {
		parts := strings.Split(f, ".")
		level := tree
		for _, p := range parts[:len(parts)-1] {
			switch next := level[p].(type) {
			case bool:
				// The parent is taken whole: WordPress stops reading
				// the list here ("break 2"), so later paths count for
				// nothing either.
				break paths
			case map[string]any:
				level = next
			default:
				sub := map[string]any{}
				level[p] = sub
				level = sub
			}
		}
		level[parts[len(parts)-1]] = true
	}
	// An order's meta entries are still WC_Meta_Data objects when the
	// filter runs, not arrays, so an entry named by its index is kept
	// whole whatever the path goes on to.
	if meta, ok := tree["meta_data"].(map[string]any); ok {
		for i := range meta {
			meta[i] = true
		}
	}
	out, ok := intersectKeys(v, tree).(map[string]any)
	if !ok {
		out = map[string]any{} // nothing kept
	}
	return out
}

// filterItem is filterFields for an item of a list: an item nothing is
// kept of is an empty PHP array, which json_encode writes as [].
func filterItem(v map[string]any, fields []string) any {
	out := filterFields(v, fields)
	if len(out) == 0 && len(fields) > 0 {
		return []any{}
	}
	return out
}

// intersectKeys keeps the keys of v that tree names, recursing where tree
// names keys below them. Lists are keyed by index, as in PHP; the items
// kept are a JSON list when they are the first ones in order, else an
// object keyed by index, as json_encode writes such an array.
func intersectKeys(v any, tree map[string]any) any {
	keep := func(k string, val any) (any, bool) {
		switch sub := tree[k].(type) {
		case bool:
			return val, true
		case map[string]any:
			return intersectKeys(val, sub), true
		}
		return nil, false
	}
	// An emptied PHP array is a list to json_encode: [] where an object
	// kept nothing.
	object := func(out map[string]any) any {
		if len(out) == 0 {
			return []any{}
		}
		return out
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if kept, ok := keep(k, val); ok {
				out[k] = kept
			}
		}
		return object(out)
	case map[string]string: // addresses
		out := map[string]any{}
		for k, val := range x {
			if kept, ok := keep(k, val); ok {
				out[k] = kept
			}
		}
		return object(out)
	case []map[string]any:
		byIndex := map[string]any{}
		var list []any
		inOrder := true
		for i, e := range x {
			if kept, ok := keep(strconv.Itoa(i), e); ok {
				byIndex[strconv.Itoa(i)] = kept
				inOrder = inOrder && len(list) == i
				list = append(list, kept)
			}
		}
		if !inOrder {
			return byIndex
		}
		if list == nil {
			return []any{}
		}
		return list
	}
	return v // a scalar under a path that goes deeper: PHP keeps it
}

func (s *Server) refundJSON(orderID int64, r *refund, dp int32) map[string]any {
	oid, rid := strconv.FormatInt(orderID, 10), strconv.FormatInt(r.id, 10)
	return map[string]any{"id": r.id, "date_created": wcDate(r.created), "date_created_gmt": wcDate(r.created),
		"amount": money(r.amount, dp), "reason": r.reason, "refunded_by": r.refundedBy, "refunded_payment": r.refundedPayment,
		"meta_data": metaJSON(r.meta), "line_items": itemsJSON(r.lines, dp), "shipping_lines": itemsJSON(r.shipping, dp),
		"tax_lines": taxLinesJSON(r.taxLines, dp), "fee_lines": itemsJSON(r.fees, dp),
		"_links": links("self", s.restURL("orders/"+oid+"/refunds/"+rid), "collection", s.restURL("orders/"+oid+"/refunds"),
			"up", s.restURL("orders/"+oid))}
}

func noteJSON(n *note) map[string]any {
	return map[string]any{"id": n.id, "author": n.author, "date_created": wcDate(n.created),
		"date_created_gmt": wcDate(n.created), "note": n.text, "customer_note": n.customer}
}
