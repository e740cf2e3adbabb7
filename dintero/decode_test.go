package dintero

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
	"github.com/dinterowoo/dinterowoo/internal/jsonscan/jsonscantest"
)

// sameTransactions checks the fast decoder against encoding/json on b, as
// one transaction and as a list.
func sameTransactions(t *testing.T, b []byte) {
	t.Helper()
	jsonscantest.AgreesWithEncodingJSON(t, b, decTransaction)
	jsonscantest.AgreesWithEncodingJSON(t, b, func(s *jsonscan.Scanner, v *[]*Transaction) error {
		return jsonscan.PtrSlice(s, v, decTransaction)
	})
}

// transactionSeeds: transactions as dinterotest writes them (authorized,
// captured with items, refunded, ON_HOLD, voided, with its session, a
// list), the benchmarks' body, and odd forms.
func transactionSeeds(t testing.TB) [][]byte {
	page, err := os.ReadFile(filepath.Join("testdata", "dinterotest-transactions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var each []json.RawMessage
	if err := json.Unmarshal(page, &each); err != nil {
		t.Fatal(err)
	}
	seeds := [][]byte{page, []byte(txJSON)}
	for _, e := range each {
		seeds = append(seeds, e)
	}
	for _, s := range []string{
		`{"id":"T1","amount":100,"items":[{"quantity":"2","vat":12.5,"amount":100}],"events":[{"event":"CAPTURE","success":true,"amount":100,"created_at":"2026-01-02T03:04:05Z","calculated_vat_amount":null}]}`,
		`{"created_at":null,"metadata":{"a":1},"card":null,"session":{"id":"s"},"url":{"callback_url":"x"},"customer":null}`,
		`{"id":"T1","id":"T2"}`, `{"amount":1.5}`, `{"items":[{"quantity":"1e2"}]}`, `{"Status":"CAPTURED"}`, `[null]`, `null`,
		`{"events":[{"error":{"code":"E","type":["a"]},"correction":{"amount":5},"request_headers":{"user-agent":"x"}}]}`,
		`{"shipping_option":{"id":"flat_rate:1","line_id":"shipping_method_1","amount":9900,"vat_amount":1980,"vat":25,"title":"Posten","operator":"Posten","delivery_method":"pick_up","operator_product_id":"3067","pick_up_address":{"first_name":"Ola","postal_code":"0150","country":"NO"}}}`,
		`{"shipping_option":null}`, `{"shipping_option":{"amount":"1"}}`, `{"shipping_option":{"vat":null,"pick_up_address":null}}`,
		`{"metadata":{"ext_a":{"b":[1,2.5,"x",null,true]},"ext_a":"again"},"initiating_system_request_headers":{"user-agent":"u","user-agent":"v"}}`,
		`{"metadata":null,"initiating_system_request_headers":{"x":1}}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func TestFastTransactionDecoderAgreesOnSeeds(t *testing.T) {
	for _, b := range transactionSeeds(t) {
		sameTransactions(t, b)
	}
	// What dinterotest writes (transactions, and a list) takes the fast
	// path.
	page, _ := os.ReadFile(filepath.Join("testdata", "dinterotest-transactions.json"))
	var each []json.RawMessage
	json.Unmarshal(page, &each)
	for _, b := range each {
		s := jsonscan.New(b)
		var err error
		if b[0] == '[' {
			var txs []*Transaction
			err = jsonscan.PtrSlice(s, &txs, decTransaction)
		} else {
			var tx Transaction
			err = decTransaction(s, &tx)
		}
		if err != nil || s.End() != nil {
			t.Fatalf("dinterotest's %.80s… left the fast path: %v", b, err)
		}
	}
}

// TestFastDecoderKnowsEveryField: a field added to Transaction, Item,
// TransactionEvent or ShippingOption must be read by the fast decoder too,
// or it would be silently empty on the fast path.
func TestFastDecoderKnowsEveryField(t *testing.T) {
	jsonscantest.KnowsEveryField(t, "decode.go", jsonscantest.Decoder{Type: Transaction{}, Func: "decTransaction"},
		jsonscantest.Decoder{Type: Item{}, Func: "decItem"}, jsonscantest.Decoder{Type: TransactionEvent{}, Func: "decEvent"},
		jsonscantest.Decoder{Type: ShippingOption{}, Func: "decShippingOption"})
}

// FuzzFastTransactionDecoder: on any input, the fast decoder gives up or
// gives exactly what encoding/json gives.
func FuzzFastTransactionDecoder(f *testing.F) {
	for _, b := range transactionSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameTransactions(t, b)
	})
}
