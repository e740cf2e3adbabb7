package wctest

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
)

// The store keeps its own model of orders, written from WooCommerce's
// schema (class-wc-rest-orders-v2-controller.php), and renders and parses
// JSON with its own code. The client's types never enter the wire path:
// a wrong tag or rule in the client cannot be mirrored here, so tests run
// against this store check the client instead of agreeing with it.

// metaEntry is one meta_data entry. A key may appear more than once, as in
// WordPress's meta tables.
type metaEntry struct {
	id    int64
	key   string
	value json.RawMessage
}

// taxAmount is an item's tax for one rate. Amounts are kept as WooCommerce
// stores them: rounded to the store's decimals per line by default,
// unrounded (6 decimals) when the store rounds at subtotal.
type taxAmount struct {
	rateID          int64
	total, subtotal decimal.Decimal
}

type itemType int

const (
	itemProduct itemType = iota
	itemShipping
	itemFee
	itemCoupon
)

// item is an order item of any type; which fields apply depends on typ.
type item struct {
	typ  itemType
	id   int64
	name string // product name, shipping method title, fee name or coupon code

	productID, variationID int64
	quantity               int64 // negative on refunds
	sku, taxClass          string
	taxStatus              string // fees
	methodID, instanceID   string // shipping

	subtotal, subtotalTax, total, totalTax decimal.Decimal
	discount, discountTax                  decimal.Decimal // coupons
	taxes                                  []taxAmount
	meta                                   []metaEntry
}

// taxLine is an order's (or a refund's) summary of one tax rate.
type taxLine struct {
	id, rateID                 int64
	code, label                string
	compound                   bool
	percent                    decimal.Decimal
	taxTotal, shippingTaxTotal decimal.Decimal
	meta                       []metaEntry
}

// billingKeys and shippingKeys are every key WooCommerce writes in the
// addresses, empty or not (class-wc-order.php 57–81).
var (
	billingKeys  = []string{"first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country", "email", "phone"}
	shippingKeys = []string{"first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country", "phone"}
)

type order struct {
	id, parentID, customerID                                       int64
	number, key, createdVia, version, status, currency             string
	customerNote, paymentMethod, paymentMethodTitle, transactionID string
	created, modified, paid, completed                             time.Time
	pricesIncludeTax                                               bool
	billing, shipping                                              map[string]string

	lines, shippingLines, fees, coupons []*item
	taxLines                            []*taxLine

	discountTotal, discountTax, shippingTotal, shippingTax decimal.Decimal
	cartTax, totalTax, total                               decimal.Decimal

	meta    []metaEntry
	notes   []*note
	refunds []*refund // oldest first
}

// item returns the product, shipping or fee item with the id, or nil.
func (o *order) item(id int64) *item {
	for _, list := range [][]*item{o.lines, o.shippingLines, o.fees} {
		for _, it := range list {
			if it.id == id {
				return it
			}
		}
	}
	return nil
}

func (o *order) refunded() decimal.Decimal {
	sum := decimal.Zero
	for _, r := range o.refunds {
		sum = sum.Add(r.amount)
	}
	return sum
}

type refund struct {
	id              int64
	created         time.Time
	amount          decimal.Decimal
	reason          string
	refundedBy      int64
	refundedPayment bool
	meta            []metaEntry
	lines, shipping []*item
	fees            []*item
	taxLines        []*taxLine
}

type note struct {
	id       int64
	author   string
	created  time.Time
	text     string
	customer bool
}
