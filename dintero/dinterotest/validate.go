package dinterotest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"
)

// apiError is an answer in Dintero's error shape (N:5186-5195).
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.message }

// badRequest is a 400 with the one validation code Dintero is seen to use
// (MG Controller/Payment/Place.php:117).
func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", fmt.Sprintf(format, args...)}
}

func writeAPIError(w http.ResponseWriter, e *apiError) { writeError(w, e.status, e.code, e.message) }

// int32 bounds amounts declared int32 (order.amount, capture and refund
// amounts: N:2985, N:7802, N:7962).
func checkInt32(field string, v int64) *apiError {
	if v > math.MaxInt32 || v < math.MinInt32 {
		return badRequest("%s %d is outside int32", field, v)
	}
	return nil
}

// isCurrency accepts an ISO 4217 alphabetic code (N:3105).
func isCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range 3 {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// addAmount adds b to *sum and reports false when the sum leaves int64:
// absurd amounts must not wrap around into a sum that checks out.
func addAmount(sum *int64, b int64) bool {
	r := *sum + b
	if (b > 0 && r < *sum) || (b < 0 && r > *sum) {
		return false
	}
	*sum = r
	return true
}

// sessionRules are what a session create or update is checked against.
type sessionRules struct {
	// strictAmounts makes order.amount = Σ items + shipping a must: the
	// strict-session-amounts toggle on create (N:7385-7387), always on
	// update (N:50-53).
	strictAmounts bool
	// itemsNeedLineIDs: Instabank or Collector without partial payment
	// (N:3034-3041).
	itemsNeedLineIDs bool
}

// checkOrder applies the spec's rules for a session's order.
func checkOrder(o *order, rules sessionRules) *apiError {
	switch {
	case o.Amount == nil:
		return badRequest("order.amount is required")
	case o.Currency == "":
		return badRequest("order.currency is required")
	case !isCurrency(o.Currency):
		return badRequest("order.currency %q is not an ISO 4217 code", o.Currency)
	case o.MerchantReference == "":
		return badRequest("order.merchant_reference is required")
	}
	if err := checkInt32("order.amount", *o.Amount); err != nil {
		return err
	}
	if o.VATAmount != nil {
		if err := checkInt32("order.vat_amount", *o.VATAmount); err != nil {
			return err
		}
	}
	if *o.Amount < 0 {
		return badRequest("order.amount must not be negative")
	}
	seen := map[string]bool{}
	var sum int64
	for i, it := range o.Items {
		// line_id is optional, but unique when given (N:2597-2602).
		if it.LineID != "" {
			if seen[it.LineID] {
				return badRequest("order.items[%d].line_id %q is not unique", i, it.LineID)
			}
			seen[it.LineID] = true
		}
		if rules.itemsNeedLineIDs && (it.LineID == "" || it.Quantity == "" || it.Amount == nil) {
			return badRequest("order.items[%d] needs line_id, quantity and amount for this payment product", i)
		}
		// Item amounts may be negative: a gift_card line usually is
		// (N:2652); only the transaction and gift-card amounts are
		// called non-negative.
		if !addAmount(&sum, it.amount()) {
			return badRequest("order.items amounts overflow")
		}
	}
	if so := o.ShippingOption; so != nil {
		switch {
		case so.ID == "":
			return badRequest("order.shipping_option.id is required")
		case so.LineID == "":
			return badRequest("order.shipping_option.line_id is required")
		case so.Amount == nil:
			return badRequest("order.shipping_option.amount is required")
		case so.Title == "":
			return badRequest("order.shipping_option.title is required")
		case so.Operator == nil:
			return badRequest("order.shipping_option.operator is required")
		}
		if seen[so.LineID] {
			// Dintero moves the shipping option into the items, where
			// line ids must be unique (N:2597-2602).
			return badRequest("order.shipping_option.line_id %q is also an item's", so.LineID)
		}
		switch so.DeliveryMethod {
		case "", "delivery", "pick_up", "unspecified", "none":
		default:
			return badRequest("order.shipping_option.delivery_method %q is not one of delivery, pick_up, unspecified, none", so.DeliveryMethod)
		}
		if !addAmount(&sum, *so.Amount) {
			return badRequest("order amounts overflow")
		}
	}
	if rules.strictAmounts && *o.Amount != sum && !(o.PartialPayment && *o.Amount <= sum) {
		return badRequest("order.amount %d is not the sum of items and shipping_option (%d)", *o.Amount, sum)
	}
	return nil
}

// Products a Dintero Wallets gift card cannot be combined with
// (N:3320-3327).
var noWalletGiftCards = []string{"vipps", "swish.swish", "klarna.billie", "instabank", "collector", "netaxept"}

// configurationRules reads what an inline configuration (POST /sessions,
// or configuration on a profile session) changes in the checks.
func configurationRules(raw json.RawMessage, o *order) (sessionRules, *apiError) {
	var rules sessionRules
	if len(raw) == 0 {
		return rules, nil
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return rules, badRequest("configuration must be an object")
	}
	// enabled reports a provider block, or a product inside one
	// ("klarna.billie").
	enabled := func(name string) bool {
		provider, product, nested := strings.Cut(name, ".")
		raw, ok := cfg[provider]
		if !ok || !nested {
			return ok
		}
		var products map[string]json.RawMessage
		json.Unmarshal(raw, &products)
		_, ok = products[product]
		return ok
	}
	if enabled("instabank") && len(o.Items) == 0 {
		return rules, badRequest("order.items are required with Instabank") // N:16-19
	}
	if (enabled("instabank") || enabled("collector")) && !o.PartialPayment {
		rules.itemsNeedLineIDs = true
	}
	if len(o.GiftCards) > 0 && string(o.GiftCards) != "[]" && string(o.GiftCards) != "null" {
		for _, p := range noWalletGiftCards {
			if enabled(p) {
				return rules, badRequest("Dintero Wallets gift cards cannot be combined with %s", p)
			}
		}
	}
	return rules, nil
}

// moneyRequest is the body of a capture or refund (N:7800-7839,
// N:7958-7997).
type moneyRequest struct {
	Amount           *int64          `json:"amount"`
	CaptureReference string          `json:"capture_reference"`
	RefundReference  string          `json:"refund_reference"`
	Reason           string          `json:"reason"`
	Items            []item          `json:"items"`
	FinalCapture     bool            `json:"final_capture"`
	Metadata         json.RawMessage `json:"metadata"`
	TerminalID       string          `json:"terminal_id"`
}

// checkMoneyShape checks what needs no transaction: the amount, each
// item's required fields and the metadata rules.
func checkMoneyShape(b *moneyRequest) (map[string]string, *apiError) {
	if b.Amount == nil {
		return nil, badRequest("amount is required")
	}
	if err := checkInt32("amount", *b.Amount); err != nil {
		return nil, err
	}
	for i, it := range b.Items {
		// line_id and amount are required per item (N:7812-7834).
		if it.LineID == "" {
			return nil, badRequest("items[%d].line_id is required", i)
		}
		if it.Amount == nil {
			return nil, badRequest("items[%d].amount is required", i)
		}
		if err := checkInt32(fmt.Sprintf("items[%d].amount", i), *it.Amount); err != nil {
			return nil, err
		}
	}
	return checkEventMetadata(b.Metadata)
}

// checkEventMetadata applies the capture/refund metadata rules: string
// values, keys that start with ext_, key at most 128 and value at most 256
// characters (N:5273-5292).
func checkEventMetadata(raw json.RawMessage) (map[string]string, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, badRequest("metadata must be an object of strings")
	}
	for k, v := range m {
		if !strings.HasPrefix(k, "ext_") {
			return nil, badRequest("metadata key %q must start with ext_", k)
		}
		if utf8.RuneCountInString(k) > 128 || utf8.RuneCountInString(v) > 256 {
			return nil, badRequest("metadata %q: key at most 128 and value at most 256 characters", k)
		}
	}
	return m, nil
}
