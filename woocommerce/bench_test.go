package woocommerce

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func benchStore(b *testing.B) *httptest.Server {
	body, err := os.ReadFile(filepath.Join("testdata", "fixtures", "orders--retrieve-an-order--1.json"))
	if err != nil {
		b.Fatal(err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}

// BenchmarkOrdersGet is the client's order read; compare with
// BenchmarkBaselineOrderGet.
func BenchmarkOrdersGet(b *testing.B) {
	srv := benchStore(b)
	defer srv.Close()
	c, err := New(srv.URL, "ck", "cs", WithAuth(AuthBasic), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Orders.Get(ctx, 727, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineOrderGet reads the order with plain net/http and
// encoding/json into the same type.
func BenchmarkBaselineOrderGet(b *testing.B) {
	srv := benchStore(b)
	defer srv.Close()
	hc := srv.Client()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/wp-json/wc/v3/orders/727", nil)
		req.SetBasicAuth("ck", "cs")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var o Order
		if err := json.Unmarshal(data, &o); err != nil {
			b.Fatal(err)
		}
	}
}
