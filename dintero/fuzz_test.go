package dintero

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzDecodeTransaction: no payload makes decoding or the money helpers
// panic, and the helpers never report negative amounts left.
func FuzzDecodeTransaction(f *testing.F) {
	f.Add([]byte(txJSON))
	f.Add([]byte(`{"status":"NEW_STATUS","amount":-5,"events":[{"event":"CAPTURE","success":true,"amount":9}]}`))
	f.Add([]byte(`{"items":[{"quantity":"2.5","vat":12.5}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tx Transaction
		if json.Unmarshal(b, &tx) != nil {
			return
		}
		if tx.RemainingToCapture() < 0 || tx.RemainingToRefund() < 0 {
			t.Fatalf("negative remaining: %d %d", tx.RemainingToCapture(), tx.RemainingToRefund())
		}
		_ = tx.FindEvent(EventCapture, "x")
		if _, err := json.Marshal(&tx); err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
	})
}

// FuzzParseCallback: any query either parses into a callback naming a
// transaction or session, or fails with ErrBadCallback.
func FuzzParseCallback(f *testing.F) {
	f.Add("transaction_id=T1&sid=S&merchant_reference=1&time=2026-11-29T10%3A00%3A00Z")
	f.Add("session_id=&transaction_id=&error=cancelled")
	f.Add("%zz=%&&==")
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "https://shop.test/cb", nil)
		r.URL.RawQuery = q
		cb, err := ParseCallback(r)
		if err != nil {
			if !errors.Is(err, ErrBadCallback) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if cb.TransactionID == "" && cb.SessionID == "" {
			t.Fatal("accepted a callback naming nothing")
		}
		// Whatever the query, a signature made for it verifies, and one
		// made for another query does not.
		at := time.Unix(1764410400, 0)
		u := &url.URL{Scheme: "https", Host: "shop.test", Path: "/cb", RawQuery: q}
		r.Header.Set(SignatureHeader, SignCallback([]byte("s"), "T12345678", "GET", u, at))
		v := &CallbackVerifier{Secret: []byte("s"), AccountID: "T12345678", PublicURL: u, Now: func() time.Time { return at }}
		if err := v.Verify(r); err != nil {
			t.Fatalf("own signature rejected for %q: %v", q, err)
		}
		r.URL.RawQuery = q + "&x=1"
		if err := v.Verify(r); err == nil {
			t.Fatalf("signature for %q accepted with another query", q)
		}
	})
}
