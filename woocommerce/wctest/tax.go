package wctest

import "github.com/shopspring/decimal"

// precision is how many decimals WooCommerce keeps for tax amounts it has
// not rounded to the store's decimals: max(dp+2, 6) (class-wc-tax.php
// 102–104).
func (s *Server) precision() int32 { return max(s.cfg.dp+2, 6) }

// roundTax rounds one line's tax for one rate as WooCommerce stores it.
// By default ("round at subtotal" off) each line's tax is rounded to the
// store's decimals (wc_round_tax_total); with the setting on it is kept
// unrounded. The rounding mode is HALF_DOWN when the store's prices
// include tax, else HALF_UP (class-woocommerce.php 483).
func (s *Server) roundTax(tax decimal.Decimal, pricesIncludeTax bool) decimal.Decimal {
	if s.cfg.roundAtSubtotal {
		return tax.Round(s.precision())
	}
	if pricesIncludeTax {
		return roundHalfDown(tax, s.cfg.dp)
	}
	return tax.Round(s.cfg.dp) // half away from zero: PHP's HALF_UP
}

// roundHalfDown rounds to places with halves toward zero, as PHP's
// PHP_ROUND_HALF_DOWN.
func roundHalfDown(d decimal.Decimal, places int32) decimal.Decimal {
	t := d.Truncate(places)
	half := decimal.New(5, -(places + 1))
	if d.Sub(t).Abs().LessThanOrEqual(half) {
		return t
	}
	return d.Round(places)
}

// lineTax splits an amount into net and tax for a rate in percent.
// WooCommerce computes item tax on the net amount (calc_tax(net, rates,
// false)); with prices including tax, the tax is taken out of the gross
// amount (calc_inclusive_tax) and the net is what is left after the
// rounded tax, as WC_Cart_Totals does.
func (s *Server) lineTax(amount, ratePercent decimal.Decimal, inclusive bool) (net, tax decimal.Decimal) {
	if ratePercent.IsZero() {
		return amount, decimal.Zero
	}
	r := ratePercent.Shift(-2)
	if inclusive {
		raw := amount.Sub(amount.DivRound(r.Add(decimal.NewFromInt(1)), s.precision()+4))
		tax = s.roundTax(raw, true)
		return amount.Sub(tax), tax
	}
	return amount, s.roundTax(amount.Mul(r), false)
}

// recalculate sets the order's totals from its items as
// WC_Abstract_Order::calculate_totals and update_taxes do (AO 1826–2032):
// cart and shipping tax per rate are sums of the items' stored taxes
// (rounded per line, or unrounded when rounding at subtotal), total_tax is
// round(cart_tax + shipping_tax), and total is round(items + fees +
// shipping + cart_tax + shipping_tax). In subtotal mode the API can
// therefore show cart_tax + shipping_tax ≠ total_tax (issue #25720). The
// caller holds s.mu.
func (s *Server) recalculate(o *order) {
	dp := s.cfg.dp
	sum := func(items []*item) (total decimal.Decimal) {
		for _, it := range items {
			total = total.Add(it.total)
		}
		return total
	}
	cartTax, shipTax := decimal.Zero, decimal.Zero
	perRate := taxesByRate(o.lines, o.fees, o.shippingLines)
	for _, v := range perRate {
		cartTax, shipTax = cartTax.Add(v.items), shipTax.Add(v.shipping)
	}
	for _, tl := range o.taxLines {
		v := perRate[tl.rateID]
		tl.taxTotal, tl.shippingTaxTotal = v.items, v.shipping
	}
	disc, discTax := decimal.Zero, decimal.Zero
	for _, it := range o.lines {
		disc = disc.Add(it.subtotal.Sub(it.total))
		discTax = discTax.Add(it.subtotalTax.Sub(it.totalTax))
	}
	o.discountTotal, o.discountTax = disc, discTax
	ship := sum(o.shippingLines)
	o.shippingTotal, o.shippingTax = ship, shipTax
	o.cartTax = cartTax
	o.totalTax = o.cartTax.Add(o.shippingTax).Round(dp)
	o.total = sum(o.lines).Add(sum(o.fees)).Add(ship).Add(o.cartTax).Add(o.shippingTax).Round(dp)
}

// rateTotals is one tax rate's sum over items: what product and fee items
// carry, and what shipping carries (a tax line's tax_total and
// shipping_tax_total).
type rateTotals struct{ items, shipping decimal.Decimal }

// taxesByRate sums the items' stored taxes per rate, as update_taxes does
// for an order or a refund.
func taxesByRate(lists ...[]*item) map[int64]rateTotals {
	out := map[int64]rateTotals{}
	for _, list := range lists {
		for _, it := range list {
			for _, t := range it.taxes {
				v := out[t.rateID]
				if it.typ == itemShipping {
					v.shipping = v.shipping.Add(t.total)
				} else {
					v.items = v.items.Add(t.total)
				}
				out[t.rateID] = v
			}
		}
	}
	return out
}
