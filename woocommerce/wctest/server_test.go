package wctest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

var fastRetry = woocommerce.WithRetry(woocommerce.RetryPolicy{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond})

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func newStore(t *testing.T, opts ...wctest.Option) (*wctest.Server, *woocommerce.Client) {
	t.Helper()
	s := wctest.NewServer(opts...)
	t.Cleanup(s.Close)
	c, err := s.Client(fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// norwegianOrder: two products at 25 %, one at 15 %, shipping at 25 %.
func norwegianOrder() wctest.OrderSpec {
	return wctest.OrderSpec{
		Currency: "NOK", Status: woocommerce.StatusProcessing, TransactionID: "T12345678.abc",
		Lines: []wctest.LineSpec{
			{Name: "Chair", Quantity: 2, UnitPrice: d("1000.00"), TaxRate: d("25")},
			{Name: "Lamp", Quantity: 1, UnitPrice: d("399.20"), TaxRate: d("25")},
			{Name: "Cookbook", Quantity: 3, UnitPrice: d("86.96"), TaxRate: d("15")},
		},
		Shipping: []wctest.ShippingSpec{{Title: "Posten", Total: d("79.20"), TaxRate: d("25")}},
	}
}

func TestSeededOrderTotals(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	seeded := s.SeedOrder(norwegianOrder())
	o, _, err := c.Orders.Get(context.Background(), seeded.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 2660.08 net + 638.93 tax (500 + 99.80 + 39.13, each line's tax
	// rounded, WooCommerce's default) + shipping 79.20 + 19.80.
	for what, c := range map[string][2]decimal.Decimal{
		"total":     {o.Total, d("3398.01")},
		"total_tax": {o.TotalTax, d("658.73")},
		"cart_tax":  {o.CartTax, d("638.93")},
		"shipping":  {o.ShippingTotal, d("79.20")},
		"line tax":  {o.LineItems[2].TotalTax, d("39.13")},
		"rate tax":  {o.LineItems[2].Taxes[0].Total, d("39.13")},
	} {
		if !c[0].Equal(c[1]) {
			t.Errorf("%s = %s, want %s", what, c[0], c[1])
		}
	}
	if len(o.TaxLines) != 2 || o.PaymentMethod != "dintero_checkout" || o.TransactionID != "T12345678.abc" {
		t.Errorf("order: %+v", o)
	}
}

func TestOAuthAgainstStore(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, wctest.WithoutSSL())
	s.SeedOrder(norwegianOrder())
	key, secret := s.Key()
	ctx := context.Background()
	for _, sm := range []woocommerce.SignatureMethod{woocommerce.HMACSHA256, woocommerce.HMACSHA1} {
		c, _ := woocommerce.New(s.URL, key, secret, woocommerce.WithSignatureMethod(sm), fastRetry)
		// A search with a space, "~", "+" and unicode, and a comma list.
		_, _, err := c.Orders.List(ctx, &woocommerce.OrderListOptions{Search: "jo hn~+æ",
			Statuses: []woocommerce.Status{woocommerce.StatusProcessing, woocommerce.StatusOnHold}})
		if err != nil {
			t.Errorf("%s: %v", sm, err)
		}
		cq, _ := woocommerce.New(s.URL, key, secret, woocommerce.WithQueryRouting(), woocommerce.WithSignatureMethod(sm), fastRetry)
		if _, _, err := cq.Orders.List(ctx, nil); err != nil {
			t.Errorf("%s with rest_route: %v", sm, err)
		}
	}
	// Basic is ignored without SSL, as WooCommerce does.
	basic, _ := woocommerce.New(s.URL, key, secret, woocommerce.WithAuth(woocommerce.AuthBasic))
	_, _, err := basic.Orders.List(ctx, nil)
	var apiErr *woocommerce.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Code != "woocommerce_rest_cannot_view" {
		t.Errorf("basic without ssl: %v", err)
	}
}

func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s, _ := newStore(t, wctest.WithoutSSL(), wctest.WithClock(func() time.Time { return now }))
	key, secret := s.Key()
	ctx := context.Background()
	check := func(name string, c *woocommerce.Client, wantMsg string) {
		t.Helper()
		_, _, err := c.Orders.List(ctx, nil)
		var apiErr *woocommerce.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Message != wantMsg {
			t.Errorf("%s: err = %v, want %q", name, err, wantMsg)
		}
	}
	bad, _ := woocommerce.New(s.URL, key, "cs_wrong", fastRetry)
	check("bad signature", bad, "Invalid signature - provided signature does not match.")
	old, _ := woocommerce.New(s.URL, key, secret, fastRetry, woocommerce.WithOAuthClock(func() time.Time { return now.Add(-16 * time.Minute) }, nil))
	check("old timestamp", old, "Invalid timestamp.")
	fixedNonce := func() string { return "same-nonce" }
	replay, _ := woocommerce.New(s.URL, key, secret, fastRetry, woocommerce.WithOAuthClock(nil, fixedNonce))
	if _, _, err := replay.Orders.List(ctx, nil); err != nil {
		t.Fatalf("first use of a nonce: %v", err)
	}
	check("reused nonce", replay, "Invalid nonce - nonce has already been used.")
	other, _ := woocommerce.New(s.URL, "ck_other", secret, fastRetry)
	check("unknown key", other, "Consumer key is invalid.")
	// A hand-made request with a tampered query fails the signature.
	u, _ := url.Parse(s.URL + "wp-json/wc/v3/orders?per_page=5")
	(&woocommerce.OAuthSigner{ConsumerKey: key, ConsumerSecret: secret}).Sign("GET", u)
	u.RawQuery = strings.Replace(u.RawQuery, "per_page=5", "per_page=6", 1)
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "provided signature does not match") {
		t.Errorf("tampered query: %d %s", resp.StatusCode, body)
	}
}

func TestBasicAndQueryAuthWithSSL(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	key, _ := s.Key()
	if _, _, err := c.Orders.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	q, _ := woocommerce.New(s.URL, key, wctest.DefaultSecret, woocommerce.WithAuth(woocommerce.AuthQueryString))
	if _, _, err := q.Orders.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	wrong, _ := woocommerce.New(s.URL, key, "cs_nope", woocommerce.WithAuth(woocommerce.AuthBasic))
	_, _, err := wrong.Orders.List(context.Background(), nil)
	if !errors.Is(err, woocommerce.ErrAuthentication) {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestListPaginationOver250Orders(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	for i := range 250 {
		spec := norwegianOrder()
		if i%5 == 0 {
			spec.Status = woocommerce.StatusCompleted
		}
		s.SeedOrder(spec)
	}
	ctx := context.Background()
	page, resp, err := c.Orders.List(ctx, &woocommerce.OrderListOptions{PerPage: 100, Page: 3})
	if err != nil || len(page) != 50 || resp.Total != 250 || resp.TotalPages != 3 || resp.NextPage != 0 {
		t.Fatalf("page 3: %d orders, %+v, %v", len(page), resp, err)
	}
	seen := map[int64]bool{}
	for o, err := range c.Orders.ListIter(ctx, &woocommerce.OrderListOptions{PerPage: 100, OrderBy: "id", Order: "asc"}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[o.ID] {
			t.Fatalf("order %d listed twice", o.ID)
		}
		seen[o.ID] = true
	}
	if len(seen) != 250 || s.Requests(wctest.RouteListOrders) != 4 {
		t.Errorf("listed %d orders in %d requests", len(seen), s.Requests(wctest.RouteListOrders))
	}
	n := 0
	for o, err := range c.Orders.ListIter(ctx, &woocommerce.OrderListOptions{Statuses: []woocommerce.Status{woocommerce.StatusCompleted}}) {
		if err != nil || o.Status != woocommerce.StatusCompleted {
			t.Fatalf("%v %v", o, err)
		}
		n++
	}
	if n != 50 {
		t.Errorf("completed orders: %d", n)
	}
	if _, _, err := c.Orders.List(ctx, &woocommerce.OrderListOptions{Fields: []string{"id", "status"}}); err != nil {
		t.Errorf("_fields: %v", err)
	}
}

func TestModifiedAfterFilter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, c := newStore(t, wctest.WithClock(clock))
	a := s.SeedOrder(norwegianOrder())
	s.SeedOrder(norwegianOrder())
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	s.SetStatus(a.ID, woocommerce.StatusCompleted)
	list, _, err := c.Orders.List(context.Background(), &woocommerce.OrderListOptions{ModifiedAfter: now.Add(-time.Minute)})
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("modified_after: %v %v", list, err)
	}
}

func TestStatusChangeWritesNote(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	o := s.SeedOrder(norwegianOrder())
	ctx := context.Background()
	got, _, err := c.Orders.SetStatus(ctx, o.ID, woocommerce.StatusCompleted)
	if err != nil || got.Status != woocommerce.StatusCompleted || got.DateCompleted.IsZero() {
		t.Fatalf("order %+v err %v", got, err)
	}
	notes, _, _ := c.Notes.List(ctx, o.ID, woocommerce.NotesAny)
	if len(notes) != 1 || notes[0].Note != "Order status changed from Processing to Completed." || notes[0].Author != "system" {
		t.Errorf("notes = %+v", notes)
	}
	// The same status again is a no-op: no second note.
	c.Orders.SetStatus(ctx, o.ID, woocommerce.StatusCompleted)
	if n := len(s.Notes(o.ID)); n != 1 {
		t.Errorf("notes after repeating the status: %d", n)
	}
	// Meta upsert and delete.
	got, _, err = c.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{MetaData: []woocommerce.Meta{
		woocommerce.MetaString("_a", "1"), woocommerce.MetaString("_b", "2")}})
	if err != nil || len(got.MetaData) != 2 {
		t.Fatalf("meta add: %+v %v", got.MetaData, err)
	}
	got, _, _ = c.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{MetaData: []woocommerce.Meta{
		woocommerce.MetaString("_a", "3"), woocommerce.MetaDelete("_b")}})
	if m, ok := got.Meta("_a"); len(got.MetaData) != 1 || !ok || m.StringValue() != "3" {
		t.Errorf("meta upsert/delete: %+v", got.MetaData)
	}
	// Unknown status and unknown order are typed errors.
	if _, _, err := c.Orders.SetStatus(ctx, o.ID, "bogus"); !errors.Is(err, woocommerce.ErrInvalidParam) {
		t.Errorf("bogus status: %v", err)
	}
	if _, _, err := c.Orders.Get(ctx, 999999, nil); !errors.Is(err, woocommerce.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
}

func TestRefundRecordedWithItemsAndTaxes(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	o := s.SeedOrder(norwegianOrder())
	ctx := context.Background()
	chair, book, ship := o.LineItems[0], o.LineItems[2], o.ShippingLines[0]
	// One chair (1000 + 250 tax), one cookbook (86.96 + 13.044 tax) and the
	// shipping (79.20 + 19.80).
	req := &woocommerce.RefundRequest{
		Amount: d("1449.004"), Reason: "Refund via Dintero", Gateway: woocommerce.RecordOnly,
		LineItems: []woocommerce.RefundLine{
			{ItemID: chair.ID, Quantity: 1, Total: d("1000"), Taxes: []woocommerce.RefundTax{{RateID: int64(chair.Taxes[0].ID), Amount: d("250")}}},
			{ItemID: book.ID, Quantity: 1, Total: d("86.96"), Taxes: []woocommerce.RefundTax{{RateID: int64(book.Taxes[0].ID), Amount: d("13.044")}}},
			{ItemID: ship.ID, Total: d("79.20"), Taxes: []woocommerce.RefundTax{{RateID: int64(ship.Taxes[0].ID), Amount: d("19.80")}}},
		},
		MetaData: []woocommerce.Meta{woocommerce.MetaString("_dinterowoo_refund", "ref-1")},
	}
	ref, _, err := c.Refunds.Create(ctx, o.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if !ref.Amount.Equal(d("1449.00")) || ref.RefundedPayment || len(ref.LineItems) != 2 || len(ref.ShippingLines) != 1 {
		t.Fatalf("refund = %+v", ref)
	}
	if !ref.LineItems[0].Quantity.Equal(d("-1")) || !ref.LineItems[0].Total.Equal(d("-1000")) {
		t.Errorf("negative copy: %+v", ref.LineItems[0])
	}
	if m, ok := woocommerce.FindMeta(ref.LineItems[0].MetaData, "_refunded_item_id"); !ok || m.StringValue() != fmt.Sprint(chair.ID) {
		t.Errorf("_refunded_item_id: %+v", ref.LineItems[0].MetaData)
	}
	after, _, _ := c.Orders.Get(ctx, o.ID, nil)
	if !after.RemainingRefundable().Equal(d("1949.01")) || after.Status != woocommerce.StatusProcessing {
		t.Errorf("remaining %s, status %s", after.RemainingRefundable(), after.Status)
	}
	list, _, _ := c.Refunds.List(ctx, o.ID, nil)
	if len(list) != 1 {
		t.Fatalf("refunds listed: %d", len(list))
	}
	if m, ok := list[0].Meta("_dinterowoo_refund"); !ok || m.StringValue() != "ref-1" {
		t.Errorf("marker not stored: %+v", list[0].MetaData)
	}
	// More than is left is refused with WooCommerce's bare-int error.
	_, _, err = c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("1949.02"), Gateway: woocommerce.RecordOnly})
	var apiErr *woocommerce.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 || apiErr.Message != "Invalid refund amount." || string(apiErr.Data) != "500" {
		t.Errorf("over-refund: %v", err)
	}
	// Refunding more chairs than were bought is refused too.
	_, _, err = c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("2500"), Gateway: woocommerce.RecordOnly,
		LineItems: []woocommerce.RefundLine{{ItemID: chair.ID, Quantity: 2, Total: d("2000"), Taxes: []woocommerce.RefundTax{{RateID: int64(chair.Taxes[0].ID), Amount: d("500")}}}}})
	if !errors.Is(err, woocommerce.ErrRefundRefused) {
		t.Errorf("over-quantity: %v", err)
	}
	// The rest: the order becomes refunded.
	if _, _, err := c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("1949.01"), Gateway: woocommerce.RecordOnly}); err != nil {
		t.Fatal(err)
	}
	final, _, _ := c.Orders.Get(ctx, o.ID, nil)
	if final.Status != woocommerce.StatusRefunded || !final.RemainingRefundable().IsZero() {
		t.Errorf("after full refund: %s, %s left", final.Status, final.RemainingRefundable())
	}
	// Deleting a refund record gives the money back to "refundable".
	if _, err := c.Refunds.Delete(ctx, o.ID, ref.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Order(o.ID); !got.RemainingRefundable().Equal(d("1449.00")) {
		t.Errorf("after delete: %s", got.RemainingRefundable())
	}
}

func TestRefundGateway(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var asked []string
	gw := wctest.GatewayFunc(func(_ context.Context, o woocommerce.Order, amount decimal.Decimal, reason string) error {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, amount.String())
		if amount.GreaterThan(d("100")) {
			return errors.New("Dintero refused the refund")
		}
		return nil
	})
	s, c := newStore(t, wctest.WithGateway(gw))
	o := s.SeedOrder(norwegianOrder())
	ctx := context.Background()
	ref, _, err := c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("50"), Gateway: woocommerce.RefundAtGateway})
	if err != nil || !ref.RefundedPayment {
		t.Fatalf("gateway refund: %+v %v", ref, err)
	}
	_, _, err = c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("150"), Gateway: woocommerce.RefundAtGateway})
	var apiErr *woocommerce.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "Dintero refused the refund" {
		t.Fatalf("refused refund: %v", err)
	}
	if n := len(s.Refunds(o.ID)); n != 1 {
		t.Errorf("a refused refund left its record: %d records", n)
	}
	// Without a gateway, api_refund fails as WooCommerce does.
	s2, c2 := newStore(t)
	o2 := s2.SeedOrder(norwegianOrder())
	_, _, err = c2.Refunds.Create(ctx, o2.ID, &woocommerce.RefundRequest{Amount: d("1"), Gateway: woocommerce.RefundAtGateway})
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "does not support automatic refunds") {
		t.Errorf("no gateway: %v", err)
	}
}

func TestStatusRefundedCreatesAutomaticRefund(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	o := s.SeedOrder(norwegianOrder())
	ctx := context.Background()
	c.Refunds.Create(ctx, o.ID, &woocommerce.RefundRequest{Amount: d("100"), Gateway: woocommerce.RecordOnly})
	if _, _, err := c.Orders.SetStatus(ctx, o.ID, woocommerce.StatusRefunded); err != nil {
		t.Fatal(err)
	}
	refunds := s.Refunds(o.ID)
	if len(refunds) != 2 || !refunds[1].Amount.Equal(d("3298.01")) || refunds[1].RefundedPayment {
		t.Fatalf("automatic refund: %+v", refunds)
	}
	// woocommerce_behaviour.md §4: an amount alone, the reason "Order
	// fully refunded.", then core's note, then the status note.
	if refunds[1].Reason != "Order fully refunded." || len(refunds[1].LineItems)+len(refunds[1].ShippingLines)+len(refunds[1].FeeLines) != 0 {
		t.Errorf("automatic refund reason/lines: %q %d", refunds[1].Reason, len(refunds[1].LineItems))
	}
	notes := s.Notes(o.ID)
	if notes[len(notes)-2].Note != "Order status set to refunded. To return funds to the customer you will need to issue a refund through your payment gateway." ||
		notes[len(notes)-1].Note != "Order status changed from Processing to Refunded." {
		t.Errorf("notes: %+v", notes)
	}
	// A refund of everything moves the order to Refunded itself, with
	// nothing left: no automatic record (woocommerce_behaviour.md §3-4).
	o2 := s.SeedOrder(norwegianOrder())
	c.Refunds.Create(ctx, o2.ID, &woocommerce.RefundRequest{Amount: o2.Total, Gateway: woocommerce.RecordOnly})
	got, _ := s.Order(o2.ID)
	if n := len(s.Refunds(o2.ID)); n != 1 || got.Status != woocommerce.StatusRefunded {
		t.Errorf("fully refunded order: %d records, status %s", n, got.Status)
	}
}

func TestRefundDroppedConnection(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	o := s.SeedOrder(norwegianOrder())
	s.InjectFault(wctest.RouteCreateRefund, wctest.Fault{DropAfterCommit: true, Times: 1})
	_, _, err := c.Refunds.Create(context.Background(), o.ID, &woocommerce.RefundRequest{Amount: d("10"), Gateway: woocommerce.RecordOnly,
		MetaData: []woocommerce.Meta{woocommerce.MetaString("_dinterowoo_refund", "r-9")}})
	if !errors.Is(err, woocommerce.ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	if n := s.Requests(wctest.RouteCreateRefund); n != 1 {
		t.Errorf("refund create sent %d times", n)
	}
	list, _, _ := c.Refunds.List(context.Background(), o.ID, nil)
	if len(list) != 1 {
		t.Fatalf("refunds: %d", len(list))
	}
	if m, _ := list[0].Meta("_dinterowoo_refund"); m.StringValue() != "r-9" {
		t.Error("the marker tells the refund happened")
	}
}

func TestFaultsRetriedForReads(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	o := s.SeedOrder(norwegianOrder())
	s.InjectFault(wctest.RouteGetOrder, wctest.Fault{Status: 503, Times: 1})
	s.InjectFault(wctest.RouteGetOrder, wctest.Fault{Status: 429, RetryAfter: time.Millisecond, Times: 1})
	_, resp, err := c.Orders.Get(context.Background(), o.ID, nil)
	if err != nil || resp.Attempts != 3 {
		t.Fatalf("attempts %v err %v", resp, err)
	}
}

func TestBatchOver100Refused(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	key, secret := s.Key()
	body := `{"update":[` + strings.Repeat(`{"id":1,"status":"completed"},`, 100) + `{"id":1}]}`
	req, _ := http.NewRequest("POST", s.URL+"wp-json/wc/v3/orders/batch", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(key, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestWebhookDeliveryVerified(t *testing.T) {
	t.Parallel()
	const secret = "whsec-ÆØÅ/with-slash"
	var mu sync.Mutex
	var got []*woocommerce.Order
	pings := 0
	handler, err := woocommerce.WebhookHandler(secret, func(_ context.Context, dl *woocommerce.Delivery) error {
		o, err := dl.Order()
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if dl.Topic != "order.updated" || dl.WebhookID == 0 || dl.DeliveryID == "" {
			t.Errorf("delivery headers: %+v", dl)
		}
		got = append(got, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(woocommerce.HeaderSignature) == "" {
			mu.Lock()
			pings++
			mu.Unlock()
		}
		handler.ServeHTTP(w, r)
	}))
	defer receiver.Close()
	s, c := newStore(t)
	ctx := context.Background()
	spec := norwegianOrder()
	spec.Lines[0].Name = "Stol – «Ørsta» / eik 🌲" // non-ASCII and "/" make WordPress's escaping matter
	o := s.SeedOrder(spec)
	hook, _, err := c.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Name: "dinterowoo", Topic: "order.updated",
		DeliveryURL: receiver.URL + "/wc", Secret: secret})
	if err != nil || hook.Status != "active" {
		t.Fatalf("webhook create: %+v %v", hook, err)
	}
	c.Orders.SetStatus(ctx, o.ID, woocommerce.StatusCompleted)
	s.WaitWebhooks()
	mu.Lock()
	defer mu.Unlock()
	if pings != 1 {
		t.Errorf("pings = %d", pings)
	}
	if len(got) != 1 || got[0].ID != o.ID || got[0].Status != woocommerce.StatusCompleted || got[0].LineItems[0].Name != spec.Lines[0].Name {
		t.Fatalf("deliveries: %+v", got)
	}
	recs := s.Deliveries()
	if len(recs) != 2 || recs[0].Status != 200 || !recs[0].Ping || recs[1].Status != 200 {
		t.Errorf("delivery records: %+v", recs)
	}
}

func TestWebhookEncodingIsWordPress(t *testing.T) {
	t.Parallel()
	var body []byte
	var mu sync.Mutex
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get(woocommerce.HeaderSignature) != "" {
			mu.Lock()
			body = b
			mu.Unlock()
		}
	}))
	defer receiver.Close()
	s, c := newStore(t)
	spec := norwegianOrder()
	spec.Lines[0].Name = "Ø/🌲<&>"
	o := s.SeedOrder(spec)
	c.Webhooks.Create(context.Background(), &woocommerce.WebhookRequest{Topic: "order.updated", DeliveryURL: receiver.URL, Secret: "x"})
	s.SetStatus(o.ID, woocommerce.StatusCompleted)
	s.WaitWebhooks()
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(string(body), `"name":"\u00d8\/\ud83c\udf32<&>"`) {
		t.Errorf("payload not encoded as wp_json_encode: %.300s", body)
	}
}

func TestWebhookHandlerRefusals(t *testing.T) {
	t.Parallel()
	h, err := woocommerce.WebhookHandler("secret", func(context.Context, *woocommerce.Delivery) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := woocommerce.WebhookHandler("", func(context.Context, *woocommerce.Delivery) error { return nil }); !errors.Is(err, woocommerce.ErrNoSecret) {
		t.Errorf("empty secret: %v", err)
	}
	send := func(method, body, sig, ctype string) int {
		r := httptest.NewRequest(method, "/wc", strings.NewReader(body))
		if sig != "" {
			r.Header.Set(woocommerce.HeaderSignature, sig)
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	good := `{"id":1}`
	if code := send("POST", good, woocommerce.SignWebhook([]byte(good), "secret"), "application/json"); code != 200 {
		t.Errorf("good: %d", code)
	}
	if code := send("POST", good, woocommerce.SignWebhook([]byte(good), "other"), "application/json"); code != 401 {
		t.Errorf("wrong secret: %d", code)
	}
	if code := send("POST", good+" ", woocommerce.SignWebhook([]byte(good), "secret"), "application/json"); code != 401 {
		t.Errorf("changed body: %d", code)
	}
	if code := send("POST", good, "", "application/json"); code != 401 {
		t.Errorf("unsigned: %d", code)
	}
	if code := send("POST", "webhook_id=5", "", "application/x-www-form-urlencoded"); code != 200 {
		t.Errorf("ping: %d", code)
	}
	if code := send("GET", "", "", ""); code != 405 {
		t.Errorf("GET: %d", code)
	}
	big := strings.Repeat("x", woocommerce.DefaultMaxWebhookBytes+1)
	if code := send("POST", big, "sig", "application/json"); code != 413 {
		t.Errorf("huge: %d", code)
	}
}

// A receiver that changes the order after answering, as a service does,
// starts new deliveries while a test waits for the store to settle.
// WaitWebhooks must be safe then (the race detector flagged the
// WaitGroup it used to wait on) and must return only once the chain of
// deliveries has ended.
func TestWaitWebhooksWhileTheReceiverTriggersMore(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := context.Background()
	o := s.SeedOrder(norwegianOrder())
	const chain = 12
	var mu sync.Mutex
	delivered := 0
	var pending sync.WaitGroup
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		if r.Header.Get(woocommerce.HeaderSignature) == "" {
			return // the ping
		}
		mu.Lock()
		delivered++
		more, n := delivered < chain, delivered
		if more {
			pending.Add(1)
		}
		mu.Unlock()
		if more {
			go func() {
				defer pending.Done()
				time.Sleep(time.Millisecond) // after the delivery has ended
				status := woocommerce.StatusProcessing
				if n%2 == 0 {
					status = woocommerce.StatusOnHold
				}
				if _, _, err := c.Orders.SetStatus(ctx, o.ID, status); err != nil {
					t.Error(err)
				}
			}()
		}
	}))
	defer receiver.Close()
	if _, _, err := c.Webhooks.Create(ctx, &woocommerce.WebhookRequest{Topic: "order.updated", DeliveryURL: receiver.URL, Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	s.SetStatus(o.ID, woocommerce.StatusOnHold)
	for {
		s.WaitWebhooks()
		mu.Lock()
		n := delivered
		mu.Unlock()
		if n >= chain {
			break
		}
	}
	pending.Wait()
	s.WaitWebhooks()
	mu.Lock()
	defer mu.Unlock()
	if delivered != chain {
		t.Errorf("delivered %d, want %d", delivered, chain)
	}
}
