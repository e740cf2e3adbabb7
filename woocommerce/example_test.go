package woocommerce_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

func order() wctest.OrderSpec {
	return wctest.OrderSpec{Currency: "NOK", Status: woocommerce.StatusProcessing,
		Lines: []wctest.LineSpec{{Name: "Chair", Quantity: 2, UnitPrice: decimal.RequireFromString("1000"),
			TaxRate: decimal.RequireFromString("25")}},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: decimal.RequireFromString("79.20"), TaxRate: decimal.RequireFromString("25")}},
	}
}

func ExampleNew() {
	store := wctest.NewServer(wctest.WithoutSSL()) // plain HTTP: OAuth 1.0a
	defer store.Close()
	key, secret := store.Key()
	c, err := woocommerce.New(store.URL, key, secret)
	if err != nil {
		fmt.Println(err)
		return
	}
	o := store.SeedOrder(order())
	got, _, err := c.Orders.Get(context.Background(), o.ID, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Status, got.Total, got.Currency)
	// Output: processing 2599 NOK
}

func ExampleOrdersService_ListIter() {
	store := wctest.NewServer()
	defer store.Close()
	for range 250 {
		store.SeedOrder(order())
	}
	c, _ := store.Client()
	total := decimal.Zero
	n := 0
	for o, err := range c.Orders.ListIter(context.Background(), &woocommerce.OrderListOptions{
		Statuses: []woocommerce.Status{woocommerce.StatusProcessing},
	}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
		total = total.Add(o.Total)
	}
	fmt.Println(n, "orders,", total.StringFixed(2), "NOK in", store.Requests(wctest.RouteListOrders), "requests")
	// Output: 250 orders, 649750.00 NOK in 3 requests
}

func ExampleRefundsService_Create() {
	store := wctest.NewServer()
	defer store.Close()
	c, _ := store.Client()
	o := store.SeedOrder(order())
	chair := o.LineItems[0]

	// Record that one chair was refunded elsewhere (RecordOnly: WooCommerce
	// must not call a gateway), with a marker to recognise the record.
	ref, _, err := c.Refunds.Create(context.Background(), o.ID, &woocommerce.RefundRequest{
		Amount:  decimal.RequireFromString("1250"),
		Reason:  "Refund via Dintero",
		Gateway: woocommerce.RecordOnly,
		LineItems: []woocommerce.RefundLine{{
			ItemID: chair.ID, Quantity: 1, Total: decimal.RequireFromString("1000"),
			Taxes: []woocommerce.RefundTax{{RateID: int64(chair.Taxes[0].ID), Amount: decimal.RequireFromString("250")}},
		}},
		MetaData: []woocommerce.Meta{woocommerce.MetaString("_my_refund_ref", "order-1-refund-1")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	after, _, _ := c.Orders.Get(context.Background(), o.ID, nil)
	fmt.Println("refunded", ref.Amount.StringFixed(2), "left", after.RemainingRefundable().StringFixed(2))
	// Output: refunded 1250.00 left 1349.00
}

func ExampleWebhookHandler() {
	const secret = "my-webhook-secret"
	handler, err := woocommerce.WebhookHandler(secret, func(ctx context.Context, d *woocommerce.Delivery) error {
		o, err := d.Order()
		if err != nil {
			return err
		}
		// A delivery is a hint: read the order again before acting.
		fmt.Println(d.Topic, "order", o.ID, o.Status)
		return nil
	})
	if err != nil { // an empty secret, as os.Getenv of an unset variable gives
		fmt.Println(err)
		return
	}

	body := `{"id":727,"status":"completed"}`
	r := httptest.NewRequest(http.MethodPost, "/hooks/woocommerce", strings.NewReader(body))
	r.Header.Set(woocommerce.HeaderTopic, "order.updated")
	r.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook([]byte(body), secret))
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Println(w.Code)

	forged := httptest.NewRequest(http.MethodPost, "/hooks/woocommerce", strings.NewReader(body))
	forged.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook([]byte(body), "guess"))
	w = httptest.NewRecorder()
	handler.ServeHTTP(w, forged)
	fmt.Println(w.Code)
	// Output:
	// order.updated order 727 completed
	// 200
	// 401
}
