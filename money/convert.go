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
	if m, ok := cur.toMinorFast(d); ok {
		return m, nil
	}
	minor := d.Shift(cur.Exponent).Round(0)
	if minor.LessThan(minInt64) || minor.GreaterThan(maxInt64) {
		return 0, fmt.Errorf("%w: %s %s", ErrOutOfRange, d.String(), cur.Code)
	}
	return minor.IntPart(), nil
}

// pow10 holds the powers of ten that fit in int64.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// toMinorFast converts amounts whose coefficient has at most 18 digits
// with integer arithmetic, with no allocation; it reports false when the
// amount needs the general path.
func (cur Currency) toMinorFast(d decimal.Decimal) (int64, bool) {
	if d.NumDigits() > 18 {
		return 0, false
	}
	c, k := d.CoefficientInt64(), int(d.Exponent())+int(cur.Exponent)
	switch {
	case k == 0:
		return c, true
	case k > 0:
		if k > 18 {
			return 0, false
		}
		m := c * pow10[k]
		if c != 0 && (m/pow10[k] != c || (m < 0) != (c < 0)) {
			return 0, false // overflow: let the general path report it
		}
		return m, true
	case -k > 18:
		return 0, true // |d| < 10^-exponent / 10: rounds to zero
	default:
		p := pow10[-k]
		q, r := c/p, c%p
		// Half away from zero: |r| >= p/2 moves away from zero.
		if r < 0 {
			r = -r
		}
		if 2*r >= p {
			if c < 0 {
				q--
			} else {
				q++
			}
		}
		return q, true
	}
}

// FromMinor converts minor units of cur to an exact decimal amount.
func (cur Currency) FromMinor(minor int64) decimal.Decimal {
	return decimal.New(minor, -cur.Exponent)
}

// HasPrecision reports whether d needs no rounding to be expressed in
// minor units of cur (12.50 NOK does, 12.505 NOK does not).
func (cur Currency) HasPrecision(d decimal.Decimal) bool {
	if d.Exponent() >= -cur.Exponent {
		return true
	}
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
