package wctest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
)

// TestEveryServiceSignedInEveryPermalinkMode runs every call of the
// client's services with OAuth 1.0a against the store in each permalink
// mode WooCommerce has: pretty, plain (?rest_route=), WordPress in a
// subdirectory (both forms) and a custom REST prefix. The store checks
// each signature with its own implementation of WooCommerce's algorithm
// (see TestOAuthCheckAcceptsPHPVectors), so a request the client signs
// differently from WooCommerce fails here.
func TestEveryServiceSignedInEveryPermalinkMode(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer hook.Close()
	for _, m := range []struct {
		name  string
		store []wctest.Option
		opts  []woocommerce.Option
	}{
		{"pretty", nil, nil},
		{"plain", nil, []woocommerce.Option{woocommerce.WithQueryRouting()}},
		{"subdirectory, pretty", []wctest.Option{wctest.WithHomePath("/shop/")}, nil},
		{"subdirectory, plain", []wctest.Option{wctest.WithHomePath("/shop/")}, []woocommerce.Option{woocommerce.WithQueryRouting()}},
		{"custom prefix", []wctest.Option{wctest.WithRESTPrefix("api")}, nil},
	} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			s := wctest.NewServer(append([]wctest.Option{wctest.WithoutSSL()}, m.store...)...)
			defer s.Close()
			c, err := s.Client(append([]woocommerce.Option{fastRetry, woocommerce.WithSignatureMethod(woocommerce.HMACSHA1)}, m.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			o := s.SeedOrder(confSpec())
			other := s.SeedOrder(confSpec())
			must := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			_, _, err = c.Orders.Get(ctx, o.ID, nil)
			must("Orders.Get", err)
			list, resp, err := c.Orders.List(ctx, &woocommerce.OrderListOptions{PerPage: 1, Include: []int64{o.ID, other.ID},
				Statuses: []woocommerce.Status{woocommerce.StatusProcessing, woocommerce.StatusOnHold}, Search: "kari example.com"})
			must("Orders.List", err)
			_ = list
			if resp.Total != 0 && resp.NextPage == 0 {
				t.Errorf("NextPage lost: %+v", resp)
			}
			n := 0
			for _, err := range c.Orders.ListIter(ctx, &woocommerce.OrderListOptions{PerPage: 1, Include: []int64{o.ID, other.ID},
				Statuses: []woocommerce.Status{woocommerce.StatusProcessing, woocommerce.StatusOnHold}}) {
				must("Orders.ListIter", err)
				n++
			}
			if n != 2 {
				t.Errorf("ListIter saw %d orders, want 2", n)
			}
			note := "paid"
			_, _, err = c.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{CustomerNote: &note, MetaData: []woocommerce.Meta{woocommerce.MetaString("k", "v")}})
			must("Orders.Update", err)
			_, _, err = c.Orders.SetStatus(ctx, other.ID, woocommerce.StatusOnHold)
			must("Orders.SetStatus", err)
			_, _, err = c.Orders.Batch(ctx, &woocommerce.OrderBatch{Update: []woocommerce.OrderBatchUpdate{{ID: other.ID}}})
			must("Orders.Batch", err)
			n1, _, err := c.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: "hello"})
			must("Notes.Create", err)
			_, _, err = c.Notes.List(ctx, o.ID, "")
			must("Notes.List", err)
			_, err = c.Notes.Delete(ctx, o.ID, n1.ID)
			must("Notes.Delete", err)
			r, _, err := c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("10"), Gateway: woocommerce.RecordOnly})
			must("Refunds.Create", err)
			_, _, err = c.Refunds.List(ctx, o.ID, nil)
			must("Refunds.List", err)
			_, _, err = c.Refunds.Get(ctx, o.ID, r.ID)
			must("Refunds.Get", err)
			_, err = c.Refunds.Delete(ctx, o.ID, r.ID)
			must("Refunds.Delete", err)
			h, _, err := c.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated", DeliveryURL: hook.URL})
			must("Webhooks.Create", err)
			_, _, err = c.Webhooks.List(ctx, nil)
			must("Webhooks.List", err)
			_, _, err = c.Webhooks.Get(ctx, h.ID)
			must("Webhooks.Get", err)
			_, _, err = c.Webhooks.Update(ctx, h.ID, &woocommerce.WebhookRequest{Name: "renamed"})
			must("Webhooks.Update", err)
			_, err = c.Webhooks.Delete(ctx, h.ID)
			must("Webhooks.Delete", err)
			if err := s.DecodeError(); err != nil {
				t.Error(err)
			}
		})
	}
}
