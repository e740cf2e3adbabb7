package ordermgmt

import (
	"errors"
	"fmt"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// RefundRequest is a "Refund via Dintero": what the merchant fills in on
// WooCommerce's refund form.
type RefundRequest struct {
	// Items are the lines refunded. Empty means an amount alone.
	Items []RefundItem
	// Amount is the refund when Items is empty, tax included.
	Amount decimal.Decimal
	// Reason is stored on the refund and sent to Dintero.
	Reason string
}

// RefundItem is one order line in a refund. Give either Quantity alone
// (whole units; the tax is computed from the line) or Total and Tax (part
// of the line's sum, as in WooCommerce's form, where the merchant types the
// tax). Shipping and fee lines take Total and Tax, or Quantity 1 for all
// that is left of them.
//
// A partial sum refunded on a product line does not change how many of its
// units are left. Units refunded afterwards take their full share of the
// line (their price with its tax) as long as other units remain; the last
// units (Quantity equal to what is left) take exactly what is left of the
// line's sum and tax, which after a partial sum is less than their price.
// So a line is never refunded beyond its total, and a unit that no longer
// fits in what is left is refused. Example: 2 chairs at 1250.00 with tax,
// 250.00 refunded as a partial sum; refunding 1 chair returns 1250.00, and
// the last chair then returns the 1000.00 left.
type RefundItem struct {
	// ItemID is the order item id of a product, fee or shipping line.
	ItemID int64
	// Quantity is how many units are refunded (products), or 0.
	Quantity int64
	// Total is the net amount refunded, tax excluded.
	Total *decimal.Decimal
	// Tax is the tax refunded with Total.
	Tax *decimal.Decimal
}

// ErrInvalidRefund is wrapped by every refund refused before anything is
// sent: bad quantities, amounts over what is left, over-precise amounts.
var ErrInvalidRefund = errors.New("ordermgmt: invalid refund")

// RefundError says which part of a refund request is wrong.
type RefundError struct {
	ItemID int64 // 0 for the refund as a whole
	Reason string
}

func (e *RefundError) Error() string {
	if e.ItemID == 0 {
		return "ordermgmt: invalid refund: " + e.Reason
	}
	return fmt.Sprintf("ordermgmt: invalid refund of item %d: %s", e.ItemID, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidRefund) true.
func (e *RefundError) Unwrap() error { return ErrInvalidRefund }

func refundErr(id int64, format string, args ...any) error {
	return &RefundError{ItemID: id, Reason: fmt.Sprintf(format, args...)}
}

// plannedLine is what a refund takes of one line, in minor units.
type plannedLine struct {
	line     *Line
	quantity int64
	gross    int64
	tax      int64
	taxes    []rateTax
}

// refundPlan is a validated refund: lines (or an amount alone) in minor
// units that never exceed what is left.
type refundPlan struct {
	amount int64
	lines  []plannedLine
}

// planRefund validates req against what is left of each line, of the order
// in WooCommerce (orderLeft) and at Dintero (dinteroLeft), and computes
// every amount in minor units. Whole units take their share of the line's
// gross and tax, rounded half away from zero, and the last units take
// exactly what is left, so refunding a line unit by unit adds up to it.
func planRefund(ls *Lines, req RefundRequest, orderLeft, dinteroLeft int64) (*refundPlan, error) {
	cur := ls.Currency
	minor := func(id int64, what string, d decimal.Decimal) (int64, error) {
		if d.IsNegative() {
			return 0, refundErr(id, "%s %s is negative", what, d)
		}
		if !cur.HasPrecision(d) {
			return 0, refundErr(id, "%s %s has more decimals than %s has", what, d, cur.Code)
		}
		return cur.ToMinor(d)
	}
	p := &refundPlan{}
	if len(req.Items) == 0 {
		if !req.Amount.IsPositive() {
			return nil, refundErr(0, "give items or a positive amount")
		}
		a, err := minor(0, "amount", req.Amount)
		if err != nil {
			return nil, err
		}
		p.amount = a
	} else if !req.Amount.IsZero() {
		return nil, refundErr(0, "give items or an amount, not both")
	}
	seen := map[int64]bool{}
	for _, it := range req.Items {
		l := ls.Find(it.ItemID)
		if l == nil {
			return nil, refundErr(it.ItemID, "no such item on the order")
		}
		if seen[it.ItemID] {
			return nil, refundErr(it.ItemID, "the item appears twice")
		}
		seen[it.ItemID] = true
		if it.Quantity < 0 {
			return nil, refundErr(it.ItemID, "quantity %d is negative", it.Quantity)
		}
		if l.Kind == ProductLine && it.Quantity > l.LeftQuantity() {
			return nil, refundErr(it.ItemID, "quantity %d is more than the %d left of %s", it.Quantity, l.LeftQuantity(), l.describe())
		}
		pl := plannedLine{line: l, quantity: it.Quantity}
		switch {
		case it.Total == nil && it.Tax != nil:
			return nil, refundErr(it.ItemID, "a tax without a total")
		case it.Total == nil && it.Quantity == 0:
			return nil, refundErr(it.ItemID, "nothing to refund: give a quantity or a total")
		case it.Total == nil && l.Kind != ProductLine:
			if it.Quantity != 1 {
				return nil, refundErr(it.ItemID, "a %s line is refunded whole (quantity 1) or by total and tax", l.Kind)
			}
			pl.quantity = 0
			pl.gross, pl.tax = l.LeftGross(), l.LeftTax()
		case it.Total == nil:
			if it.Quantity == l.LeftQuantity() {
				pl.gross, pl.tax = l.LeftGross(), l.LeftTax()
			} else {
				pl.gross = share(l.Gross, it.Quantity, l.Quantity)
				pl.tax = share(l.Tax, it.Quantity, l.Quantity)
			}
		default:
			net, err := minor(it.ItemID, "total", *it.Total)
			if err != nil {
				return nil, err
			}
			tax := int64(0)
			if it.Tax != nil {
				if tax, err = minor(it.ItemID, "tax", *it.Tax); err != nil {
					return nil, err
				}
			}
			pl.gross, pl.tax = net+tax, tax
		}
		if pl.gross <= 0 {
			return nil, refundErr(it.ItemID, "nothing to refund")
		}
		if pl.gross > l.LeftGross() {
			return nil, refundErr(it.ItemID, "%s is more than the %s left of %s",
				cur.Format(pl.gross), cur.Format(l.LeftGross()), l.describe())
		}
		if pl.tax > l.LeftTax() {
			return nil, refundErr(it.ItemID, "tax %s is more than the %s tax left of %s",
				cur.Format(pl.tax), cur.Format(l.LeftTax()), l.describe())
		}
		if pl.gross-pl.tax > l.LeftGross()-l.LeftTax() {
			return nil, refundErr(it.ItemID, "net %s is more than the %s net left of %s",
				cur.Format(pl.gross-pl.tax), cur.Format(l.LeftGross()-l.LeftTax()), l.describe())
		}
		pl.taxes = l.splitLeftTax(pl.tax)
		p.lines = append(p.lines, pl)
		p.amount += pl.gross
	}
	if p.amount > orderLeft {
		return nil, refundErr(0, "%s is more than the %s WooCommerce has left to refund", cur.Format(p.amount), cur.Format(orderLeft))
	}
	if p.amount > dinteroLeft {
		return nil, refundErr(0, "%s is more than the %s Dintero has left to refund", cur.Format(p.amount), cur.Format(dinteroLeft))
	}
	return p, nil
}

// share is total*part/whole rounded half away from zero (all >= 0).
func share(total, part, whole int64) int64 {
	if whole == 0 {
		return 0
	}
	return decimal.NewFromInt(total).Mul(decimal.NewFromInt(part)).DivRound(decimal.NewFromInt(whole), 0).IntPart()
}

// splitLeftTax divides tax over the line's rates in proportion to the tax
// each rate has left.
func (l *Line) splitLeftTax(tax int64) []rateTax {
	if len(l.taxes) == 0 {
		return nil
	}
	weights := make([]decimal.Decimal, len(l.taxes))
	for i, t := range l.taxes {
		weights[i] = decimal.NewFromInt(max(t.minor-l.refundedTaxesByRate[t.rateID], 0))
	}
	parts := allocate(tax, weights)
	out := make([]rateTax, len(l.taxes))
	for i, t := range l.taxes {
		out[i] = rateTax{rateID: t.rateID, minor: parts[i]}
	}
	return out
}

// wooRefund is the WooCommerce refund record for the plan: recorded only
// (the money moves at Dintero), with the marker that says dinterowoo made
// it.
func (p *refundPlan) wooRefund(ls *Lines, reason, marker string) *woocommerce.RefundRequest {
	cur := ls.Currency
	req := &woocommerce.RefundRequest{Amount: cur.FromMinor(p.amount), Reason: reason, Gateway: woocommerce.RecordOnly,
		MetaData: []woocommerce.Meta{woocommerce.MetaString(MetaRefundMarker, marker)}}
	for _, pl := range p.lines {
		rl := woocommerce.RefundLine{ItemID: pl.line.ItemID, Quantity: pl.quantity, Total: cur.FromMinor(pl.gross - pl.tax)}
		for _, t := range pl.taxes {
			rl.Taxes = append(rl.Taxes, woocommerce.RefundTax{RateID: t.rateID, Amount: cur.FromMinor(t.minor)})
		}
		if len(rl.Taxes) == 0 && pl.tax > 0 {
			// A taxed line without per-rate taxes: keep the tax in the
			// total rather than lose it.
			rl.Total = cur.FromMinor(pl.gross)
		}
		req.LineItems = append(req.LineItems, rl)
	}
	return req
}

// refundItems are the Dintero lines of a WooCommerce refund record, read
// from its negative item copies. When they do not add up to the refund's
// amount (a record made by hand with odd amounts, or lines rounded one by
// one), they go with one balancing rounding-fee line for the difference,
// as captures do: Instabank needs items on every refund, so dropping them
// would make those refunds fail. A record with no item copies is an amount
// alone.
func refundItems(ls *Lines, r *woocommerce.Refund) (int64, []dintero.Item, error) {
	cur := ls.Currency
	amount, err := cur.ToMinor(r.Amount)
	if err != nil {
		return 0, nil, err
	}
	var items []dintero.Item
	sum := int64(0)
	add := func(meta []woocommerce.Meta, qty, total, tax decimal.Decimal) error {
		m, ok := woocommerce.FindMeta(meta, metaRefundedItemID)
		if !ok {
			return nil
		}
		var id int64
		fmt.Sscan(m.StringValue(), &id)
		l := ls.Find(id)
		if l == nil {
			return nil
		}
		gross, err := cur.ToMinor(total.Abs().Add(tax.Abs()))
		if err != nil {
			return err
		}
		vat, err := cur.ToMinor(tax.Abs())
		if err != nil {
			return err
		}
		if gross == 0 {
			return nil
		}
		items = append(items, l.item(qty.Abs().IntPart(), gross, vat))
		sum += gross
		return nil
	}
	for _, it := range r.LineItems {
		if err := add(it.MetaData, it.Quantity, it.Total, it.TotalTax); err != nil {
			return 0, nil, err
		}
	}
	for _, f := range r.FeeLines {
		if err := add(f.MetaData, decimal.Zero, f.Total, f.TotalTax); err != nil {
			return 0, nil, err
		}
	}
	for _, sh := range r.ShippingLines {
		if err := add(sh.MetaData, decimal.Zero, sh.Total, sh.TotalTax); err != nil {
			return 0, nil, err
		}
	}
	if diff := amount - sum; diff != 0 && len(items) > 0 {
		items = append(items, dintero.Item{ID: dintero.RoundingLineID, LineID: dintero.RoundingLineID,
			Description: "Rounding fee", Quantity: dintero.N(1), Amount: diff})
	}
	return amount, items, nil
}
