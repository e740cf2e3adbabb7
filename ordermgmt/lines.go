package ordermgmt

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// Meta keys that carry the line ids sent to Dintero when the customer
// paid; the Dintero plugin writes them, and SessionOrder uses the same.
const (
	MetaLineID         = "_dintero_checkout_line_id"
	MetaShippingLineID = "_dintero_shipping_line_id"
	metaShippingID     = "_wc_dintero_shipping_id"
	metaRefundedItemID = "_refunded_item_id"
)

// LineKind says what an order line is.
type LineKind int

// Kinds of order lines.
const (
	ProductLine LineKind = iota + 1
	FeeLine
	ShippingLine
)

func (k LineKind) String() string {
	return [...]string{"", "product", "fee", "shipping"}[k]
}

// rateTax is tax for one tax rate, in minor units.
type rateTax struct {
	rateID int64
	minor  int64
}

// Line is an order line seen as money: what it was sold for and what of
// it earlier refunds already took, in minor units of the order's currency.
// Gross is net plus tax, the amount Dintero calls "amount".
type Line struct {
	ItemID int64
	Kind   LineKind
	// LineID is the line_id sent to Dintero at payment (see NewLines for
	// where it comes from).
	LineID      string
	Description string
	Quantity    int64 // products only
	Gross, Tax  int64
	// VAT is the line's tax rate in percent.
	VAT decimal.Decimal

	taxes []rateTax // Tax split per rate; sums to Tax
	// ref is the item's "id" for Dintero: the SKU, else the product or
	// variation id, as the plugin sends it; the item id for other lines.
	ref string
	// alts are the other ids a session may have named the line by, in the
	// plugin's order of preference (see alignTo).
	alts []string

	RefundedQuantity    int64
	RefundedGross       int64
	RefundedTax         int64
	refundedTaxesByRate map[int64]int64
}

// LeftGross is what can still be refunded (or captured) of the line.
func (l *Line) LeftGross() int64 { return l.Gross - l.RefundedGross }

// LeftTax is the tax that can still be refunded of the line.
func (l *Line) LeftTax() int64 { return l.Tax - l.RefundedTax }

// LeftQuantity is how many units can still be refunded.
func (l *Line) LeftQuantity() int64 { return l.Quantity - l.RefundedQuantity }

// Lines is an order's lines, ready for capture and refund math.
type Lines struct {
	Currency money.Currency
	Lines    []*Line
}

// Find returns the line of an order item id.
func (ls *Lines) Find(itemID int64) *Line {
	for _, l := range ls.Lines {
		if l.ItemID == itemID {
			return l
		}
	}
	return nil
}

// NewLines reads an order and its refund records into Lines. Amounts are
// converted to minor units once per line, from the net and tax WooCommerce
// shows (rounding half away from zero), so that a line's gross is always
// its net plus its tax.
//
// Line ids are the ones the Dintero plugin put in the session:
//   - a product: its MetaLineID (the cart item key); for orders from before
//     the plugin stored line ids, the SKU, else the variation or product id;
//   - a fee: its name (name:item id for a second fee of the same name, which
//     Dintero would refuse as a duplicate). A fee with a negative total is
//     sent as a negative gift_card line: that is how a gift card applied as
//     a fee reaches the REST API. Gift cards that extensions keep in their
//     own order item types are invisible to the REST API; the rounding-fee
//     line then covers them;
//   - one shipping line: the order's MetaShippingLineID, which for a
//     pick-up point names the rate, the operator and the point; else the
//     order's _wc_dintero_shipping_id (the plugin's order since its fix of
//     mismatching line ids, PR #259); else the item's MetaLineID; else
//     method_id:instance_id;
//   - several shipping lines: each item's MetaLineID, else
//     method_id:instance_id.
//
// Those are the plugin's first choices. Before a capture or refund the
// engine checks them against the lines the transaction has, and a line
// that is not among them takes the first of its other ids that is (the
// SKU, a product id, the item id, another stored shipping id): a session
// made by other software, or before the plugin stored line ids, is matched
// too, and Dintero is never sent a line it does not have when one fits.
func NewLines(o *woocommerce.Order, refunds []*woocommerce.Refund) (*Lines, error) {
	cur, err := money.Lookup(o.Currency)
	if err != nil {
		return nil, err
	}
	rates := map[int64]decimal.Decimal{}
	for _, t := range o.TaxLines {
		rates[int64(t.RateID)] = t.RatePercent
	}
	ls := &Lines{Currency: cur}
	add := func(kind LineKind, id int64, lineID, desc string, qty int64, total, totalTax decimal.Decimal, taxes []woocommerce.Tax) error {
		tax, err := cur.ToMinor(totalTax)
		if err != nil {
			return err
		}
		var gross int64
		if cur.HasPrecision(total) && cur.HasPrecision(totalTax) {
			// The usual case: both shown with the currency's decimals, so
			// rounding their sum once is adding them.
			net, err := cur.ToMinor(total)
			if err != nil {
				return err
			}
			gross = net + tax
		} else if gross, err = cur.ToMinor(total.Add(totalTax)); err != nil {
			return err
		}
		l := &Line{ItemID: id, Kind: kind, LineID: lineID, Description: desc, Quantity: qty, Gross: gross, Tax: tax,
			refundedTaxesByRate: map[int64]int64{}, ref: strconv.FormatInt(id, 10)}
		l.taxes = splitTax(cur, tax, taxes)
		l.VAT = vatPercent(total, totalTax, taxes, rates)
		ls.Lines = append(ls.Lines, l)
		return nil
	}
	// addWithIDs adds a line named by the first of ids; the others are its
	// alternatives.
	addWithIDs := func(kind LineKind, id int64, ids []string, desc string, qty int64, total, totalTax decimal.Decimal, taxes []woocommerce.Tax) error {
		ids = distinctIDs(ids)
		if err := add(kind, id, ids[0], desc, qty, total, totalTax, taxes); err != nil {
			return err
		}
		ls.Lines[len(ls.Lines)-1].alts = ids[1:]
		return nil
	}
	for _, it := range o.LineItems {
		if !it.Quantity.IsInteger() {
			return nil, fmt.Errorf("ordermgmt: item %d has a fractional quantity %s", it.ID, it.Quantity)
		}
		ids := []string{metaString(it.MetaData, MetaLineID)}
		ids = append(ids, productIDs(it)...)
		if err := addWithIDs(ProductLine, it.ID, ids, it.Name, it.Quantity.IntPart(), it.Total, it.TotalTax, it.Taxes); err != nil {
			return nil, err
		}
		ls.Lines[len(ls.Lines)-1].ref = productIDs(it)[0]
	}
	feeIDs := map[string]bool{}
	for _, f := range o.FeeLines {
		ids := []string{f.Name, f.Name + ":" + strconv.FormatInt(f.ID, 10)}
		if feeIDs[f.Name] {
			ids = ids[1:] // Dintero would refuse the name twice
		}
		feeIDs[f.Name] = true
		if err := addWithIDs(FeeLine, f.ID, ids, f.Name, 0, f.Total, f.TotalTax, f.Taxes); err != nil {
			return nil, err
		}
	}
	for _, sh := range o.ShippingLines {
		if err := addWithIDs(ShippingLine, sh.ID, shippingLineIDs(o, sh), sh.MethodTitle, 0, sh.Total, sh.TotalTax, sh.Taxes); err != nil {
			return nil, err
		}
	}
	for _, r := range refunds {
		if err := ls.subtract(r); err != nil {
			return nil, err
		}
	}
	return ls, nil
}

// productIDs are a product's "id" for Dintero, and its line ids on orders
// from before line ids were stored: the SKU, else the variation or product
// id (the plugin's get_sku() ?: get_id()), else, for a product deleted
// since, the item id. The first is the plugin's choice.
func productIDs(it woocommerce.LineItem) []string {
	var ids []string
	if sku := strings.TrimSpace(it.SKU); sku != "" {
		ids = append(ids, sku)
	}
	for _, id := range []int64{it.VariationID, it.ProductID, it.ID} {
		if id != 0 {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
	}
	return distinctIDs(ids)
}

// shippingLineIDs are the ids a shipping line may have had in the session,
// the plugin's choice first (see NewLines): for a single shipping line the
// order's stored ids come first, because for a pick-up point the item's
// own id names only the rate.
func shippingLineIDs(o *woocommerce.Order, sh woocommerce.ShippingLine) []string {
	item := metaString(sh.MetaData, MetaLineID)
	methodInstance := sh.MethodID + ":" + sh.InstanceID
	if len(o.ShippingLines) != 1 {
		return []string{item, methodInstance}
	}
	return []string{metaString(o.MetaData, MetaShippingLineID), metaString(o.MetaData, metaShippingID), item, methodInstance}
}

// metaString is a meta value as a trimmed string ("" when absent).
func metaString(meta []woocommerce.Meta, key string) string {
	if m, ok := woocommerce.FindMeta(meta, key); ok {
		return strings.TrimSpace(m.StringValue())
	}
	return ""
}

// distinctIDs drops empty and repeated ids, keeping the order; it never
// returns an empty list, so a line always has an id.
func distinctIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		out = []string{":"}
	}
	return out
}

// alignTo names every line by an id the transaction has, when the plugin's
// choice is not among them but one of the line's other ids is: a session
// made before line ids were stored, or by another version of the plugin or
// of this package, named its lines differently, and Dintero refuses a line
// it does not have. Lines already named by an id the transaction has are
// left alone, and no two lines take the same id.
func (ls *Lines) alignTo(items []dintero.Item) {
	has := map[string]bool{}
	for _, it := range items {
		has[it.LineID] = true
	}
	if len(has) == 0 {
		return
	}
	taken := map[string]bool{}
	var unmatched []*Line
	for _, l := range ls.Lines {
		if has[l.LineID] && !taken[l.LineID] {
			taken[l.LineID] = true
		} else {
			unmatched = append(unmatched, l)
		}
	}
	for _, l := range unmatched {
		for _, alt := range l.alts {
			if has[alt] && !taken[alt] {
				l.LineID = alt
				taken[alt] = true
				break
			}
		}
	}
}

// subtract counts a refund record's item copies against their lines.
func (ls *Lines) subtract(r *woocommerce.Refund) error {
	take := func(meta []woocommerce.Meta, qty, total, totalTax decimal.Decimal, taxes []woocommerce.Tax) error {
		m, ok := woocommerce.FindMeta(meta, metaRefundedItemID)
		if !ok {
			return nil
		}
		id, _ := strconv.ParseInt(m.StringValue(), 10, 64)
		l := ls.Find(id)
		if l == nil {
			return nil // a refunded item that is no longer on the order
		}
		gross, err := ls.Currency.ToMinor(total.Abs().Add(totalTax.Abs()))
		if err != nil {
			return err
		}
		tax, err := ls.Currency.ToMinor(totalTax.Abs())
		if err != nil {
			return err
		}
		l.RefundedQuantity += qty.Abs().IntPart()
		l.RefundedGross += gross
		l.RefundedTax += tax
		for _, t := range splitTax(ls.Currency, tax, taxes) {
			l.refundedTaxesByRate[t.rateID] += t.minor
		}
		return nil
	}
	for _, it := range r.LineItems {
		if err := take(it.MetaData, it.Quantity, it.Total, it.TotalTax, it.Taxes); err != nil {
			return err
		}
	}
	for _, f := range r.FeeLines {
		if err := take(f.MetaData, decimal.Zero, f.Total, f.TotalTax, f.Taxes); err != nil {
			return err
		}
	}
	for _, sh := range r.ShippingLines {
		if err := take(sh.MetaData, decimal.Zero, sh.Total, sh.TotalTax, sh.Taxes); err != nil {
			return err
		}
	}
	return nil
}

// splitTax divides a line's tax (minor units) over its tax rates in
// proportion to WooCommerce's raw per-rate taxes, by largest remainder so
// the parts add up exactly.
func splitTax(cur money.Currency, total int64, taxes []woocommerce.Tax) []rateTax {
	switch len(taxes) {
	case 0:
		return nil
	case 1:
		return []rateTax{{rateID: int64(taxes[0].ID), minor: total}}
	}
	weights := make([]decimal.Decimal, len(taxes))
	ids := make([]int64, len(taxes))
	for i, t := range taxes {
		weights[i] = t.Total.Abs()
		ids[i] = int64(t.ID)
	}
	parts := allocate(total, weights)
	out := make([]rateTax, len(taxes))
	for i := range taxes {
		out[i] = rateTax{rateID: ids[i], minor: parts[i]}
	}
	return out
}

// allocate splits total (minor units, >= 0) in proportion to weights by
// the largest remainder method: every part is floor(total*w/W) plus at most
// one, the parts add up to total exactly, and ties go to the earlier part.
// With no positive weight, everything goes to the first part.
func allocate(total int64, weights []decimal.Decimal) []int64 {
	parts := make([]int64, len(weights))
	switch len(weights) {
	case 0:
		return parts
	case 1:
		parts[0] = total
		return parts
	}
	sum := decimal.Zero
	for _, w := range weights {
		sum = sum.Add(w)
	}
	if !sum.IsPositive() {
		parts[0] = total
		return parts
	}
	t := decimal.NewFromInt(total)
	type rem struct {
		i int
		r decimal.Decimal
	}
	rems := make([]rem, len(weights))
	given := int64(0)
	for i, w := range weights {
		exact := t.Mul(w)
		q, r := exact.QuoRem(sum, 0)
		parts[i] = q.IntPart()
		given += parts[i]
		rems[i] = rem{i, r}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return b.r.Cmp(a.r) })
	for k := 0; given < total; k++ {
		parts[rems[k%len(rems)].i]++
		given++
	}
	return parts
}

// vatPercent is a line's tax rate in percent: the sum of its rates from
// the order's tax lines or, where WooCommerce did not send rate_percent,
// tax / net, rounded to two decimals.
func vatPercent(net, tax decimal.Decimal, taxes []woocommerce.Tax, rates map[int64]decimal.Decimal) decimal.Decimal {
	if len(taxes) == 1 {
		if r, ok := rates[int64(taxes[0].ID)]; ok && !r.IsZero() {
			return r
		}
	}
	pct := decimal.Zero
	known := len(taxes) > 0
	for _, t := range taxes {
		r, ok := rates[int64(t.ID)]
		if !ok || r.IsZero() {
			known = false
			break
		}
		pct = pct.Add(r)
	}
	if known {
		return pct
	}
	if net.IsZero() || tax.IsZero() {
		return decimal.Zero
	}
	return tax.Mul(decimal.NewFromInt(100)).DivRound(net, 2)
}

// item is the Dintero line for an amount taken of l.
func (l *Line) item(quantity, gross, tax int64) dintero.Item {
	it := dintero.Item{ID: l.ref, LineID: l.LineID, Description: l.Description,
		Amount: gross, VATAmount: tax, VAT: dintero.Number{Decimal: l.VAT}}
	if quantity > 0 {
		it.Quantity = dintero.N(quantity)
	}
	switch l.Kind {
	case ShippingLine:
		it.Type = dintero.ItemShipping
		it.Quantity = dintero.N(1)
	case FeeLine:
		it.Quantity = dintero.N(1)
		if l.Gross < 0 {
			// Dintero's type for a line that takes money off (N:2652).
			it.Type = dintero.ItemGiftCard
		}
	}
	return it
}

// CaptureItems are the Dintero lines for capturing amount: every line with
// what is left of it after refunds and after what was already captured of
// it (captured, by line id), negative gift-card lines included, and, only
// if those do not add up to amount, one balancing rounding-fee line. A
// line partly captured goes with its tax in proportion.
func (ls *Lines) CaptureItems(amount int64, captured map[string]int64) []dintero.Item {
	var items []dintero.Item
	sum := int64(0)
	for _, l := range ls.Lines {
		full := l.LeftGross()
		left := full - captured[l.LineID]
		if left == 0 || (left > 0) != (full > 0) {
			continue // nothing left of it, in its own sign (gift cards are negative)
		}
		tax, qty := l.LeftTax(), l.LeftQuantity()
		if left != full {
			tax = share(l.LeftTax(), left, full)
			qty = 0
		}
		items = append(items, l.item(qty, left, tax))
		sum += left
	}
	if diff := amount - sum; diff != 0 {
		items = append(items, dintero.Item{ID: dintero.RoundingLineID, LineID: dintero.RoundingLineID,
			Description: "Rounding fee", Quantity: dintero.N(1), Amount: diff})
	}
	return items
}

// describe names a line in error messages.
func (l *Line) describe() string {
	return fmt.Sprintf("%s line %d (%s)", l.Kind, l.ItemID, strings.TrimSpace(l.Description))
}
