package peerbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/dinterowoo/dinterowoo/internal/peerbench"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/jarcoal/httpmock"
)

// orderPage is a page of 100 full orders as the in-process store writes
// them (woocommerce/testdata/wctest-orders-page.json, two orders with
// escaped non-ASCII names and a surrogate pair, repeated).
func orderPage(b *testing.B) []byte {
	b.Helper()
	two, err := os.ReadFile(filepath.Join("..", "..", "woocommerce", "testdata", "wctest-orders-page.json"))
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

// BenchmarkDecodeOrderPage: one page of 100 orders read by dinterowoo's
// client (Orders.List over an in-memory transport, so the call's own work
// is counted too), decoded with encoding/json into the same exact types
// (what the client did before), and decoded as hiscaler/woocommerce-go
// decodes into its float struct (the target), in the same run.
//
//	go test ./internal/peerbench -run '^$' -bench DecodeOrderPage -benchmem -count 5
func BenchmarkDecodeOrderPage(b *testing.B) {
	page := orderPage(b)
	b.Run("dinterowoo", func(b *testing.B) {
		mt := httpmock.NewMockTransport()
		mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
			return httpmock.NewBytesResponse(http.StatusOK, page), nil
		})
		wc, err := woocommerce.New("https://shop.test/", "ck_bench", "cs_bench", woocommerce.WithHTTPClient(&http.Client{Transport: mt}))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		opts := &woocommerce.OrderListOptions{PerPage: 100}
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			orders, _, err := wc.Orders.List(ctx, opts)
			if err != nil || len(orders) != 100 {
				b.Fatal(len(orders), err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var orders []*woocommerce.Order
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
