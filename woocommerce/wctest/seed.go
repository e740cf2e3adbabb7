package wctest

import (
	"encoding/json"
	"fmt"
	"slices"
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
	CustomerID       int64
	Lines            []LineSpec
	Shipping         []ShippingSpec
	Fees             []FeeSpec
	// CouponPercent discounts every product line by this percentage.
	CouponCode    string
	CouponPercent decimal.Decimal
	CouponMeta    map[string]string
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

// ShippingSpec is a shipping line (one package) to seed; Total is net of
// tax unless the order's prices include tax.
type ShippingSpec struct {
	Title   string
	Total   decimal.Decimal
	TaxRate decimal.Decimal
	// MethodID and InstanceID name the shipping rate ("flat_rate", "3");
	// the defaults are "flat_rate" and the line's position, from "1", so
	// that several packages stay distinct.
	MethodID   string
	InstanceID string
	// Meta is the shipping item's meta, for example a pick-up point.
	Meta map[string]string
}

// FeeSpec is a fee line to seed.
type FeeSpec struct {
	Name    string
	Total   decimal.Decimal
	TaxRate decimal.Decimal
	Meta    map[string]string
}

// SeedOrder creates an order as a checkout would, computes its taxes and
// totals as WooCommerce does (see WithTaxRoundAtSubtotal), and returns it
// as the API would. Meta maps are added in key order.
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
	o := &order{
		id: id, number: strconv.FormatInt(id, 10), key: "wc_order_" + randomHex(6), createdVia: "checkout",
		version: "10.5.0", status: string(spec.Status), currency: spec.Currency, created: now, modified: now,
		pricesIncludeTax: spec.PricesIncludeTax, paymentMethod: spec.PaymentMethod, paymentMethodTitle: "Dintero Checkout",
		transactionID: spec.TransactionID, customerID: spec.CustomerID, shipping: map[string]string{},
		billing: map[string]string{"first_name": spec.Billing.FirstName, "last_name": spec.Billing.LastName,
			"company": spec.Billing.Company, "address_1": spec.Billing.Address1, "address_2": spec.Billing.Address2,
			"city": spec.Billing.City, "state": spec.Billing.State, "postcode": spec.Billing.Postcode,
			"country": spec.Billing.Country, "email": spec.Billing.Email, "phone": spec.Billing.Phone},
	}
	if spec.PaymentMethod != "dintero_checkout" {
		o.paymentMethodTitle = spec.PaymentMethod
	}
	if spec.Status == woocommerce.StatusProcessing || spec.Status == woocommerce.StatusCompleted {
		o.paid = now
	}
	var rates []decimal.Decimal
	rateID := func(rate decimal.Decimal) int64 {
		i := slices.IndexFunc(rates, func(r decimal.Decimal) bool { return r.Equal(rate) })
		if i < 0 {
			rates = append(rates, rate)
			i = len(rates) - 1
		}
		return int64(i + 1)
	}
	taxes := func(rate, total, subtotal decimal.Decimal) []taxAmount {
		if rate.IsZero() {
			return nil
		}
		return []taxAmount{{rateID: rateID(rate), total: total, subtotal: subtotal}}
	}
	incl := spec.PricesIncludeTax
	keep := decimal.NewFromInt(1)
	if spec.CouponPercent.IsPositive() {
		keep = decimal.NewFromInt(100).Sub(spec.CouponPercent).Shift(-2)
	}
	for i, l := range spec.Lines {
		gross := l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity))
		subNet, subTax := s.lineTax(gross, l.TaxRate, incl)
		// The coupon discounts what the shop shows: the gross price when
		// prices include tax, else the net one.
		discounted := subNet
		if incl {
			discounted = gross
		}
		net, tax := s.lineTax(discounted.Mul(keep).Round(s.precision()), l.TaxRate, incl)
		o.lines = append(o.lines, &item{typ: itemProduct, id: s.newID(), name: l.Name, productID: 10 + int64(i),
			quantity: l.Quantity, sku: fmt.Sprintf("SKU-%d", i+1), subtotal: subNet, subtotalTax: subTax,
			total: net, totalTax: tax, taxes: taxes(l.TaxRate, tax, subTax), meta: s.metaFrom(l.Meta)})
	}
	for i, sh := range spec.Shipping {
		net, tax := s.lineTax(sh.Total, sh.TaxRate, incl)
		method, instance := sh.MethodID, sh.InstanceID
		if method == "" {
			method = "flat_rate"
		}
		if instance == "" {
			instance = strconv.Itoa(i + 1)
		}
		o.shippingLines = append(o.shippingLines, &item{typ: itemShipping, id: s.newID(), name: sh.Title,
			methodID: method, instanceID: instance, total: net, totalTax: tax,
			taxes: taxes(sh.TaxRate, tax, decimal.Zero), meta: s.metaFrom(sh.Meta)})
	}
	for _, f := range spec.Fees {
		net, tax := s.lineTax(f.Total, f.TaxRate, incl)
		status := "taxable"
		if f.TaxRate.IsZero() {
			status = "none"
		}
		o.fees = append(o.fees, &item{typ: itemFee, id: s.newID(), name: f.Name, taxStatus: status, total: net,
			totalTax: tax, taxes: taxes(f.TaxRate, tax, decimal.Zero), meta: s.metaFrom(f.Meta)})
	}
	if spec.CouponCode != "" {
		disc, discTax := decimal.Zero, decimal.Zero
		for _, l := range o.lines {
			disc = disc.Add(l.subtotal.Sub(l.total))
			discTax = discTax.Add(l.subtotalTax.Sub(l.totalTax))
		}
		o.coupons = append(o.coupons, &item{typ: itemCoupon, id: s.newID(), name: spec.CouponCode,
			discount: disc, discountTax: discTax, meta: s.metaFrom(spec.CouponMeta)})
	}
	for i, r := range rates {
		o.taxLines = append(o.taxLines, &taxLine{id: s.newID(), rateID: int64(i + 1), code: "NO-MVA-" + r.String(),
			label: "MVA " + r.String() + " %", percent: r})
	}
	o.meta = s.metaFrom(spec.Meta)
	s.recalculate(o)
	s.orders[id] = o
	s.order = append(s.order, id)
	out, _ := s.snapshot(o)
	return out
}

// metaFrom turns a map into meta entries, in key order. The caller holds
// s.mu.
func (s *Server) metaFrom(m map[string]string) []metaEntry {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []metaEntry
	for _, k := range keys {
		v, _ := json.Marshal(m[k])
		out = append(out, metaEntry{id: s.newID(), key: k, value: v})
	}
	return out
}
