package woocommerce

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/peerbench"
)

// orderPage is a page of 100 full orders as the in-process store writes
// them (testdata/wctest-orders-page.json, two orders with escaped
// non-ASCII names and a surrogate pair, repeated).
func orderPage(b *testing.B) []byte {
	b.Helper()
	two, err := os.ReadFile(filepath.Join("testdata", "wctest-orders-page.json"))
	if err != nil {
		b.Fatal(err)
	}
	inner := bytes.TrimSuffix(bytes.TrimPrefix(bytes.TrimSpace(two), []byte("[")), []byte("]"))
	page := []byte("[")
	for i := range 50 {
		if i > 0 {
			page = append(page, ',')
		}
		page = append(page, inner...)
	}
	return append(page, ']')
}

// BenchmarkDecodeOrderPage decodes one page of 100 orders: as the client
// does, as it did with encoding/json, and, in the same run, into a float
// struct shaped like hiscaler/woocommerce-go's with json-iterator (the
// target).
func BenchmarkDecodeOrderPage(b *testing.B) {
	page := orderPage(b)
	b.Run("dinterowoo", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []*Order
			if err := (ordersBody{&orders}).DecodeBody(page); err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []*Order
			if err := json.Unmarshal(page, &orders); err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
	b.Run("peer-jsoniter-float", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []peerbench.Order
			if err := peerbench.Decode(page, &orders); err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
}
