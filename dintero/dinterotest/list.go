package dinterotest

import (
	"encoding/json"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listFilter builds the matcher of GET /v1/transactions from its query
// (N:8166-8240). Array filters take the key repeated; payout_correlation_id
// also takes the comma form its description shows (N:8197-8198). A filter
// on data the server does not model (card_brand, token_id, store_id
// without a store, payout ids) matches nothing, as a real account with no
// such transactions would answer.
func listFilter(q url.Values) (func(*transaction) bool, *apiError) {
	var preds []func(*transaction) bool
	in := func(key string, field func(*transaction) string) {
		if vs, ok := q[key]; ok {
			preds = append(preds, func(tx *transaction) bool { return slices.Contains(vs, field(tx)) })
		}
	}
	eq := func(key string, field func(*transaction) string) {
		if _, ok := q[key]; ok {
			v := q.Get(key)
			preds = append(preds, func(tx *transaction) bool { return field(tx) == v })
		}
	}
	in("id", func(tx *transaction) string { return tx.ID })
	in("payment_product", func(tx *transaction) string { return tx.PaymentProduct })
	in("payment_product_type", func(tx *transaction) string { return tx.PaymentProductType })
	in("session_id", func(tx *transaction) string { return tx.SessionID })
	in("currency", func(tx *transaction) string { return tx.Currency })
	in("store_id", func(tx *transaction) string { return rawField(tx.Store, "id") })
	in("card_brand", func(*transaction) string { return "\x00" })
	in("token_id", func(*transaction) string { return "\x00" })
	eq("merchant_reference", func(tx *transaction) string { return tx.MerchantReference })
	eq("merchant_reference_2", func(tx *transaction) string { return tx.MerchantReference2 })
	eq("payment_operation", func(*transaction) string { return "\x00" })
	eq("payout_destination_id", func(*transaction) string { return "\x00" })
	eq("customer_id", func(tx *transaction) string { return rawField(tx.Customer, "customer_id") })
	if vs, ok := q["status"]; ok {
		for _, v := range vs {
			if !slices.Contains(knownStatuses, v) {
				return nil, badRequest("status %q is not a transaction status", v)
			}
		}
		in("status", func(tx *transaction) string { return tx.Status })
	}
	if vs, ok := q["payout_correlation_id"]; ok {
		var ids []string
		for _, v := range vs {
			ids = append(ids, strings.Split(v, ",")...)
		}
		preds = append(preds, func(tx *transaction) bool {
			id, _ := tx.Metadata["payout_correlation_id"].(string)
			return slices.Contains(ids, id)
		})
	}

	// amount, amount.gte, amount.lte: on the authorized amount.
	for _, key := range []string{"amount", "amount.gte", "amount.lte"} {
		if _, ok := q[key]; !ok {
			continue
		}
		// A number in the spec: 25000, 25000.0 and 2.5e4 are one amount.
		r, ok := new(big.Rat).SetString(strings.TrimSpace(q.Get(key)))
		if !ok || !r.IsInt() || r.Num().BitLen() >= 64 {
			return nil, badRequest("%s must be a whole number of minor units", key)
		}
		n := r.Num().Int64()
		op := key
		preds = append(preds, func(tx *transaction) bool {
			switch op {
			case "amount.gte":
				return tx.Amount >= n
			case "amount.lte":
				return tx.Amount <= n
			}
			return tx.Amount == n
		})
	}

	// Time ranges. created_at is the transaction's; captured_at and
	// refunded_at match when one successful capture (refund) event lies
	// in the whole range (not specified; the spec says "subject to
	// change").
	for _, field := range []string{"created_at", "captured_at", "refunded_at"} {
		from, to, apiErr := timeRange(q, field)
		if apiErr != nil {
			return nil, apiErr
		}
		if from.IsZero() && to.IsZero() {
			continue
		}
		inRange := func(t time.Time) bool {
			return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
		}
		switch field {
		case "created_at":
			preds = append(preds, func(tx *transaction) bool { return inRange(tx.createdAt) })
		default:
			kind := evCapture
			if field == "refunded_at" {
				kind = evRefund
			}
			preds = append(preds, func(tx *transaction) bool {
				return slices.ContainsFunc(tx.Events, func(e event) bool { return e.Event == kind && e.Success && inRange(e.at) })
			})
		}
	}

	// search: transaction or session id, the references, phone, email,
	// "{first_name} {last_name}" (N:8219-8223); case-insensitive and
	// whole values (not specified).
	if _, ok := q["search"]; ok {
		term := strings.ToLower(strings.TrimSpace(q.Get("search")))
		preds = append(preds, func(tx *transaction) bool {
			for _, v := range searchable(tx) {
				if v != "" && strings.ToLower(v) == term {
					return true
				}
			}
			return false
		})
	}

	return func(tx *transaction) bool {
		for _, p := range preds {
			if !p(tx) {
				return false
			}
		}
		return true
	}, nil
}

// searchable lists the values search matches.
func searchable(tx *transaction) []string {
	out := []string{tx.ID, tx.SessionID, tx.MerchantReference, tx.MerchantReference2,
		rawField(tx.Customer, "email"), rawField(tx.Customer, "phone_number")}
	for _, raw := range []json.RawMessage{tx.ShippingAddress, tx.BillingAddress} {
		var a address
		if json.Unmarshal(raw, &a) == nil {
			out = append(out, a.Email, a.PhoneNumber, strings.TrimSpace(a.FirstName+" "+a.LastName))
		}
	}
	return out
}

// timeRange reads field.gte and field.lte: ISO 8601, UTC when no zone is
// given (N:8207-8210).
func timeRange(q url.Values, field string) (from, to time.Time, err *apiError) {
	parse := func(key string) (time.Time, *apiError) {
		if _, ok := q[key]; !ok {
			return time.Time{}, nil
		}
		v := q.Get(key)
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				if layout == "2006-01-02" && strings.HasSuffix(key, ".lte") {
					t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
				}
				return t, nil
			}
		}
		return time.Time{}, badRequest("%s %q is not an ISO 8601 date-time", key, v)
	}
	if from, err = parse(field + ".gte"); err != nil {
		return
	}
	to, err = parse(field + ".lte")
	return
}

// rawField reads a string field of a JSON object kept raw.
func rawField(raw json.RawMessage, key string) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	v, _ := m[key].(string)
	return v
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(s), 10, 64) }
