package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func addFixtures(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fixtures", "*.json"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
}

// FuzzDecode: no payload makes decoding panic, and what decodes re-encodes
// and decodes to the same money.
func FuzzDecode(f *testing.F) {
	addFixtures(f)
	f.Add([]byte(`{"total":29.35,"line_items":[{"taxes":[{"id":"7","total":"","subtotal":null}],"price":1e400}]}`))
	f.Add([]byte(`{"date_created_gmt":"2017-03-22T19:28:02+05:00","meta_data":[{"value":{"a":[1]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Order
		if json.Unmarshal(b, &o) == nil {
			again, err := json.Marshal(&o)
			if err != nil {
				t.Fatalf("re-encoding %+v: %v", o, err)
			}
			var back Order
			if err := json.Unmarshal(again, &back); err != nil {
				t.Fatalf("re-decoding %s: %v", again, err)
			}
			if !back.Total.Equal(o.Total) || len(back.LineItems) != len(o.LineItems) {
				t.Fatalf("round trip changed the order: %s -> %s", o.Total, back.Total)
			}
		}
		var r Refund
		_ = json.Unmarshal(b, &r)
		var n []Note
		_ = json.Unmarshal(b, &n)
	})
}

// FuzzWebhook: verification and parsing never panic, and nothing
// unsigned gets through except the form-encoded ping.
func FuzzWebhook(f *testing.F) {
	body, _ := os.ReadFile(filepath.Join("testdata", "fixtures", "orders--retrieve-an-order--1.json"))
	f.Add(body, SignWebhook(body, "s"), "application/json", "order.updated")
	f.Add([]byte("webhook_id=12"), "", "application/x-www-form-urlencoded", "")
	f.Add([]byte(`{"id":1}`), "not base64!", "application/json", "order.deleted")
	f.Fuzz(func(t *testing.T, body []byte, sig, ctype, topic string) {
		r := httptest.NewRequest("POST", "/hook", bytes.NewReader(body))
		r.Header.Set(HeaderSignature, sig)
		r.Header.Set("Content-Type", ctype)
		r.Header.Set(HeaderTopic, topic)
		d, err := ParseDelivery(r, "s", 1<<16)
		if err != nil {
			if !errors.Is(err, ErrSignatureInvalid) && !errors.Is(err, ErrSignatureMissing) && !errors.Is(err, ErrBadDelivery) && !errors.Is(err, ErrDeliveryTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !d.Ping && VerifyWebhookSignature(body, sig, "s") != nil {
			t.Fatal("an unsigned delivery was accepted")
		}
		_, _ = d.Order()
	})
}
