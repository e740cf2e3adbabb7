// Package peerbench holds the baseline dinterowoo's decoding is held to:
// an order shaped like hiscaler/woocommerce-go's entity.Order (the most
// complete Go WooCommerce client, money as float64), decoded as that client
// decodes it, with jsoniter.Unmarshal and json-iterator's fuzzy decoders;
// and, in its tests, the benchmarks that compare the two in one run. They
// live here, not beside the clients, because a module's users get checksums
// for the test dependencies of every package they import: json-iterator
// stays out of their go.sum as long as only this package imports it.
// Nothing in the SDK uses it.
package peerbench

import (
	"sync"

	jsoniter "github.com/json-iterator/go"
	"github.com/json-iterator/go/extra"
)

// Order is an order shaped like hiscaler/woocommerce-go's entity.Order,
// the most complete Go WooCommerce client: money as float64, meta values
// as interface{}. It is the baseline dinterowoo's decoder is held to:
// json-iterator with fuzzy decoders (strings into floats), as that client
// decodes (see Decode).
type Order struct {
	ID                 int            `json:"id"`
	ParentID           int            `json:"parent_id"`
	Number             string         `json:"number"`
	OrderKey           string         `json:"order_key"`
	CreatedVia         string         `json:"created_via"`
	Version            string         `json:"version"`
	Status             string         `json:"status"`
	Currency           string         `json:"currency"`
	CurrencySymbol     string         `json:"currency_symbol"`
	DateCreated        string         `json:"date_created"`
	DateCreatedGMT     string         `json:"date_created_gmt"`
	DateModified       string         `json:"date_modified"`
	DateModifiedGMT    string         `json:"date_modified_gmt"`
	DiscountTotal      float64        `json:"discount_total"`
	DiscountTax        float64        `json:"discount_tax"`
	ShippingTotal      float64        `json:"shipping_total"`
	ShippingTax        float64        `json:"shipping_tax"`
	CartTax            float64        `json:"cart_tax"`
	Total              float64        `json:"total"`
	TotalTax           float64        `json:"total_tax"`
	PricesIncludeTax   bool           `json:"prices_include_tax"`
	CustomerID         int            `json:"customer_id"`
	CustomerIPAddress  string         `json:"customer_ip_address"`
	CustomerUserAgent  string         `json:"customer_user_agent"`
	CustomerNote       string         `json:"customer_note"`
	Billing            Address        `json:"billing"`
	Shipping           Address        `json:"shipping"`
	PaymentMethod      string         `json:"payment_method"`
	PaymentMethodTitle string         `json:"payment_method_title"`
	TransactionID      string         `json:"transaction_id"`
	DatePaid           string         `json:"date_paid"`
	DatePaidGMT        string         `json:"date_paid_gmt"`
	DateCompleted      string         `json:"date_completed"`
	DateCompletedGMT   string         `json:"date_completed_gmt"`
	CartHash           string         `json:"cart_hash"`
	MetaData           []Meta         `json:"meta_data"`
	LineItems          []LineItem     `json:"line_items"`
	TaxLines           []TaxLine      `json:"tax_lines"`
	ShippingLines      []ShippingLine `json:"shipping_lines"`
	FeeLines           []FeeLine      `json:"fee_lines"`
	CouponLines        []CouponLine   `json:"coupon_lines"`
	Refunds            []Refund       `json:"refunds"`
	SetPaid            bool           `json:"set_paid"`
}

// Address is the peer's address.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// Meta is the peer's meta entry.
type Meta struct {
	ID    int    `json:"id"`
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// Tax is the peer's tax share of a line.
type Tax struct {
	ID    int     `json:"id"`
	Total float64 `json:"total"`
	// A string: shipping taxes send "" here, which no float decoder reads.
	Subtotal string `json:"subtotal"`
}

// LineItem is the peer's product line.
type LineItem struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	ProductID   int     `json:"product_id"`
	VariationID int     `json:"variation_id"`
	Quantity    int     `json:"quantity"`
	TaxClass    string  `json:"tax_class"`
	Subtotal    float64 `json:"subtotal"`
	SubtotalTax float64 `json:"subtotal_tax"`
	Total       float64 `json:"total"`
	TotalTax    float64 `json:"total_tax"`
	Taxes       []Tax   `json:"taxes"`
	MetaData    []Meta  `json:"meta_data"`
	SKU         string  `json:"sku"`
	Price       float64 `json:"price"`
	ParentName  string  `json:"parent_name"`
}

// TaxLine is the peer's tax row.
type TaxLine struct {
	ID               int     `json:"id"`
	RateCode         string  `json:"rate_code"`
	RateID           int     `json:"rate_id"`
	Label            string  `json:"label"`
	Compound         bool    `json:"compound"`
	TaxTotal         float64 `json:"tax_total"`
	ShippingTaxTotal float64 `json:"shipping_tax_total"`
	RatePercent      float64 `json:"rate_percent"`
	MetaData         []Meta  `json:"meta_data"`
}

// ShippingLine is the peer's shipping line.
type ShippingLine struct {
	ID          int     `json:"id"`
	MethodTitle string  `json:"method_title"`
	MethodID    string  `json:"method_id"`
	InstanceID  string  `json:"instance_id"`
	Total       float64 `json:"total"`
	TotalTax    float64 `json:"total_tax"`
	Taxes       []Tax   `json:"taxes"`
	MetaData    []Meta  `json:"meta_data"`
}

// FeeLine is the peer's fee line.
type FeeLine struct {
	ID        int     `json:"id"`
	Name      string  `json:"name"`
	TaxClass  string  `json:"tax_class"`
	TaxStatus string  `json:"tax_status"`
	Total     float64 `json:"total"`
	TotalTax  float64 `json:"total_tax"`
	Taxes     []Tax   `json:"taxes"`
	MetaData  []Meta  `json:"meta_data"`
}

// CouponLine is the peer's coupon line.
type CouponLine struct {
	ID          int     `json:"id"`
	Code        string  `json:"code"`
	Discount    float64 `json:"discount"`
	DiscountTax float64 `json:"discount_tax"`
	MetaData    []Meta  `json:"meta_data"`
}

// Refund is the peer's refund summary.
type Refund struct {
	ID     int     `json:"id"`
	Reason string  `json:"reason"`
	Total  float64 `json:"total"`
}

var fuzzy sync.Once

// Decode decodes a page of orders as the peer does: jsoniter.Unmarshal
// (json-iterator's default configuration), with fuzzy decoders so that
// WooCommerce's string amounts read into float64. (RegisterFuzzyDecoders
// changes json-iterator's global configuration, once; only benchmarks call
// this.)
func Decode(body []byte, orders *[]Order) error {
	fuzzy.Do(extra.RegisterFuzzyDecoders)
	return jsoniter.Unmarshal(body, orders)
}
