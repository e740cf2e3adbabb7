package wctest

import (
	"fmt"
	"strconv"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

// OrderSpec describes an order to seed. Prices are per unit; with
// PricesIncludeTax they include tax, as the shop shows them.
type OrderSpec struct {
	Currency         string // default NOK
	Status           woocommerce.Status
	PricesIncludeTax bool
	PaymentMethod    string // default "dintero_checkout"
	TransactionID    string
	Lines            []LineSpec
	Shipping         []ShippingSpec
	Fees             []FeeSpec
	// CouponPercent discounts every product line by this percentage.
	CouponCode    string
	CouponPercent decimal.Decimal
	Meta          map[string]string
	Billing       woocommerce.Address
}

// LineSpec is a product line to seed.
type LineSpec struct {
	Name      string
	Quantity  int64
	UnitPrice decimal.Decimal
	// TaxRate is in percent (25 for 25 %); zero means untaxed.
	TaxRate decimal.Decimal
	Meta    map[string]string
}

// ShippingSpec is a shipping line to seed; Total is net of tax unless the
// order's prices include tax.
type ShippingSpec struct {
	Title   string
	Total   decimal.Decimal
	TaxRate decimal.Decimal
}

// FeeSpec is a fee line to seed.
type FeeSpec struct {
	Name    string
	Total   decimal.Decimal
	TaxRate decimal.Decimal
}

// precision is how many decimals the store keeps internally, beyond the
// prices shown, as WooCommerce keeps unrounded line taxes.
const precision = 6

// SeedOrder creates an order as a checkout would, computes its taxes and
// totals as WooCommerce does (taxes kept unrounded per line, rounded to the
// store's decimals in totals), and returns it as the API would.
func (s *Server) SeedOrder(spec OrderSpec) *woocommerce.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spec.Currency == "" {
		spec.Currency = "NOK"
	}
	if spec.Status == "" {
		spec.Status = woocommerce.StatusPending
	}
	if spec.PaymentMethod == "" {
		spec.PaymentMethod = "dintero_checkout"
	}
	now := s.cfg.now().UTC()
	id := s.newID()
	o := &woocommerce.Order{
		ID: id, Number: strconv.FormatInt(id, 10), OrderKey: "wc_order_" + randomHex(6), CreatedVia: "checkout",
		Version: "9.4.0", Status: spec.Status, Currency: spec.Currency,
		DateCreated: woocommerce.Time{Time: now}, DateModified: woocommerce.Time{Time: now},
		PricesIncludeTax: spec.PricesIncludeTax, PaymentMethod: spec.PaymentMethod,
		PaymentMethodTitle: "Dintero Checkout", TransactionID: spec.TransactionID, Billing: spec.Billing,
	}
	if spec.PaymentMethod != "dintero_checkout" {
		o.PaymentMethodTitle = spec.PaymentMethod
	}
	rates := map[string]int64{}
	rateID := func(rate decimal.Decimal) int64 {
		k := rate.String()
		if _, ok := rates[k]; !ok {
			rates[k] = int64(len(rates) + 1)
		}
		return rates[k]
	}
	// split returns (net, tax) of an amount given as shown in the shop.
	split := func(amount, rate decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
		if rate.IsZero() {
			return amount, decimal.Zero
		}
		r := rate.Shift(-2) // percent to fraction, exactly
		if spec.PricesIncludeTax {
			net := amount.DivRound(r.Add(decimal.NewFromInt(1)), precision)
			return net, amount.Sub(net)
		}
		return amount, amount.Mul(r).Round(precision)
	}
	taxes := func(rate, tax, subtotalTax decimal.Decimal) []woocommerce.Tax {
		if rate.IsZero() {
			return nil
		}
		return []woocommerce.Tax{{ID: woocommerce.ID(rateID(rate)), Total: tax, Subtotal: subtotalTax}}
	}
	hundred := decimal.NewFromInt(100)
	for _, l := range spec.Lines {
		qty := decimal.NewFromInt(l.Quantity)
		subNet, subTax := split(l.UnitPrice.Mul(qty), l.TaxRate)
		net, tax := subNet, subTax
		if spec.CouponPercent.IsPositive() {
			keep := hundred.Sub(spec.CouponPercent).Shift(-2)
			net, tax = subNet.Mul(keep).Round(precision), subTax.Mul(keep).Round(precision)
		}
		item := woocommerce.LineItem{
			ID: s.newID(), Name: l.Name, ProductID: 10 + int64(len(o.LineItems)), Quantity: qty,
			Subtotal: subNet, SubtotalTax: subTax, Total: net, TotalTax: tax,
			Taxes: taxes(l.TaxRate, tax, subTax), SKU: fmt.Sprintf("SKU-%d", len(o.LineItems)+1),
		}
		if !qty.IsZero() {
			item.Price = net.DivRound(qty, 8)
		}
		for k, v := range l.Meta {
			item.MetaData = append(item.MetaData, metaEntry(s.newID(), k, v))
		}
		o.LineItems = append(o.LineItems, item)
	}
	for _, sh := range spec.Shipping {
		net, tax := split(sh.Total, sh.TaxRate)
		o.ShippingLines = append(o.ShippingLines, woocommerce.ShippingLine{
			ID: s.newID(), MethodTitle: sh.Title, MethodID: "flat_rate", InstanceID: "1",
			Total: net, TotalTax: tax, Taxes: taxes(sh.TaxRate, tax, decimal.Zero),
		})
	}
	for _, f := range spec.Fees {
		net, tax := split(f.Total, f.TaxRate)
		status := "taxable"
		if f.TaxRate.IsZero() {
			status = "none"
		}
		o.FeeLines = append(o.FeeLines, woocommerce.FeeLine{
			ID: s.newID(), Name: f.Name, TaxStatus: status, Total: net, TotalTax: tax, Taxes: taxes(f.TaxRate, tax, decimal.Zero),
		})
	}
	if spec.CouponCode != "" {
		disc, discTax := decimal.Zero, decimal.Zero
		for _, l := range o.LineItems {
			disc = disc.Add(l.Subtotal.Sub(l.Total))
			discTax = discTax.Add(l.SubtotalTax.Sub(l.TotalTax))
		}
		o.CouponLines = append(o.CouponLines, woocommerce.CouponLine{ID: s.newID(), Code: spec.CouponCode,
			Discount: disc, DiscountTax: discTax})
	}
	for rate, rid := range rates {
		r, _ := decimal.NewFromString(rate)
		o.TaxLines = append(o.TaxLines, woocommerce.TaxLine{ID: s.newID(), RateCode: "NO-MVA-" + rate, RateID: woocommerce.ID(rid),
			Label: "MVA " + rate + " %", RatePercent: r})
	}
	for k, v := range spec.Meta {
		o.MetaData = append(o.MetaData, metaEntry(s.newID(), k, v))
	}
	s.recalculate(o)
	st := &orderState{o: o}
	s.orders[id] = st
	s.order = append(s.order, id)
	return s.snapshot(st)
}

func metaEntry(id int64, key, value string) woocommerce.Meta {
	m := woocommerce.MetaString(key, value)
	m.ID = id
	return m
}

// recalculate sets the order's totals from its lines, rounding each total
// to the store's decimals as WooCommerce does. The caller holds s.mu.
func (s *Server) recalculate(o *woocommerce.Order) {
	dp := s.cfg.dp
	cart, cartTax := decimal.Zero, decimal.Zero
	for _, l := range o.LineItems {
		cart = cart.Add(l.Total)
		cartTax = cartTax.Add(l.TotalTax)
	}
	ship, shipTax := decimal.Zero, decimal.Zero
	for _, l := range o.ShippingLines {
		ship = ship.Add(l.Total)
		shipTax = shipTax.Add(l.TotalTax)
	}
	fees, feeTax := decimal.Zero, decimal.Zero
	for _, l := range o.FeeLines {
		fees = fees.Add(l.Total)
		feeTax = feeTax.Add(l.TotalTax)
	}
	disc, discTax := decimal.Zero, decimal.Zero
	for _, c := range o.CouponLines {
		disc = disc.Add(c.Discount)
		discTax = discTax.Add(c.DiscountTax)
	}
	perRate := map[woocommerce.ID][2]decimal.Decimal{}
	add := func(taxes []woocommerce.Tax, shipping bool) {
		for _, t := range taxes {
			v := perRate[t.ID]
			if shipping {
				v[1] = v[1].Add(t.Total)
			} else {
				v[0] = v[0].Add(t.Total)
			}
			perRate[t.ID] = v
		}
	}
	for _, l := range o.LineItems {
		add(l.Taxes, false)
	}
	for _, l := range o.FeeLines {
		add(l.Taxes, false)
	}
	for _, l := range o.ShippingLines {
		add(l.Taxes, true)
	}
	for i := range o.TaxLines {
		v := perRate[o.TaxLines[i].RateID]
		o.TaxLines[i].TaxTotal, o.TaxLines[i].ShippingTaxTotal = v[0].Round(dp), v[1].Round(dp)
	}
	o.DiscountTotal, o.DiscountTax = disc.Round(dp), discTax.Round(dp)
	o.ShippingTotal, o.ShippingTax = ship.Round(dp), shipTax.Round(dp)
	o.CartTax = cartTax.Add(feeTax).Round(dp)
	o.TotalTax = o.CartTax.Add(o.ShippingTax)
	o.Total = cart.Add(fees).Round(dp).Add(ship.Round(dp)).Add(o.TotalTax)
}
