package dintero

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// benchServer answers the token route and a transaction read and capture
// with a realistic body, over a real loopback connection.
func benchServer(b testing.TB) *httptest.Server {
	body := []byte(txJSON)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/auth/token") {
			w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":86400}`))
			return
		}
		w.Write(body)
	}))
}

func benchClient(b testing.TB, srv *httptest.Server) *Client {
	c, err := New("T12345678", "id", "secret", WithCheckoutURL(srv.URL+"/v1/"), WithAPIURL(srv.URL+"/v1/"),
		WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkTransactionsGet is the client's read; compare with
// BenchmarkBaselineGet, the same request by hand.
func BenchmarkTransactionsGet(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	c := benchClient(b, srv)
	ctx := context.Background()
	c.Transactions.Get(ctx, "T1", nil) // warm: token and connection
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := c.Transactions.Get(ctx, "T12345678.3YkJXSdSnUBXcmQSzn7uJj", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineGet does what Transactions.Get does with plain
// net/http and encoding/json: no retries, no token cache, no typed errors.
func BenchmarkBaselineGet(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	hc := srv.Client()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/transactions/T12345678.3YkJXSdSnUBXcmQSzn7uJj", nil)
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var tx Transaction
		if err := json.Unmarshal(data, &tx); err != nil {
			b.Fatal(err)
		}
	}
}

var benchCapture = &CaptureRequest{Amount: 33890, CaptureReference: "wc-1001-capture", Items: []Item{
	{ID: "chair-1", LineID: "1", Description: "Stablestol", Quantity: N(1), Amount: 29990, VATAmount: 5998, VAT: N(25)},
	{ID: "pickup", LineID: "shipping", Quantity: N(1), Amount: 3900, VATAmount: 780, VAT: N(25), Type: ItemShipping},
}}

// BenchmarkCapture is the client's capture (validation, encoding, the
// money-moving retry policy); compare with BenchmarkBaselineCapture.
func BenchmarkCapture(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	c := benchClient(b, srv)
	ctx := context.Background()
	c.Transactions.Get(ctx, "T1", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := c.Transactions.Capture(ctx, "T12345678.3YkJXSdSnUBXcmQSzn7uJj", benchCapture); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineCapture is the capture by hand.
func BenchmarkBaselineCapture(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	hc := srv.Client()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		body, _ := json.Marshal(benchCapture)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/transactions/T12345678.3YkJXSdSnUBXcmQSzn7uJj/capture", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var tx Transaction
		if err := json.Unmarshal(data, &tx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenWarm is the cost of authentication on a warm client: the
// cached token, no allocation.
func BenchmarkTokenWarm(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	c := benchClient(b, srv)
	ctx := context.Background()
	if _, err := c.tokens.token(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.tokens.token(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestThousandColdCallersOneToken: 1,000 goroutines on a cold client cause
// exactly one token request.
func TestThousandColdCallersOneToken(t *testing.T) {
	var tokens atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/auth/token") {
			tokens.Add(1)
			w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":86400}`))
			return
		}
		w.Write([]byte(`{"id":"T1"}`))
	}))
	defer srv.Close()
	c := benchClient(t, srv)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := c.tokens.token(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := tokens.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}
