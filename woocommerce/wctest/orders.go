package wctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

type orderState struct {
	o       *woocommerce.Order
	notes   []*woocommerce.Note
	refunds []*woocommerce.Refund
}

// snapshot returns a deep copy of the order as the API shows it (money
// rounded to the store's decimals). The caller holds s.mu.
func (s *Server) snapshot(st *orderState) *woocommerce.Order {
	b, _ := json.Marshal(s.render(st, s.cfg.dp, nil))
	var o woocommerce.Order
	json.Unmarshal(b, &o)
	return &o
}

func wcDate(t woocommerce.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func metaJSON(meta []woocommerce.Meta) []map[string]any {
	out := []map[string]any{}
	for _, m := range meta {
		out = append(out, map[string]any{"id": m.ID, "key": m.Key, "value": json.RawMessage(m.Value)})
	}
	return out
}

func (s *Server) taxesJSON(taxes []woocommerce.Tax, shipping bool) []map[string]any {
	out := []map[string]any{}
	for _, t := range taxes {
		sub := any(t.Subtotal.String())
		if shipping {
			sub = ""
		}
		out = append(out, map[string]any{"id": int64(t.ID), "total": t.Total.String(), "subtotal": sub})
	}
	return out
}

// render builds the order's JSON as WooCommerce writes it: money strings
// with dp decimals, raw tax strings, a float price, dates in both forms.
// fields, when set, keeps only those top-level keys (and id).
func (s *Server) render(st *orderState, dp int32, fields []string) map[string]any {
	o := st.o
	m := func(d decimal.Decimal) string { return s.money(d, dp) }
	lines := []map[string]any{}
	for _, l := range o.LineItems {
		lines = append(lines, map[string]any{
			"id": l.ID, "name": l.Name, "parent_name": nil, "product_id": l.ProductID, "variation_id": l.VariationID,
			"quantity": l.Quantity.IntPart(), "tax_class": l.TaxClass, "subtotal": m(l.Subtotal), "subtotal_tax": m(l.SubtotalTax),
			"total": m(l.Total), "total_tax": m(l.TotalTax), "taxes": s.taxesJSON(l.Taxes, false),
			"meta_data": metaJSON(l.MetaData), "sku": l.SKU, "price": json.Number(l.Price.String()), // a number, as WooCommerce's float
			"image": map[string]any{"id": "", "src": ""},
		})
	}
	shipping := []map[string]any{}
	for _, l := range o.ShippingLines {
		shipping = append(shipping, map[string]any{
			"id": l.ID, "method_title": l.MethodTitle, "method_id": l.MethodID, "instance_id": l.InstanceID,
			"total": m(l.Total), "total_tax": m(l.TotalTax), "taxes": s.taxesJSON(l.Taxes, true), "meta_data": metaJSON(l.MetaData),
		})
	}
	fees := []map[string]any{}
	for _, l := range o.FeeLines {
		fees = append(fees, map[string]any{
			"id": l.ID, "name": l.Name, "tax_class": l.TaxClass, "tax_status": l.TaxStatus,
			"total": m(l.Total), "total_tax": m(l.TotalTax), "taxes": s.taxesJSON(l.Taxes, false), "meta_data": metaJSON(l.MetaData),
		})
	}
	taxLines := []map[string]any{}
	for _, t := range o.TaxLines {
		taxLines = append(taxLines, map[string]any{
			"id": t.ID, "rate_code": t.RateCode, "rate_id": int64(t.RateID), "label": t.Label, "compound": t.Compound,
			"rate_percent": json.Number(t.RatePercent.String()), "tax_total": m(t.TaxTotal), "shipping_tax_total": m(t.ShippingTaxTotal), "meta_data": metaJSON(t.MetaData),
		})
	}
	coupons := []map[string]any{}
	for _, c := range o.CouponLines {
		coupons = append(coupons, map[string]any{"id": c.ID, "code": c.Code, "discount": m(c.Discount),
			"discount_tax": m(c.DiscountTax), "meta_data": metaJSON(c.MetaData)})
	}
	refunds := []map[string]any{}
	for i := len(st.refunds) - 1; i >= 0; i-- {
		r := st.refunds[i]
		refunds = append(refunds, map[string]any{"id": r.ID, "reason": r.Reason, "total": m(r.Amount.Neg())})
	}
	out := map[string]any{
		"id": o.ID, "parent_id": o.ParentID, "number": o.Number, "order_key": o.OrderKey, "created_via": o.CreatedVia,
		"version": o.Version, "status": string(o.Status), "currency": o.Currency,
		"date_created": wcDate(o.DateCreated), "date_created_gmt": wcDate(o.DateCreated),
		"date_modified": wcDate(o.DateModified), "date_modified_gmt": wcDate(o.DateModified),
		"date_paid": wcDate(o.DatePaid), "date_paid_gmt": wcDate(o.DatePaid),
		"date_completed": wcDate(o.DateCompleted), "date_completed_gmt": wcDate(o.DateCompleted),
		"discount_total": m(o.DiscountTotal), "discount_tax": m(o.DiscountTax), "shipping_total": m(o.ShippingTotal),
		"shipping_tax": m(o.ShippingTax), "cart_tax": m(o.CartTax), "total": m(o.Total), "total_tax": m(o.TotalTax),
		"prices_include_tax": o.PricesIncludeTax, "customer_id": o.CustomerID, "customer_ip_address": "",
		"customer_user_agent": "", "customer_note": o.CustomerNote, "billing": o.Billing, "shipping": o.Shipping,
		"payment_method": o.PaymentMethod, "payment_method_title": o.PaymentMethodTitle, "transaction_id": o.TransactionID,
		"cart_hash": "", "meta_data": metaJSON(o.MetaData), "line_items": lines, "tax_lines": taxLines,
		"shipping_lines": shipping, "fee_lines": fees, "coupon_lines": coupons, "refunds": refunds,
		"payment_url": s.URL + "checkout/order-pay/" + strconv.FormatInt(o.ID, 10) + "/",
		"_links":      map[string]any{"self": []map[string]string{{"href": s.URL + "wp-json/wc/v3/orders/" + strconv.FormatInt(o.ID, 10)}}},
	}
	if len(fields) > 0 {
		for k := range out {
			if k != "id" && !slices.Contains(fields, k) {
				delete(out, k)
			}
		}
	}
	return out
}

func (s *Server) orderOr404(w http.ResponseWriter, r *request, code string, status int) (*orderState, bool) {
	id, ok := r.id(1)
	if ok {
		if st, found := s.orders[id]; found {
			return st, true
		}
	}
	wpError(w, status, code, "Invalid ID.", status)
	return nil, false
}

func (s *Server) getOrder(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.render(st, s.dp(r), fields(r)))
}

func fields(r *request) []string {
	if f := r.q.Get("_fields"); f != "" {
		return strings.Split(f, ",")
	}
	return nil
}

// listValues reads an array parameter given as "a,b" or as a[]=a&a[]=b.
func listValues(r *request, name string) []string {
	var out []string
	for _, v := range append(r.q[name], r.q[name+"[]"]...) {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (s *Server) listOrders(w http.ResponseWriter, r *request) {
	page, perPage := 1, 10
	if v := r.q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalidParam(w, "page", "page must be greater than or equal to 1")
			return
		}
		page = n
	}
	if v := r.q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			invalidParam(w, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
			return
		}
		perPage = n
	}
	// dates_are_gmt needs no handling: the store's time zone is UTC, so
	// local and GMT times agree.
	parseTime := func(name string) (time.Time, bool) {
		v := r.q.Get(name)
		if v == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation("2006-01-02T15:04:05", v, time.UTC)
		if err != nil {
			t, err = time.Parse(time.RFC3339, v)
		}
		if err != nil {
			invalidParam(w, name, "Invalid date.")
			return time.Time{}, false
		}
		return t.UTC(), true
	}
	after, ok1 := parseTime("after")
	before, ok2 := parseTime("before")
	modAfter, ok3 := parseTime("modified_after")
	modBefore, ok4 := parseTime("modified_before")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return
	}
	statuses := listValues(r, "status")
	ids := func(name string) map[int64]bool {
		m := map[int64]bool{}
		for _, v := range listValues(r, name) {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				m[n] = true
			}
		}
		return m
	}
	include, exclude := ids("include"), ids("exclude")
	orderBy, dir := r.q.Get("orderby"), r.q.Get("order")
	if orderBy == "" {
		orderBy = "date"
	}
	if !slices.Contains([]string{"date", "id", "include", "title", "slug", "modified"}, orderBy) {
		invalidParam(w, "orderby", "orderby is not one of date, id, include, title, slug, modified.")
		return
	}
	if dir == "" {
		dir = "desc"
	}
	if dir != "asc" && dir != "desc" {
		invalidParam(w, "order", "order is not one of asc, desc.")
		return
	}
	search := strings.ToLower(r.q.Get("search"))

	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*orderState
	for _, id := range s.order {
		st := s.orders[id]
		o := st.o
		switch {
		case len(statuses) > 0 && !slices.Contains(statuses, "any") && !slices.Contains(statuses, string(o.Status)),
			len(statuses) == 0 && o.Status == woocommerce.StatusTrash,
			len(include) > 0 && !include[o.ID], exclude[o.ID],
			!after.IsZero() && !o.DateCreated.After(after), !before.IsZero() && !o.DateCreated.Before(before),
			!modAfter.IsZero() && !o.DateModified.After(modAfter), !modBefore.IsZero() && !o.DateModified.Before(modBefore),
			search != "" && !strings.Contains(strings.ToLower(o.Number+" "+o.Billing.Email+" "+o.Billing.FirstName+" "+o.Billing.LastName), search):
			continue
		}
		match = append(match, st)
	}
	slices.SortStableFunc(match, func(a, b *orderState) int {
		var c int
		switch orderBy {
		case "modified":
			c = a.o.DateModified.Compare(b.o.DateModified.Time)
		case "date":
			c = a.o.DateCreated.Compare(b.o.DateCreated.Time)
		}
		if c == 0 {
			c = int(a.o.ID - b.o.ID) // WordPress's hidden tie-break on ID
		}
		if dir == "desc" {
			c = -c
		}
		return c
	})
	total := len(match)
	pages := (total + perPage - 1) / perPage
	start := min((page-1)*perPage, total)
	end := min(start+perPage, total)
	out := []map[string]any{}
	dp, f := s.dp(r), fields(r)
	for _, st := range match[start:end] {
		out = append(out, s.render(st, dp, f))
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	var links []string
	link := func(p int, rel string) string {
		q := r.r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		u := *r.r.URL
		u.RawQuery = q.Encode()
		return fmt.Sprintf(`<%s%s>; rel="%s"`, strings.TrimSuffix(s.URL, "/"), u.RequestURI(), rel)
	}
	if page > 1 && page <= pages+1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < pages {
		links = append(links, link(page+1, "next"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, out)
}

// orderUpdate is what an update may carry.
type orderUpdate struct {
	Status             *string            `json:"status"`
	TransactionID      *string            `json:"transaction_id"`
	CustomerNote       *string            `json:"customer_note"`
	PaymentMethod      *string            `json:"payment_method"`
	PaymentMethodTitle *string            `json:"payment_method_title"`
	SetPaid            *bool              `json:"set_paid"`
	ManualUpdate       *bool              `json:"manual_update"`
	MetaData           []woocommerce.Meta `json:"meta_data"`
	LineItems          json.RawMessage    `json:"line_items"`
	ShippingLines      json.RawMessage    `json:"shipping_lines"`
	FeeLines           json.RawMessage    `json:"fee_lines"`
	CouponLines        json.RawMessage    `json:"coupon_lines"`
}

// knownStatuses are the statuses the store accepts on write.
var knownStatuses = []woocommerce.Status{
	woocommerce.StatusPending, woocommerce.StatusProcessing, woocommerce.StatusOnHold, woocommerce.StatusCompleted,
	woocommerce.StatusCancelled, woocommerce.StatusRefunded, woocommerce.StatusFailed, woocommerce.StatusCheckoutDraft,
	woocommerce.StatusManualReview,
}

func (s *Server) updateOrder(w http.ResponseWriter, r *request) {
	var u orderUpdate
	if !decodeBody(w, r, &u) {
		return
	}
	s.mu.Lock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusBadRequest)
	if !ok {
		s.mu.Unlock()
		return
	}
	code, msg := s.applyUpdate(st, &u)
	if code != "" {
		s.mu.Unlock()
		invalidParam(w, code, msg)
		return
	}
	out := s.render(st, s.dp(r), nil)
	id := st.o.ID
	s.mu.Unlock()
	s.fireWebhooks("order.updated", id)
	writeJSON(w, http.StatusOK, out)
}

// applyUpdate applies a partial update with the status last, as
// WooCommerce does; it returns a parameter name and message on a bad
// update, having changed nothing. The caller holds s.mu.
func (s *Server) applyUpdate(st *orderState, u *orderUpdate) (string, string) {
	if len(u.LineItems) > 0 || len(u.ShippingLines) > 0 || len(u.FeeLines) > 0 || len(u.CouponLines) > 0 {
		return "line_items", "wctest does not edit order lines"
	}
	if u.Status != nil && !slices.Contains(knownStatuses, woocommerce.Status(*u.Status)) {
		return "status", "status is not one of " + joinStatuses() + "."
	}
	o := st.o
	if u.TransactionID != nil {
		o.TransactionID = *u.TransactionID
	}
	if u.CustomerNote != nil {
		o.CustomerNote = *u.CustomerNote
	}
	if u.PaymentMethod != nil {
		o.PaymentMethod = *u.PaymentMethod
	}
	if u.PaymentMethodTitle != nil {
		o.PaymentMethodTitle = *u.PaymentMethodTitle
	}
	for _, m := range u.MetaData {
		o.MetaData = s.upsertMeta(o.MetaData, m)
	}
	o.DateModified = woocommerce.Time{Time: s.cfg.now().UTC()}
	if u.Status != nil {
		s.setStatus(st, woocommerce.Status(*u.Status), u.ManualUpdate != nil && *u.ManualUpdate)
	}
	if u.SetPaid != nil && *u.SetPaid && o.DatePaid.IsZero() {
		o.DatePaid = woocommerce.Time{Time: s.cfg.now().UTC()}
		if o.Status == woocommerce.StatusPending {
			s.setStatus(st, woocommerce.StatusProcessing, false)
		}
	}
	return "", ""
}

func joinStatuses() string {
	s := make([]string, len(knownStatuses))
	for i, st := range knownStatuses {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// upsertMeta updates the entry with the id, else the first with the key,
// else adds one; a null value deletes.
func (s *Server) upsertMeta(meta []woocommerce.Meta, m woocommerce.Meta) []woocommerce.Meta {
	idx := -1
	for i, e := range meta {
		if m.ID != 0 && e.ID == m.ID || m.ID == 0 && e.Key == m.Key {
			idx = i
			break
		}
	}
	isNull := len(m.Value) == 0 || string(m.Value) == "null"
	switch {
	case idx >= 0 && isNull:
		return slices.Delete(meta, idx, idx+1)
	case idx >= 0:
		meta[idx].Value = m.Value
		if m.Key != "" {
			meta[idx].Key = m.Key
		}
		return meta
	case isNull:
		return meta
	}
	return append(meta, woocommerce.Meta{ID: s.newID(), Key: m.Key, Value: m.Value})
}

// setStatus moves the order to a new status as WooCommerce's
// status_transition does: the system note, the completed date, and on
// refunded the automatic refund of what is left. The same status is a
// no-op. The caller holds s.mu.
func (s *Server) setStatus(st *orderState, to woocommerce.Status, byUser bool) {
	from := st.o.Status
	if from == to {
		return
	}
	st.o.Status = to
	now := s.cfg.now().UTC()
	if to == woocommerce.StatusCompleted {
		st.o.DateCompleted = woocommerce.Time{Time: now}
	}
	if to == woocommerce.StatusRefunded {
		// woocommerce_order_status_refunded fires inside the transition,
		// before its note (ORD 427–505).
		s.refundRemaining(st)
	}
	s.addNote(st, fmt.Sprintf("Order status changed from %s to %s.", from.Label(), to.Label()), false, byUser)
}

func (s *Server) batchOrders(w http.ResponseWriter, r *request) {
	var b struct {
		Create []json.RawMessage `json:"create"`
		Update []json.RawMessage `json:"update"`
		Delete []int64           `json:"delete"`
	}
	if !decodeBody(w, r, &b) {
		return
	}
	if n := len(b.Create) + len(b.Update) + len(b.Delete); n > 100 {
		wpError(w, http.StatusRequestEntityTooLarge, "woocommerce_rest_request_entity_too_large",
			"Unable to accept more than 100 items for this request.", http.StatusRequestEntityTooLarge)
		return
	}
	itemErr := func(id int64, code, msg string, status int) map[string]any {
		return map[string]any{"id": id, "error": map[string]any{"code": code, "message": msg, "data": map[string]any{"status": status}}}
	}
	res := map[string]any{}
	var touched []int64
	s.mu.Lock()
	if len(b.Create) > 0 {
		var created []any
		for range b.Create {
			created = append(created, itemErr(0, "wctest_create_unsupported", "wctest creates orders with SeedOrder.", 400))
		}
		res["create"] = created
	}
	if len(b.Update) > 0 {
		updated := []any{}
		for _, raw := range b.Update {
			var u struct {
				ID int64 `json:"id"`
				orderUpdate
			}
			if err := json.Unmarshal(raw, &u); err != nil {
				updated = append(updated, itemErr(0, "rest_invalid_json", err.Error(), 400))
				continue
			}
			st, ok := s.orders[u.ID]
			if !ok {
				updated = append(updated, itemErr(u.ID, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400))
				continue
			}
			if code, msg := s.applyUpdate(st, &u.orderUpdate); code != "" {
				updated = append(updated, itemErr(u.ID, "rest_invalid_param", msg, 400))
				continue
			}
			touched = append(touched, u.ID)
			updated = append(updated, s.render(st, s.dp(r), nil))
		}
		res["update"] = updated
	}
	if len(b.Delete) > 0 {
		deleted := []any{}
		for _, id := range b.Delete {
			st, ok := s.orders[id]
			if !ok {
				deleted = append(deleted, itemErr(id, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404))
				continue
			}
			deleted = append(deleted, s.render(st, s.dp(r), nil))
			delete(s.orders, id)
			s.order = slices.DeleteFunc(s.order, func(x int64) bool { return x == id })
		}
		res["delete"] = deleted
	}
	s.mu.Unlock()
	for _, id := range touched {
		s.fireWebhooks("order.updated", id)
	}
	writeJSON(w, http.StatusOK, res)
}

// Order returns the order as the API shows it.
func (s *Server) Order(id int64) (*woocommerce.Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[id]
	if !ok {
		return nil, false
	}
	return s.snapshot(st), true
}

// SetStatus changes an order's status as a merchant would in the admin:
// with the status note, the automatic refund on refunded, and the
// order.updated webhook.
func (s *Server) SetStatus(id int64, status woocommerce.Status) error {
	s.mu.Lock()
	st, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("wctest: no order %d", id)
	}
	st.o.DateModified = woocommerce.Time{Time: s.cfg.now().UTC()}
	s.setStatus(st, status, true)
	s.mu.Unlock()
	s.fireWebhooks("order.updated", id)
	return nil
}
