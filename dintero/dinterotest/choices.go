package dinterotest

import "strings"

// Choices are the server's answers where Dintero's specification is
// silent (dintero_spec.md §9). The zero value is the default, the answer
// the evidence points to; a test that needs the other answer sets it with
// WithChoices.
type Choices struct {
	// StrictSessionAmounts refuses every session whose order.amount is
	// not its items plus shipping_option, as if each create sent the
	// Dintero-Feature-Toggles: strict-session-amounts header. By default
	// only creates with the toggle are checked (N:7385-7387); without it
	// the spec says only "should".
	StrictSessionAmounts bool
	// AcceptUnknownLines accepts capture and refund items whose line_id
	// the transaction does not have. By default they are refused with 400:
	// lines match by line_id (WC ho:359).
	AcceptUnknownLines bool
	// AcceptItemsNotAddingUp accepts capture and refund items whose
	// amounts do not add up to the amount. By default that is a 400, as
	// the spec states for /authorization (N:7886-7890) and as the plugin's
	// balancing line suggests.
	AcceptItemsNotAddingUp bool
	// RefuseRoundingLine refuses the plugin's "rounding-fee" line when
	// the session did not have one. By default it is accepted on captures
	// and refunds, with any sign, as the balancing line the plugin sends
	// (WC hb:281-304); it is never checked against a line's remainder.
	RefuseRoundingLine bool
	// RoundingLineLimit, when positive, refuses a rounding-fee line whose
	// amount is larger than this many minor units either way: a test can
	// then check that its balancing lines only balance rounding. By
	// default any size is accepted, as the plugin sends whatever gap its
	// lines leave.
	RoundingLineLimit int64
	// PartialVoidStatus is the status after a void of a part-captured
	// transaction (for the products the package doc lists): "CAPTURED"
	// (the default: everything still authorized has then been captured)
	// or "PARTIALLY_CAPTURED". Other values mean the default.
	PartialVoidStatus string
}

// WithChoices sets the server's answers where the specification is silent.
func WithChoices(c Choices) Option { return func(cfg *config) { cfg.choices = c } }

// voidAfterPartialCapture lists the payment products for which a void
// after a partial capture cancels the uncaptured rest (N:277-290). For
// every other product such a void is refused with 400.
var voidAfterPartialCapture = []string{
	"payex.creditcard", "payex.mobilepay", "payex.vipps", "payex.applepay", "payex.clicktopay",
	"payex.googlepay", "vipps", "klarna.klarna", "klarna.billie",
}

// voidsAfterPartialCapture reports whether a product type may void the
// rest of a part-captured transaction. "vipps" names the product, so it
// covers its types.
func voidsAfterPartialCapture(productType string) bool {
	product, _, _ := strings.Cut(productType, ".")
	for _, p := range voidAfterPartialCapture {
		if p == productType || !strings.Contains(p, ".") && p == product {
			return true
		}
	}
	return false
}
