package money

import (
	"errors"
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// ErrOutOfRange is wrapped when an amount does not fit in int64 minor units.
var ErrOutOfRange = errors.New("money: amount out of range")

// ToMinor converts a decimal amount to minor units of cur, rounding half
// away from zero at the currency's precision: 0.005 NOK is 1 øre, -0.005
// NOK is -1 øre. This is the one rounding rule used when a WooCommerce
// amount becomes a Dintero amount.
func (cur Currency) ToMinor(d decimal.Decimal) (int64, error) {
	minor := d.Shift(cur.Exponent).Round(0)
	if minor.LessThan(minInt64) || minor.GreaterThan(maxInt64) {
		return 0, fmt.Errorf("%w: %s %s", ErrOutOfRange, d.String(), cur.Code)
	}
	return minor.IntPart(), nil
}

// FromMinor converts minor units of cur to an exact decimal amount.
func (cur Currency) FromMinor(minor int64) decimal.Decimal {
	return decimal.New(minor, -cur.Exponent)
}

// HasPrecision reports whether d needs no rounding to be expressed in
// minor units of cur (12.50 NOK does, 12.505 NOK does not).
func (cur Currency) HasPrecision(d decimal.Decimal) bool {
	return d.Shift(cur.Exponent).IsInteger()
}

// Format writes minor units of cur the way order notes show money:
// "1234.50 NOK", always with the currency's decimals, a dot as the decimal
// separator, no grouping, and a leading minus for negative amounts. It does
// not depend on any locale.
func (cur Currency) Format(minor int64) string {
	return cur.FromMinor(minor).StringFixed(cur.Exponent) + " " + cur.Code
}

// ToMinor converts d to minor units of the currency with the given code; see
// Currency.ToMinor.
func ToMinor(d decimal.Decimal, code string) (int64, error) {
	cur, err := Lookup(code)
	if err != nil {
		return 0, err
	}
	return cur.ToMinor(d)
}

// FromMinor converts minor units of the currency with the given code to a
// decimal amount; see Currency.FromMinor.
func FromMinor(minor int64, code string) (decimal.Decimal, error) {
	cur, err := Lookup(code)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return cur.FromMinor(minor), nil
}

// Format formats minor units of the currency with the given code; see
// Currency.Format.
func Format(minor int64, code string) (string, error) {
	cur, err := Lookup(code)
	if err != nil {
		return "", err
	}
	return cur.Format(minor), nil
}

var (
	minInt64 = decimal.NewFromInt(math.MinInt64)
	maxInt64 = decimal.NewFromInt(math.MaxInt64)
)
