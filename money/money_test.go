package money

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestLookupExponents(t *testing.T) {
	tests := []struct {
		code string
		exp  int32
	}{
		{"NOK", 2}, {"SEK", 2}, {"DKK", 2}, {"EUR", 2}, {"USD", 2}, {"GBP", 2},
		{"CHF", 2}, {"PLN", 2}, {"HUF", 2}, {"JPY", 0}, {"ISK", 0}, {"KRW", 0},
		{"CLP", 0}, {"KWD", 3}, {"BHD", 3}, {"JOD", 3}, {"OMR", 3}, {"TND", 3},
		{"CLF", 4},
	}
	for _, tt := range tests {
		cur, err := Lookup(tt.code)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", tt.code, err)
		}
		if cur.Exponent != tt.exp || cur.Code != tt.code {
			t.Errorf("Lookup(%q) = %+v, want exponent %d", tt.code, cur, tt.exp)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, code := range []string{"", "nok", "XYZ", "NOKK", "BTC"} {
		_, err := Lookup(code)
		if !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("Lookup(%q) error = %v, want ErrUnknownCurrency", code, err)
		}
	}
	if _, err := ToMinor(decimal.NewFromInt(1), "XYZ"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("ToMinor with unknown currency: %v", err)
	}
	if _, err := FromMinor(1, "XYZ"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("FromMinor with unknown currency: %v", err)
	}
	if _, err := Format(1, "XYZ"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("Format with unknown currency: %v", err)
	}
}

func TestToMinor(t *testing.T) {
	tests := []struct {
		amount string
		code   string
		want   int64
	}{
		{"1234.50", "NOK", 123450},
		{"338.9", "NOK", 33890},
		{"0.01", "SEK", 1},
		{"0", "EUR", 0},
		// Half away from zero at the .5 boundary, both signs.
		{"0.005", "NOK", 1},
		{"0.004999", "NOK", 0},
		{"-0.005", "NOK", -1},
		{"-0.004999", "NOK", 0},
		{"2.345", "DKK", 235},
		{"-2.345", "DKK", -235},
		{"2.335", "USD", 234},
		{"-2.335", "USD", -234},
		{"10.125", "GBP", 1013},
		// Zero-decimal currencies.
		{"1500", "JPY", 1500},
		{"1499.5", "JPY", 1500},
		{"-1499.5", "JPY", -1500},
		{"1499.49", "ISK", 1499},
		// Three-decimal currencies.
		{"1.2345", "KWD", 1235},
		{"-1.2345", "BHD", -1235},
		{"0.001", "KWD", 1},
		{"12.3", "KWD", 12300},
	}
	for _, tt := range tests {
		got, err := ToMinor(decimal.RequireFromString(tt.amount), tt.code)
		if err != nil {
			t.Fatalf("ToMinor(%s %s): %v", tt.amount, tt.code, err)
		}
		if got != tt.want {
			t.Errorf("ToMinor(%s %s) = %d, want %d", tt.amount, tt.code, got, tt.want)
		}
	}
}

func TestToMinorOutOfRange(t *testing.T) {
	for _, amount := range []string{"92233720368547758.08", "-92233720368547758.09", "1e30"} {
		_, err := ToMinor(decimal.RequireFromString(amount), "NOK")
		if !errors.Is(err, ErrOutOfRange) {
			t.Errorf("ToMinor(%s NOK) error = %v, want ErrOutOfRange", amount, err)
		}
	}
	// The extremes themselves still fit.
	got, err := ToMinor(decimal.RequireFromString("92233720368547758.07"), "NOK")
	if err != nil || got != 9223372036854775807 {
		t.Errorf("ToMinor(max) = %d, %v", got, err)
	}
	got, err = ToMinor(decimal.RequireFromString("-92233720368547758.08"), "NOK")
	if err != nil || got != -9223372036854775808 {
		t.Errorf("ToMinor(min) = %d, %v", got, err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor int64
		code  string
		want  string
	}{
		{123450, "NOK", "1234.50 NOK"},
		{50, "NOK", "0.50 NOK"},
		{5, "SEK", "0.05 SEK"},
		{0, "EUR", "0.00 EUR"},
		{-1999, "USD", "-19.99 USD"},
		{123456789, "DKK", "1234567.89 DKK"},
		{1500, "JPY", "1500 JPY"},
		{1235, "KWD", "1.235 KWD"},
		{1, "BHD", "0.001 BHD"},
	}
	for _, tt := range tests {
		got, err := Format(tt.minor, tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Format(%d, %s) = %q, want %q", tt.minor, tt.code, got, tt.want)
		}
	}
}

func TestRoundTripEveryCurrency(t *testing.T) {
	for code, exp := range exponents {
		cur, err := Lookup(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, minor := range []int64{0, 1, -1, 99, 100, 123456, -987654321, 1<<62 + 3} {
			d := cur.FromMinor(minor)
			if !cur.HasPrecision(d) {
				t.Errorf("%s: %s reported as over-precise", code, d)
			}
			back, err := cur.ToMinor(d)
			if err != nil || back != minor {
				t.Errorf("%s (exp %d): %d -> %s -> %d, %v", code, exp, minor, d, back, err)
			}
		}
	}
}

func TestHasPrecision(t *testing.T) {
	nok, _ := Lookup("NOK")
	jpy, _ := Lookup("JPY")
	if !nok.HasPrecision(decimal.RequireFromString("12.50")) || nok.HasPrecision(decimal.RequireFromString("12.505")) {
		t.Error("NOK precision check wrong")
	}
	if !jpy.HasPrecision(decimal.RequireFromString("12.000")) || jpy.HasPrecision(decimal.RequireFromString("12.5")) {
		t.Error("JPY precision check wrong")
	}
}

// FuzzRoundTrip checks that decimal -> minor -> decimal never changes a value
// that already has the currency's precision, and that rounding moves any
// other value by at most half a minor unit.
func FuzzRoundTrip(f *testing.F) {
	f.Add(int64(123450), int32(-2), "NOK")
	f.Add(int64(-5), int32(-3), "NOK")
	f.Add(int64(1500), int32(0), "JPY")
	f.Add(int64(12345), int32(-4), "KWD")
	f.Add(int64(9), int32(-1), "USD")
	f.Fuzz(func(t *testing.T, coef int64, exp int32, code string) {
		cur, err := Lookup(code)
		if err != nil {
			return
		}
		if exp < -20 || exp > 20 {
			return
		}
		d := decimal.New(coef, exp)
		minor, err := cur.ToMinor(d)
		if err != nil {
			if !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		back := cur.FromMinor(minor)
		if cur.HasPrecision(d) {
			if !back.Equal(d) {
				t.Fatalf("%s %s: round trip gave %s", d, code, back)
			}
			return
		}
		half := decimal.New(5, -cur.Exponent-1)
		if back.Sub(d).Abs().GreaterThan(half) {
			t.Fatalf("%s %s rounded to %s: more than half a minor unit", d, code, back)
		}
		if back.Sub(d).Abs().Equal(half) && back.Abs().LessThan(d.Abs()) {
			t.Fatalf("%s %s rounded to %s: a tie must round away from zero", d, code, back)
		}
	})
}

// FuzzFastPathMatchesGeneral: the allocation-free conversion gives exactly
// what decimal's Shift and Round give, for every value it takes.
func FuzzFastPathMatchesGeneral(f *testing.F) {
	f.Add(int64(123455), int32(-3), "NOK")
	f.Add(int64(-5), int32(-3), "NOK")
	f.Add(int64(999999999999999999), int32(-20), "KWD")
	f.Add(int64(922337203685477580), int32(1), "JPY")
	f.Fuzz(func(t *testing.T, coef int64, exp int32, code string) {
		cur, err := Lookup(code)
		if err != nil || exp < -40 || exp > 40 {
			return
		}
		d := decimal.New(coef, exp)
		fast, ok := cur.toMinorFast(d)
		if !ok {
			return
		}
		general := d.Shift(cur.Exponent).Round(0)
		if !general.Equal(decimal.NewFromInt(fast)) {
			t.Fatalf("%s %s: fast %d, general %s", d, code, fast, general)
		}
	})
}
