package woocommerce

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	jsoniter "github.com/json-iterator/go"
	"github.com/json-iterator/go/extra"
)

// peerOrder is an order shaped like hiscaler/woocommerce-go's entity.Order,
// the most complete Go WooCommerce client: money as float64, meta values
// as interface{}. It is the baseline the decoder is held to (issue 15):
// json-iterator with fuzzy decoders (strings into floats), as that client
// decodes.
type peerOrder struct {
	ID                 int             `json:"id"`
	ParentID           int             `json:"parent_id"`
	Number             string          `json:"number"`
	OrderKey           string          `json:"order_key"`
	CreatedVia         string          `json:"created_via"`
	Version            string          `json:"version"`
	Status             string          `json:"status"`
	Currency           string          `json:"currency"`
	DateCreated        string          `json:"date_created"`
	DateCreatedGMT     string          `json:"date_created_gmt"`
	DateModified       string          `json:"date_modified"`
	DateModifiedGMT    string          `json:"date_modified_gmt"`
	DiscountTotal      float64         `json:"discount_total"`
	DiscountTax        float64         `json:"discount_tax"`
	ShippingTotal      float64         `json:"shipping_total"`
	ShippingTax        float64         `json:"shipping_tax"`
	CartTax            float64         `json:"cart_tax"`
	Total              float64         `json:"total"`
	TotalTax           float64         `json:"total_tax"`
	PricesIncludeTax   bool            `json:"prices_include_tax"`
	CustomerID         int             `json:"customer_id"`
	CustomerIPAddress  string          `json:"customer_ip_address"`
	CustomerUserAgent  string          `json:"customer_user_agent"`
	CustomerNote       string          `json:"customer_note"`
	Billing            peerAddress     `json:"billing"`
	Shipping           peerAddress     `json:"shipping"`
	PaymentMethod      string          `json:"payment_method"`
	PaymentMethodTitle string          `json:"payment_method_title"`
	TransactionID      string          `json:"transaction_id"`
	DatePaid           string          `json:"date_paid"`
	DatePaidGMT        string          `json:"date_paid_gmt"`
	DateCompleted      string          `json:"date_completed"`
	DateCompletedGMT   string          `json:"date_completed_gmt"`
	CartHash           string          `json:"cart_hash"`
	MetaData           []peerMeta      `json:"meta_data"`
	LineItems          []peerLineItem  `json:"line_items"`
	TaxLines           []peerTaxLine   `json:"tax_lines"`
	ShippingLines      []peerShipping  `json:"shipping_lines"`
	FeeLines           []peerFeeLine   `json:"fee_lines"`
	CouponLines        []peerCoupon    `json:"coupon_lines"`
	Refunds            []peerRefund    `json:"refunds"`
	SetPaid            bool            `json:"set_paid"`
	Links              json.RawMessage `json:"_links"`
}

type peerAddress struct {
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

type peerMeta struct {
	ID    int    `json:"id"`
	Key   string `json:"key"`
	Value any    `json:"value"`
}

type peerTax struct {
	ID    int     `json:"id"`
	Total float64 `json:"total"`
	// A string: shipping taxes send "" here, which no float decoder reads.
	Subtotal string `json:"subtotal"`
}

type peerLineItem struct {
	ID          int        `json:"id"`
	Name        string     `json:"name"`
	ProductID   int        `json:"product_id"`
	VariationID int        `json:"variation_id"`
	Quantity    int        `json:"quantity"`
	TaxClass    string     `json:"tax_class"`
	Subtotal    float64    `json:"subtotal"`
	SubtotalTax float64    `json:"subtotal_tax"`
	Total       float64    `json:"total"`
	TotalTax    float64    `json:"total_tax"`
	Taxes       []peerTax  `json:"taxes"`
	MetaData    []peerMeta `json:"meta_data"`
	SKU         string     `json:"sku"`
	Price       float64    `json:"price"`
	ParentName  string     `json:"parent_name"`
	Image       struct {
		ID  any    `json:"id"`
		Src string `json:"src"`
	} `json:"image"`
}

type peerTaxLine struct {
	ID               int        `json:"id"`
	RateCode         string     `json:"rate_code"`
	RateID           int        `json:"rate_id"`
	Label            string     `json:"label"`
	Compound         bool       `json:"compound"`
	TaxTotal         float64    `json:"tax_total"`
	ShippingTaxTotal float64    `json:"shipping_tax_total"`
	RatePercent      float64    `json:"rate_percent"`
	MetaData         []peerMeta `json:"meta_data"`
}

type peerShipping struct {
	ID          int        `json:"id"`
	MethodTitle string     `json:"method_title"`
	MethodID    string     `json:"method_id"`
	InstanceID  string     `json:"instance_id"`
	Total       float64    `json:"total"`
	TotalTax    float64    `json:"total_tax"`
	Taxes       []peerTax  `json:"taxes"`
	MetaData    []peerMeta `json:"meta_data"`
}

type peerFeeLine struct {
	ID        int        `json:"id"`
	Name      string     `json:"name"`
	TaxClass  string     `json:"tax_class"`
	TaxStatus string     `json:"tax_status"`
	Total     float64    `json:"total"`
	TotalTax  float64    `json:"total_tax"`
	Taxes     []peerTax  `json:"taxes"`
	MetaData  []peerMeta `json:"meta_data"`
}

type peerCoupon struct {
	ID          int        `json:"id"`
	Code        string     `json:"code"`
	Discount    float64    `json:"discount"`
	DiscountTax float64    `json:"discount_tax"`
	MetaData    []peerMeta `json:"meta_data"`
}

type peerRefund struct {
	ID     int     `json:"id"`
	Reason string  `json:"reason"`
	Total  float64 `json:"total"`
}

// orderPage is a page of 100 full orders as the in-process store writes
// them (testdata/wctest-orders-page.json, two orders with escaped
// non-ASCII names and a surrogate pair, repeated).
func orderPage(b *testing.B) []byte {
	b.Helper()
	two, err := os.ReadFile(filepath.Join("testdata", "wctest-orders-page.json"))
	if err != nil {
		b.Fatal(err)
	}
	inner := bytes.TrimSuffix(bytes.TrimPrefix(bytes.TrimSpace(two), []byte("[")), []byte("]"))
	page := []byte("[")
	for i := range 50 {
		if i > 0 {
			page = append(page, ',')
		}
		page = append(page, inner...)
	}
	return append(page, ']')
}

// BenchmarkDecodeOrderPage decodes one page of 100 orders: as the client
// does, as it did with encoding/json, and, in the same run, into a float
// struct shaped like hiscaler/woocommerce-go's with json-iterator (the
// target).
func BenchmarkDecodeOrderPage(b *testing.B) {
	page := orderPage(b)
	b.Run("dinterowoo", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []*Order
			if err := (ordersBody{&orders}).DecodeBody(page); err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []*Order
			if err := json.Unmarshal(page, &orders); err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
	b.Run("peer-jsoniter-float", func(b *testing.B) {
		extra.RegisterFuzzyDecoders()
		api := jsoniter.ConfigCompatibleWithStandardLibrary
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []peerOrder
			if err := api.Unmarshal(page, &orders); err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
}
