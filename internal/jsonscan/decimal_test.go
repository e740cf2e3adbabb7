package jsonscan

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzParseDecimal: ParseDecimal is decimal.NewFromString, value, exponent
// and error, bit for bit (reflect.DeepEqual on the big.Int), on the short
// forms it parses itself and on everything it hands over.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-0", "-0.00", "00", "007.10", "1.", ".5", "-", "+1", "123456789012345678", "-12345678901234567",
		"1234567890123456789", "99999999999999999.9", "1e5", "−5", "1.2.3", "", "0.000000000000000001", "1299.00", "-79.20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gerr := ParseDecimal([]byte(s))
		want, werr := decimal.NewFromString(s)
		if (gerr == nil) != (werr == nil) || gerr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v %v, NewFromString %#v %v", s, got, gerr, want, werr)
		}
	})
}

// TestAmountRemembersWithoutChangingResults: Amount gives what ParseDecimal
// gives, for amounts seen before, evicted, never seen, and wrong ones (an
// error is never remembered as a value).
func TestAmountRemembersWithoutChangingResults(t *testing.T) {
	s := New(nil)
	var texts []string
	for i := range 3 * amountCache {
		texts = append(texts, fmt.Sprintf("%d.%02d", i%(amountCache+3), i%7))
	}
	texts = append(texts, "0.00", "0.00", "", "1.", "x", "0.00", "-0.00", "12345678901234567890.5", "1e3", "0.00")
	for round := range 2 {
		for _, text := range texts {
			got, gerr := s.Amount([]byte(text))
			want, werr := ParseDecimal([]byte(text))
			if (gerr == nil) != (werr == nil) || gerr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %q: %v %v, want %v %v", round, text, got, gerr, want, werr)
			}
		}
	}
}
