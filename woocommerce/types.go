package woocommerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
	"github.com/shopspring/decimal"
)

// Status is an order status as the REST API writes it (without "wc-").
// Plugins add statuses; unknown values are kept as they come.
type Status string

// Order statuses of WooCommerce core, and the one the Dintero plugin adds.
const (
	StatusPending       Status = "pending"
	StatusProcessing    Status = "processing"
	StatusOnHold        Status = "on-hold"
	StatusCompleted     Status = "completed"
	StatusCancelled     Status = "cancelled"
	StatusRefunded      Status = "refunded"
	StatusFailed        Status = "failed"
	StatusCheckoutDraft Status = "checkout-draft"
	StatusTrash         Status = "trash"
	// StatusManualReview is registered by the Dintero Checkout plugin for
	// payments Dintero holds for review (ON_HOLD).
	StatusManualReview Status = "manual-review"
)

// Label is the status's name as WooCommerce shows it, used in its status
// change note ("Order status changed from Processing to Completed.").
func (s Status) Label() string {
	switch s {
	case StatusPending:
		return "Pending payment"
	case StatusProcessing:
		return "Processing"
	case StatusOnHold:
		return "On hold"
	case StatusCompleted:
		return "Completed"
	case StatusCancelled:
		return "Cancelled"
	case StatusRefunded:
		return "Refunded"
	case StatusFailed:
		return "Failed"
	case StatusCheckoutDraft:
		return "Draft"
	case StatusManualReview:
		return "Manual review"
	}
	return string(s)
}

// Time is a WooCommerce date. The API writes "2017-03-22T19:28:02" with no
// offset; only the *_gmt fields are decoded, as UTC. A null date is zero.
type Time struct{ time.Time }

const wcTimeLayout = "2006-01-02T15:04:05"

// UnmarshalJSON reads a date with or without an offset, or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" || string(b) == `""` {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]) {
		s = string(b[1 : len(b)-1]) // as written: no escapes to decode
	} else if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("woocommerce: date %s: %w", b, err)
	}
	if v, err := time.ParseInLocation(wcTimeLayout, s, time.UTC); err == nil {
		t.Time = v
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("woocommerce: date %q: %w", s, err)
	}
	t.Time = v.UTC()
	return nil
}

// plainString reports whether b, between a JSON string's quotes, is the
// string itself: printable ASCII, with no quote or escape to decode.
func plainString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// MarshalJSON writes the date as WooCommerce does, in UTC, or null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(wcTimeLayout) + `"`), nil
}

// ID is an integer id that WooCommerce sometimes sends as a string
// (tax_lines[].rate_id is documented as a string, sent as a number).
type ID int64

// UnmarshalJSON reads a number or a numeric string; "" and null are 0.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*id = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("woocommerce: id %s: %w", b, err)
	}
	*id = ID(n)
	return nil
}

// Meta is a meta_data entry. Value is kept raw because WooCommerce allows
// any JSON there.
type Meta struct {
	ID           int64           `json:"id,omitempty"`
	Key          string          `json:"key"`
	Value        json.RawMessage `json:"value"`
	DisplayKey   string          `json:"display_key,omitempty"`
	DisplayValue json.RawMessage `json:"display_value,omitempty"`
}

// StringValue returns the value as a string: a JSON string unquoted, any
// other JSON as written.
func (m Meta) StringValue() string {
	var s string
	if json.Unmarshal(m.Value, &s) == nil {
		return s
	}
	return string(m.Value)
}

// MetaString returns a meta entry with a string value.
func MetaString(key, value string) Meta {
	b, _ := json.Marshal(value)
	return Meta{Key: key, Value: b}
}

// MetaDelete returns an update entry that deletes the key (value null).
func MetaDelete(key string) Meta {
	return Meta{Key: key, Value: json.RawMessage("null")}
}

// FindMeta returns the first entry with the key.
func FindMeta(meta []Meta, key string) (Meta, bool) {
	for _, m := range meta {
		if m.Key == key {
			return m, true
		}
	}
	return Meta{}, false
}

// Tax is one tax rate's share of a line: ID is the tax rate id (what a
// refund's refund_tax names). Amounts are WooCommerce's raw tax strings,
// which carry more decimals than the store's prices.
type Tax struct {
	ID       ID              `json:"id"`
	Total    decimal.Decimal `json:"total"`
	Subtotal decimal.Decimal `json:"subtotal"`
}

// UnmarshalJSON accepts "" for a missing amount, as shipping taxes send
// for subtotal.
func (t *Tax) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID       ID              `json:"id"`
		Total    json.RawMessage `json:"total"`
		Subtotal json.RawMessage `json:"subtotal"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	t.ID = raw.ID
	var err error
	if t.Total, err = lenientDecimal(nil, raw.Total); err != nil {
		return err
	}
	t.Subtotal, err = lenientDecimal(nil, raw.Subtotal)
	return err
}

// lenientDecimal reads a tax amount as WooCommerce writes it: a number, a
// string, "" or null (zero). With a scanner, its memory of amounts serves
// repeats (the fast decoder); without, it parses afresh.
func lenientDecimal(sc *jsonscan.Scanner, b json.RawMessage) (decimal.Decimal, error) {
	s := bytes.Trim(b, `"`)
	if len(s) == 0 || string(s) == "null" {
		return decimal.Decimal{}, nil
	}
	parse := jsonscan.ParseDecimal
	if sc != nil {
		parse = sc.Amount
	}
	d, err := parse(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("woocommerce: amount %s: %w", b, err)
	}
	return d, nil
}

// Address is a billing or shipping address.
type Address struct {
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Company   string `json:"company,omitempty"`
	Address1  string `json:"address_1,omitempty"`
	Address2  string `json:"address_2,omitempty"`
	City      string `json:"city,omitempty"`
	State     string `json:"state,omitempty"`
	Postcode  string `json:"postcode,omitempty"`
	Country   string `json:"country,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// LineItem is a product line. Total is after coupons, net of tax;
// TotalTax is its tax; Subtotal is before coupons.
type LineItem struct {
	ID          int64           `json:"id,omitempty"`
	Name        string          `json:"name,omitempty"`
	ParentName  string          `json:"parent_name,omitempty"`
	ProductID   int64           `json:"product_id,omitempty"`
	VariationID int64           `json:"variation_id,omitempty"`
	Quantity    decimal.Decimal `json:"quantity"`
	TaxClass    string          `json:"tax_class,omitempty"`
	Subtotal    decimal.Decimal `json:"subtotal"`
	SubtotalTax decimal.Decimal `json:"subtotal_tax"`
	Total       decimal.Decimal `json:"total"`
	TotalTax    decimal.Decimal `json:"total_tax"`
	Taxes       []Tax           `json:"taxes,omitempty"`
	MetaData    []Meta          `json:"meta_data,omitempty"`
	SKU         string          `json:"sku,omitempty"`
	// Price is total / quantity as WooCommerce computes it in floating
	// point; it is decoded exactly as sent but must not be used for money.
	Price decimal.Decimal `json:"price"`
	Image *Image          `json:"image,omitempty"`
}

// Image is a product image.
type Image struct {
	ID  ID     `json:"id"`
	Src string `json:"src"`
}

// ShippingLine is a shipping method on an order.
type ShippingLine struct {
	ID          int64           `json:"id,omitempty"`
	MethodTitle string          `json:"method_title,omitempty"`
	MethodID    string          `json:"method_id,omitempty"`
	InstanceID  string          `json:"instance_id,omitempty"`
	Total       decimal.Decimal `json:"total"`
	TotalTax    decimal.Decimal `json:"total_tax"`
	Taxes       []Tax           `json:"taxes,omitempty"`
	MetaData    []Meta          `json:"meta_data,omitempty"`
}

// FeeLine is a fee on an order.
type FeeLine struct {
	ID        int64           `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	TaxClass  string          `json:"tax_class,omitempty"`
	TaxStatus string          `json:"tax_status,omitempty"`
	Total     decimal.Decimal `json:"total"`
	TotalTax  decimal.Decimal `json:"total_tax"`
	Taxes     []Tax           `json:"taxes,omitempty"`
	MetaData  []Meta          `json:"meta_data,omitempty"`
}

// TaxLine is an order-level tax row; RateID is the tax rate, ID the item.
type TaxLine struct {
	ID               int64           `json:"id,omitempty"`
	RateCode         string          `json:"rate_code,omitempty"`
	RateID           ID              `json:"rate_id"`
	Label            string          `json:"label,omitempty"`
	Compound         bool            `json:"compound"`
	RatePercent      decimal.Decimal `json:"rate_percent"`
	TaxTotal         decimal.Decimal `json:"tax_total"`
	ShippingTaxTotal decimal.Decimal `json:"shipping_tax_total"`
	MetaData         []Meta          `json:"meta_data,omitempty"`
}

// CouponLine is a coupon applied to an order; its discount is already
// inside the line totals.
type CouponLine struct {
	ID          int64           `json:"id,omitempty"`
	Code        string          `json:"code"`
	Discount    decimal.Decimal `json:"discount"`
	DiscountTax decimal.Decimal `json:"discount_tax"`
	MetaData    []Meta          `json:"meta_data,omitempty"`
}

// OrderRefund is the summary of a refund inside an order; Total is
// negative, as WooCommerce writes it.
type OrderRefund struct {
	ID     int64           `json:"id"`
	Reason string          `json:"reason"`
	Total  decimal.Decimal `json:"total"`
}

// Order is a WooCommerce order.
type Order struct {
	ID                 int64           `json:"id"`
	ParentID           int64           `json:"parent_id"`
	Number             string          `json:"number"`
	OrderKey           string          `json:"order_key"`
	CreatedVia         string          `json:"created_via"`
	Version            string          `json:"version"`
	Status             Status          `json:"status"`
	Currency           string          `json:"currency"`
	DateCreated        Time            `json:"date_created_gmt"`
	DateModified       Time            `json:"date_modified_gmt"`
	DatePaid           Time            `json:"date_paid_gmt"`
	DateCompleted      Time            `json:"date_completed_gmt"`
	DiscountTotal      decimal.Decimal `json:"discount_total"`
	DiscountTax        decimal.Decimal `json:"discount_tax"`
	ShippingTotal      decimal.Decimal `json:"shipping_total"`
	ShippingTax        decimal.Decimal `json:"shipping_tax"`
	CartTax            decimal.Decimal `json:"cart_tax"`
	Total              decimal.Decimal `json:"total"`
	TotalTax           decimal.Decimal `json:"total_tax"`
	PricesIncludeTax   bool            `json:"prices_include_tax"`
	CustomerID         int64           `json:"customer_id"`
	CustomerIPAddress  string          `json:"customer_ip_address"`
	CustomerUserAgent  string          `json:"customer_user_agent"`
	CustomerNote       string          `json:"customer_note"`
	Billing            Address         `json:"billing"`
	Shipping           Address         `json:"shipping"`
	PaymentMethod      string          `json:"payment_method"`
	PaymentMethodTitle string          `json:"payment_method_title"`
	TransactionID      string          `json:"transaction_id"`
	CartHash           string          `json:"cart_hash"`
	MetaData           []Meta          `json:"meta_data"`
	LineItems          []LineItem      `json:"line_items"`
	TaxLines           []TaxLine       `json:"tax_lines"`
	ShippingLines      []ShippingLine  `json:"shipping_lines"`
	FeeLines           []FeeLine       `json:"fee_lines"`
	CouponLines        []CouponLine    `json:"coupon_lines"`
	Refunds            []OrderRefund   `json:"refunds"`
}

// Meta returns the order's first meta entry with the key.
func (o *Order) Meta(key string) (Meta, bool) { return FindMeta(o.MetaData, key) }

// RefundedTotal is the sum of the order's refunds, as a positive amount.
func (o *Order) RefundedTotal() decimal.Decimal {
	sum := decimal.Zero
	for _, r := range o.Refunds {
		sum = sum.Add(r.Total.Abs())
	}
	return sum
}

// RemainingRefundable is what WooCommerce still lets you refund: the total
// less refunds.
func (o *Order) RemainingRefundable() decimal.Decimal {
	return decimal.Max(o.Total.Sub(o.RefundedTotal()), decimal.Zero)
}

// Note is an order note.
type Note struct {
	ID           int64  `json:"id"`
	Author       string `json:"author"`
	DateCreated  Time   `json:"date_created_gmt"`
	Note         string `json:"note"`
	CustomerNote bool   `json:"customer_note"`
}

// Refund is a refund record of an order. Amount is positive; the line
// copies are negative, as WooCommerce stores them.
type Refund struct {
	ID              int64           `json:"id"`
	DateCreated     Time            `json:"date_created_gmt"`
	Amount          decimal.Decimal `json:"amount"`
	Reason          string          `json:"reason"`
	RefundedBy      int64           `json:"refunded_by"`
	RefundedPayment bool            `json:"refunded_payment"`
	MetaData        []Meta          `json:"meta_data"`
	LineItems       []LineItem      `json:"line_items"`
	ShippingLines   []ShippingLine  `json:"shipping_lines,omitempty"`
	FeeLines        []FeeLine       `json:"fee_lines,omitempty"`
	TaxLines        []TaxLine       `json:"tax_lines,omitempty"`
}

// Meta returns the refund's first meta entry with the key.
func (r *Refund) Meta(key string) (Meta, bool) { return FindMeta(r.MetaData, key) }
