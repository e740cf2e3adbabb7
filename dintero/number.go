package dintero

import (
	"github.com/shopspring/decimal"
)

// Number is an exact decimal that travels as a JSON number, as Dintero
// sends VAT percentages (25, 12.5) and quantities (2, 0.75). The decimal
// package would write a JSON string, which Dintero does not accept here.
// The zero value is 0, and fields of this type are left out when zero.
type Number struct{ decimal.Decimal }

// N returns the whole number n as a Number.
func N(n int64) Number { return Number{decimal.NewFromInt(n)} }

// ParseNumber parses a decimal string such as "12.5".
func ParseNumber(s string) (Number, error) {
	d, err := decimal.NewFromString(s)
	return Number{d}, err
}

// MarshalJSON writes the number without quotes.
func (n Number) MarshalJSON() ([]byte, error) {
	return []byte(n.Decimal.String()), nil
}

// UnmarshalJSON reads a JSON number or a quoted one.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		n.Decimal = decimal.Decimal{}
		return nil
	}
	return n.Decimal.UnmarshalJSON(b)
}
