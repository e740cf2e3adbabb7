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
	sum := func(items []*item) (total, tax decimal.Decimal) {
		for _, it := range items {
			total = total.Add(it.total)
			for _, t := range it.taxes {
				tax = tax.Add(t.total)
			}
		}
		return total, tax
	}
	cart, cartTax := sum(o.lines)
	fees, feeTax := sum(o.fees)
	ship, shipTax := sum(o.shippingLines)
	perRate := map[int64][2]decimal.Decimal{}
	for _, list := range [][]*item{o.lines, o.fees, o.shippingLines} {
		for _, it := range list {
			for _, t := range it.taxes {
				v := perRate[t.rateID]
				if it.typ == itemShipping {
					v[1] = v[1].Add(t.total)
				} else {
					v[0] = v[0].Add(t.total)
				}
				perRate[t.rateID] = v
			}
		}
	}
	for _, tl := range o.taxLines {
		v := perRate[tl.rateID]
		tl.taxTotal, tl.shippingTaxTotal = v[0], v[1]
	}
	disc, discTax := decimal.Zero, decimal.Zero
	for _, it := range o.lines {
		disc = disc.Add(it.subtotal.Sub(it.total))
		discTax = discTax.Add(it.subtotalTax.Sub(it.totalTax))
	}
	o.discountTotal, o.discountTax = disc, discTax
	o.shippingTotal, o.shippingTax = ship, shipTax
	o.cartTax = cartTax.Add(feeTax)
	o.totalTax = o.cartTax.Add(o.shippingTax).Round(dp)
	o.total = cart.Add(fees).Add(ship).Add(o.cartTax).Add(o.shippingTax).Round(dp)
}
