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
)

// snapshot decodes the order's JSON, as GET shows it with the store's
// decimals, through the client's decoder: every accessor call is a check
// of that decoder as well. A failure is kept for DecodeError, and the
// order comes back as far as it decoded. The caller holds s.mu.
func (s *Server) snapshot(o *order) (*woocommerce.Order, bool) {
	var out woocommerce.Order
	ok := s.decode(s.renderOrder(o, s.cfg.dp), &out)
	return &out, ok
}

// decode renders v as the API would and decodes it into dst with the
// client's decoder. The caller holds s.mu.
func (s *Server) decode(v any, dst any) bool {
	b, err := phpJSON(v)
	if err == nil {
		err = json.Unmarshal(b, dst)
	}
	if err != nil && s.decodeErr == nil {
		s.decodeErr = fmt.Errorf("wctest: the client cannot decode what the store wrote: %w", err)
	}
	return err == nil
}

// DecodeError returns the first error the client's decoder gave on the
// store's JSON in an accessor (Order, SeedOrder, Notes, Refunds), or nil.
// The accessors decode what the API would send through the client, so an
// error here is a bug in the client's decoding.
func (s *Server) DecodeError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.decodeErr
}

func (s *Server) orderOr(w http.ResponseWriter, r *request, status int) (*order, bool) {
	if id, ok := r.id(1); ok {
		if o, found := s.orders[id]; found {
			return o, true
		}
	}
	// GET and DELETE answer 404, an update 400 (CRUD 136–141, 245–250).
	wpError(w, status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", status)
	return nil, false
}

// fields is _fields as a list; commas or spaces separate.
func fields(r *request) []string { return r.get.list("_fields") }

func (s *Server) getOrder(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orderOr(w, r, http.StatusNotFound)
	if !ok {
		return
	}
	out := s.renderOrder(o, s.dp(r))
	linksOf := out["_links"]
	out = filterFields(out, fields(r))
	out["_links"] = linksOf // added after the filter on single objects (SRV 588–595)
	writeJSON(w, http.StatusOK, out)
}

// listParams are GET /orders' validated parameters (CRUD 568–707, O2
// 2067–2124).
type listParams struct {
	page, perPage, offset      int
	after, before              time.Time
	modAfter, modBefore        time.Time
	statuses                   []string
	include, exclude           map[int64]bool
	includeOrder               []int64
	orderBy, dir, search       string
	customer                   int64
	hasCustomer, filterInclude bool
}

func (s *Server) readListParams(r *request) (listParams, [][3]string) {
	p := listParams{page: 1, perPage: 10, orderBy: "date", dir: "desc"}
	var errs [][3]string
	intParam := func(name string, min, max int, msg string, dst *int) {
		if !r.get.has(name) {
			return
		}
		v, ok := r.get.get(name)
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < min || n > max {
			errs = append(errs, [3]string{name, "rest_out_of_bounds", msg})
			return
		}
		*dst = n
	}
	intParam("page", 1, 1<<31-1, "page must be greater than or equal to 1", &p.page)
	intParam("per_page", 1, 100, "per_page must be between 1 (inclusive) and 100 (inclusive)", &p.perPage)
	intParam("offset", 0, 1<<31-1, "offset is not of type integer.", &p.offset)
	timeParam := func(name string, dst *time.Time) {
		v := r.query(name)
		if v == "" {
			return
		}
		t, err := time.ParseInLocation("2006-01-02T15:04:05", v, time.UTC)
		if err != nil {
			t, err = time.Parse(time.RFC3339, v)
		}
		if err != nil {
			errs = append(errs, [3]string{name, "rest_invalid_date", "Invalid date."})
			return
		}
		*dst = t.UTC()
	}
	// dates_are_gmt needs no handling: the store's time zone is UTC.
	timeParam("after", &p.after)
	timeParam("before", &p.before)
	timeParam("modified_after", &p.modAfter)
	timeParam("modified_before", &p.modBefore)
	enum := append([]string{"any", "trash"}, s.writeStatuses()...)
	for i, st := range r.get.list("status") {
		if !slices.Contains(enum, st) {
			name := "status[" + strconv.Itoa(i) + "]"
			errs = append(errs, [3]string{"status", "rest_not_in_enum", name + " is not one of " + wpList(enum) + "."})
			break
		}
		p.statuses = append(p.statuses, st)
	}
	ids := func(name string) map[int64]bool {
		m := map[int64]bool{}
		for _, v := range r.get.list(name) {
			n, _ := strconv.ParseInt(v, 10, 64) // absint: "abc" is 0
			if n < 0 {
				n = -n
			}
			if name == "include" && !m[n] {
				p.includeOrder = append(p.includeOrder, n)
			}
			m[n] = true
		}
		return m
	}
	p.include, p.exclude = ids("include"), ids("exclude")
	p.filterInclude = r.get.has("include") && len(p.include) > 0
	if v := r.query("orderby"); v != "" {
		p.orderBy = v
	}
	if !slices.Contains([]string{"date", "id", "include", "title", "slug", "modified"}, p.orderBy) {
		errs = append(errs, [3]string{"orderby", "rest_not_in_enum", "orderby is not one of date, id, include, title, slug, and modified."})
	}
	if v := r.query("order"); v != "" {
		p.dir = v
	}
	if p.dir != "asc" && p.dir != "desc" {
		errs = append(errs, [3]string{"order", "rest_not_in_enum", "order is not one of asc and desc."})
	}
	if v := r.query("customer"); v != "" {
		p.customer, _ = strconv.ParseInt(v, 10, 64)
		p.hasCustomer = true
	}
	p.search = strings.ToLower(r.query("search"))
	return p, errs
}

func (p *listParams) matches(o *order) bool {
	anyStatus := len(p.statuses) == 0 || slices.Contains(p.statuses, "any")
	switch {
	case !anyStatus && !slices.Contains(p.statuses, o.status),
		anyStatus && o.status == "trash",
		p.filterInclude && !p.include[o.id], p.exclude[o.id],
		p.hasCustomer && o.customerID != p.customer,
		!p.after.IsZero() && !o.created.After(p.after), !p.before.IsZero() && !o.created.Before(p.before),
		!p.modAfter.IsZero() && !o.modified.After(p.modAfter), !p.modBefore.IsZero() && !o.modified.Before(p.modBefore),
		p.search != "" && !strings.Contains(strings.ToLower(o.number+" "+o.billing["email"]+" "+o.billing["first_name"]+" "+o.billing["last_name"]), p.search):
		return false
	}
	return true
}

func (s *Server) listOrders(w http.ResponseWriter, r *request) {
	p, errs := s.readListParams(r)
	if len(errs) > 0 {
		invalidParams(w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*order
	for _, id := range s.order {
		if o := s.orders[id]; p.matches(o) {
			match = append(match, o)
		}
	}
	slices.SortStableFunc(match, func(a, b *order) int {
		var c int
		switch p.orderBy {
		case "modified":
			c = a.modified.Compare(b.modified)
		case "date":
			c = a.created.Compare(b.created)
		case "include":
			c = slices.Index(p.includeOrder, a.id) - slices.Index(p.includeOrder, b.id)
		}
		if c == 0 {
			c = int(a.id - b.id) // the ID tie-break WooCommerce adds
		}
		if p.dir == "desc" && p.orderBy != "include" {
			c = -c
		}
		return c
	})
	total := len(match)
	pages := (total + p.perPage - 1) / p.perPage
	start := min((p.page-1)*p.perPage+p.offset, total)
	end := min(start+p.perPage, total)
	out := []any{}
	dp, f := s.dp(r), fields(r)
	for _, o := range match[start:end] {
		// Without _fields every item keeps its _links; with _fields, only
		// when they are asked for (RAPI 928–974).
		out = append(out, filterItem(s.renderOrder(o, dp), f))
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	if l := s.pageLinks(r, p.page, pages); l != "" {
		w.Header().Set("Link", l)
	}
	writeJSON(w, http.StatusOK, out)
}

// pageLinks is the Link header of a list (CRUD 367–447): prev when page >
// 1, pointing at min(page-1, total pages) (so page=0 on an empty list);
// next when there are more pages. The URL is rest_url plus every query
// parameter the request had, credentials included, added unencoded.
func (s *Server) pageLinks(r *request, page, pages int) string {
	link := func(n int, rel string) string {
		// add_query_arg writes the values raw and parses the result again
		// before it sets page, so a value holding "&page=" loses it.
		q := newPHPVars()
		q.parse(r.get.encodeRaw())
		q.put("page", &phpValue{str: strconv.Itoa(n)})
		return "<" + s.restURL(strings.Join(r.seg, "/")) + "?" + q.encodeRaw() + `>; rel="` + rel + `"`
	}
	var out []string
	if page > 1 {
		out = append(out, link(min(page-1, pages), "prev"))
	}
	if pages > page {
		out = append(out, link(page+1, "next"))
	}
	return strings.Join(out, ", ")
}

// orderUpdate is what an order update carries, read from the request's
// parameters.
type orderUpdate struct {
	status, transactionID, customerNote, paymentMethod, paymentMethodTitle *string
	setPaid, manualUpdate                                                  bool
	meta                                                                   []metaUpdate
	billing, shipping                                                      map[string]*string
	editsLines                                                             bool
}

// metaUpdate is one meta_data entry of an update.
type metaUpdate struct {
	id    int64
	hasID bool
	key   string
	value json.RawMessage // nil or null deletes
}

// parseMetaUpdates reads a meta_data list of {id?, key, value}; valid is
// false when it is not a list. Absent and null are an empty list.
func parseMetaUpdates(raw json.RawMessage) (_ []metaUpdate, valid bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	out := make([]metaUpdate, 0, len(list))
	for _, e := range list {
		var m metaUpdate
		json.Unmarshal(e["key"], &m.key)
		m.value = e["value"]
		// Only a strict integer id names an entry (DATA 738–790).
		if n, err := strconv.ParseInt(string(e["id"]), 10, 64); err == nil {
			m.id, m.hasID = n, true
		}
		out = append(out, m)
	}
	return out, true
}

// readUpdate reads an update from params (the JSON body, the form body,
// the query, in WordPress's precedence), validating as the schema does.
func (s *Server) readUpdate(param func(string) (json.RawMessage, bool)) (*orderUpdate, [][3]string) {
	u := &orderUpdate{}
	var errs [][3]string
	str := func(name string) *string {
		raw, ok := param(name)
		if !ok || string(raw) == "null" {
			return nil
		}
		var v string
		if json.Unmarshal(raw, &v) != nil {
			errs = append(errs, [3]string{name, "rest_invalid_type", name + " is not of type string."})
			return nil
		}
		return &v
	}
	u.status = str("status")
	u.transactionID = str("transaction_id")
	u.customerNote = str("customer_note")
	u.paymentMethod = str("payment_method")
	u.paymentMethodTitle = str("payment_method_title")
	if u.status != nil && !s.statusKnown(*u.status) && *u.status != "auto-draft" {
		errs = append(errs, [3]string{"status", "rest_not_in_enum", "status is not one of " + wpList(s.writeStatuses()) + "."})
	}
	for _, name := range []string{"set_paid", "manual_update"} {
		raw, ok := param(name)
		if !ok {
			continue
		}
		v, valid := wpBool(raw)
		if !valid {
			errs = append(errs, notBoolean(name))
		}
		if name == "set_paid" {
			u.setPaid = v
		} else {
			u.manualUpdate = v
		}
	}
	if raw, ok := param("meta_data"); ok {
		var valid bool
		if u.meta, valid = parseMetaUpdates(raw); !valid {
			errs = append(errs, [3]string{"meta_data", "rest_invalid_type", "meta_data is not of type array."})
		}
	}
	for _, a := range []struct {
		name string
		dst  *map[string]*string
		keys []string
	}{{"billing", &u.billing, billingKeys}, {"shipping", &u.shipping, shippingKeys}} {
		raw, ok := param(a.name)
		if !ok || string(raw) == "null" {
			continue
		}
		var m map[string]*string
		if json.Unmarshal(raw, &m) != nil {
			errs = append(errs, [3]string{a.name, "rest_invalid_type", a.name + " is not of type object."})
			continue
		}
		if a.name == "billing" {
			if e, ok := m["email"]; ok && e != nil && (*e == "" || !strings.Contains(*e, "@")) {
				errs = append(errs, [3]string{"billing", "rest_invalid_email", "Invalid email address."})
			}
		}
		*a.dst = map[string]*string{}
		for k, v := range m {
			if slices.Contains(a.keys, k) { // unknown keys are ignored (O2 854–860)
				(*a.dst)[k] = v
			}
		}
	}
	for _, name := range []string{"line_items", "shipping_lines", "fee_lines", "coupon_lines"} {
		if raw, ok := param(name); ok && string(raw) != "null" && string(raw) != "[]" {
			u.editsLines = true
		}
	}
	return u, errs
}

func (s *Server) updateOrder(w http.ResponseWriter, r *request) {
	// Validation runs before the order is looked up (SRV 1114–1121).
	u, errs := s.readUpdate(r.param)
	if len(errs) > 0 {
		invalidParams(w, errs)
		return
	}
	if u.editsLines {
		wpError(w, http.StatusBadRequest, "wctest_lines_not_editable", "wctest does not edit order lines.", 400)
		return
	}
	s.mu.Lock()
	o, ok := s.orderOr(w, r, http.StatusBadRequest)
	if !ok {
		s.mu.Unlock()
		return
	}
	s.applyUpdate(o, u)
	out := s.renderOrder(o, s.dp(r))
	linksOf := out["_links"]
	out = filterFields(out, fields(r)) // rest_post_dispatch filters every method's answer
	out["_links"] = linksOf
	id := o.id
	s.mu.Unlock()
	s.fireWebhooks("order.updated", id)
	writeJSON(w, http.StatusOK, out)
}

// applyUpdate is save_object (O3 256–330): fields and meta first, the
// status last, then set_paid. The caller holds s.mu.
func (s *Server) applyUpdate(o *order, u *orderUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&o.transactionID, u.transactionID)
	set(&o.customerNote, u.customerNote)
	set(&o.paymentMethod, u.paymentMethod)
	set(&o.paymentMethodTitle, u.paymentMethodTitle)
	for k, v := range u.billing {
		o.billing[k] = deref(v)
	}
	for k, v := range u.shipping {
		o.shipping[k] = deref(v)
	}
	for _, m := range u.meta {
		o.meta = s.updateMeta(o.meta, m)
	}
	o.modified = s.cfg.now().UTC()
	if u.status != nil {
		s.setStatus(o, *u.status, u.manualUpdate)
	}
	// set_paid acts only when the order still needs payment after the
	// status change (O3 304–308): {status: processing, set_paid: true}
	// on a pending order never calls payment_complete.
	if u.setPaid && s.needsPayment(o) {
		s.paymentComplete(o)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// needsPayment is WC_Order::needs_payment: pending or failed with a total
// above zero (ORD 1804–1814).
func (s *Server) needsPayment(o *order) bool {
	return (o.status == "pending" || o.status == "failed") && o.total.IsPositive()
}

// paymentComplete is WC_Order::payment_complete (ORD 137–208): from
// on-hold, pending, failed, cancelled or checkout-draft it sets date_paid
// if empty and moves to processing without a status note, then notes
// "Payment complete." (or "Payment via {title} ({transaction id})." when
// the order has a transaction id).
func (s *Server) paymentComplete(o *order) {
	if !slices.Contains([]string{"on-hold", "pending", "failed", "cancelled", "checkout-draft"}, o.status) {
		return
	}
	if o.paid.IsZero() {
		o.paid = s.cfg.now().UTC()
	}
	o.status = "processing"
	text := "Payment complete."
	if o.transactionID != "" {
		text = fmt.Sprintf("Payment via %s (%s).", o.paymentMethodTitle, o.transactionID)
	}
	s.addNote(o, text, false, false)
}

// updateMeta applies one meta_data entry as WC_Data::update_meta_data
// does (DATA 521–562, 738–790):
//   - an existing id: that entry is overwritten (the key may change);
//   - an unknown id: every entry with the key is deleted and one added;
//   - no id, the key exists: the first entry is updated, the other
//     entries with that key are deleted;
//   - no id, a new key: added;
//   - a null or missing value: the entry (by id) or the key is deleted.
func (s *Server) updateMeta(meta []metaEntry, m metaUpdate) []metaEntry {
	del := len(m.value) == 0 || string(m.value) == "null"
	if m.hasID {
		if i := slices.IndexFunc(meta, func(e metaEntry) bool { return e.id == m.id }); i >= 0 {
			if del {
				return slices.Delete(meta, i, i+1)
			}
			meta[i].value = m.value
			if m.key != "" {
				meta[i].key = m.key
			}
			return meta
		}
		meta = slices.DeleteFunc(meta, func(e metaEntry) bool { return e.key == m.key })
		if del {
			return meta
		}
		return append(meta, metaEntry{id: s.newID(), key: m.key, value: m.value})
	}
	first := slices.IndexFunc(meta, func(e metaEntry) bool { return e.key == m.key })
	switch {
	case del:
		return slices.DeleteFunc(meta, func(e metaEntry) bool { return e.key == m.key })
	case first < 0:
		return append(meta, metaEntry{id: s.newID(), key: m.key, value: m.value})
	}
	meta[first].value = m.value
	kept := meta[:first+1]
	for _, e := range meta[first+1:] {
		if e.key != m.key {
			kept = append(kept, e)
		}
	}
	return kept
}

// setStatus moves the order to a new status as status_transition does
// (ORD 282–288, 352–374, 427–505): date_paid once on reaching processing
// or completed, date_completed on every move to completed, on refunded
// the automatic refund of what is left (its hook runs before the note),
// then "Order status changed from {Label} to {Label}.". The same status is
// no transition at all. The caller holds s.mu.
func (s *Server) setStatus(o *order, to string, byUser bool) {
	from := o.status
	if from == to {
		return
	}
	o.status = to
	now := s.cfg.now().UTC()
	if (to == "processing" || to == "completed") && o.paid.IsZero() {
		o.paid = now
	}
	if to == "completed" {
		o.completed = now
	}
	if to == "refunded" {
		s.refundRemaining(o)
	}
	if slices.Contains([]string{"auto-draft", "draft", "new", "checkout-draft"}, from) {
		return // leaving a draft writes no note (§2.9)
	}
	s.addNote(o, fmt.Sprintf("Order status changed from %s to %s.", s.label(from), s.label(to)), false, byUser)
}

func (s *Server) batchOrders(w http.ResponseWriter, r *request) {
	var b struct {
		Create []json.RawMessage `json:"create"`
		Update []json.RawMessage `json:"update"`
		Delete []int64           `json:"delete"`
	}
	for name, dst := range map[string]any{"create": &b.Create, "update": &b.Update, "delete": &b.Delete} {
		if raw, ok := r.body[name]; ok {
			json.Unmarshal(raw, dst)
		}
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
			var fieldsOf map[string]json.RawMessage
			if err := json.Unmarshal(raw, &fieldsOf); err != nil {
				updated = append(updated, itemErr(0, "rest_invalid_json", "Invalid JSON body passed.", 400))
				continue
			}
			var id int64
			json.Unmarshal(fieldsOf["id"], &id)
			u, errs := s.readUpdate(func(k string) (json.RawMessage, bool) { v, ok := fieldsOf[k]; return v, ok })
			o, ok := s.orders[id]
			switch {
			case len(errs) > 0:
				updated = append(updated, itemErr(id, "rest_invalid_param", "Invalid parameter(s): "+errs[0][0], 400))
			case !ok:
				updated = append(updated, itemErr(id, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400))
			case u.editsLines:
				updated = append(updated, itemErr(id, "wctest_lines_not_editable", "wctest does not edit order lines.", 400))
			default:
				s.applyUpdate(o, u)
				touched = append(touched, id)
				updated = append(updated, s.renderOrder(o, s.dp(r)))
			}
		}
		res["update"] = updated
	}
	if len(b.Delete) > 0 {
		deleted := []any{}
		for _, id := range b.Delete {
			o, ok := s.orders[id]
			if !ok {
				deleted = append(deleted, itemErr(id, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404))
				continue
			}
			deleted = append(deleted, s.renderOrder(o, s.dp(r)))
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
	o, ok := s.orders[id]
	if !ok {
		return nil, false
	}
	out, ok := s.snapshot(o)
	if !ok {
		return nil, false
	}
	return out, true
}

// SetStatus changes an order's status as a merchant would in the admin:
// with the status note, the automatic refund on refunded, and the
// order.updated webhook. The status must be registered (see WithStatus).
func (s *Server) SetStatus(id int64, status woocommerce.Status) error {
	s.mu.Lock()
	o, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("wctest: no order %d", id)
	}
	if !s.statusKnown(string(status)) {
		s.mu.Unlock()
		return fmt.Errorf("wctest: status %q is not registered (see WithStatus)", status)
	}
	o.modified = s.cfg.now().UTC()
	s.setStatus(o, string(status), true)
	s.mu.Unlock()
	s.fireWebhooks("order.updated", id)
	return nil
}
