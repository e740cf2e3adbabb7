package ordermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/dinterowoo/dinterowoo/woocommerce/wctest"
	"github.com/shopspring/decimal"
)

// TestLineIDsAsThePluginSendsThem follows plugin.md ("Product line",
// "Shipping lines"): the session's line ids are what capture and refund
// must name.
func TestLineIDsAsThePluginSendsThem(t *testing.T) {
	meta := func(kv ...string) []woocommerce.Meta {
		var out []woocommerce.Meta
		for i := 0; i < len(kv); i += 2 {
			out = append(out, woocommerce.MetaString(kv[i], kv[i+1]))
		}
		return out
	}
	product := func(sku string, productID, variationID int64, m []woocommerce.Meta) woocommerce.LineItem {
		return woocommerce.LineItem{ID: 41, Name: "Chair", ProductID: productID, VariationID: variationID, SKU: sku,
			Quantity: decimal.NewFromInt(1), Total: decimal.NewFromInt(100), MetaData: m}
	}
	ship := func(method, instance string, m []woocommerce.Meta) woocommerce.ShippingLine {
		return woocommerce.ShippingLine{ID: 51, MethodTitle: "Pick-up point", MethodID: method, InstanceID: instance,
			Total: decimal.NewFromInt(50), MetaData: m}
	}
	const cartKey = "6f4922f45568161a8cdf4ad2299f6d23"
	tests := []struct {
		name  string
		order woocommerce.Order
		want  []string // line ids, products then shipping
	}{
		{"product with its cart item key", woocommerce.Order{LineItems: []woocommerce.LineItem{product("CH-1", 7, 0, meta(ordermgmt.MetaLineID, cartKey))}}, []string{cartKey}},
		{"product from before line ids: SKU", woocommerce.Order{LineItems: []woocommerce.LineItem{product("CH-1", 7, 9, nil)}}, []string{"CH-1"}},
		{"no SKU: the variation id", woocommerce.Order{LineItems: []woocommerce.LineItem{product("", 7, 9, nil)}}, []string{"9"}},
		{"no SKU, no variation: the product id", woocommerce.Order{LineItems: []woocommerce.LineItem{product("", 7, 0, nil)}}, []string{"7"}},
		{"product deleted since: the item id", woocommerce.Order{LineItems: []woocommerce.LineItem{product("", 0, 0, nil)}}, []string{"41"}},
		{"pick-up point: the order's id before the item's", woocommerce.Order{
			MetaData:      meta(ordermgmt.MetaShippingLineID, "bring_pickup:7:bring:point-123", "_wc_dintero_shipping_id", "bring_pickup:7"),
			ShippingLines: []woocommerce.ShippingLine{ship("bring_pickup", "7", meta(ordermgmt.MetaLineID, "bring_pickup:7"))}},
			[]string{"bring_pickup:7:bring:point-123"}},
		{"single shipping line: _wc_dintero_shipping_id next", woocommerce.Order{
			MetaData:      meta("_wc_dintero_shipping_id", "bring_pickup:7:bring:p1"),
			ShippingLines: []woocommerce.ShippingLine{ship("bring_pickup", "7", meta(ordermgmt.MetaLineID, "bring_pickup:7"))}},
			[]string{"bring_pickup:7:bring:p1"}},
		{"single shipping line: the item's id next", woocommerce.Order{
			ShippingLines: []woocommerce.ShippingLine{ship("flat_rate", "3", meta(ordermgmt.MetaLineID, "rate-3"))}},
			[]string{"rate-3"}},
		{"single shipping line: method:instance last", woocommerce.Order{
			ShippingLines: []woocommerce.ShippingLine{ship("flat_rate", "3", nil)}}, []string{"flat_rate:3"}},
		{"several packages: each item's id, the order's ignored", woocommerce.Order{
			MetaData: meta(ordermgmt.MetaShippingLineID, "order-level"),
			ShippingLines: []woocommerce.ShippingLine{ship("flat_rate", "3", meta(ordermgmt.MetaLineID, "pkg-a")),
				ship("local_pickup", "4", nil)}},
			[]string{"pkg-a", "local_pickup:4"}},
	}
	fee := func(id int64, name string) woocommerce.FeeLine {
		return woocommerce.FeeLine{ID: id, Name: name, Total: decimal.NewFromInt(10)}
	}
	tests = append(tests, struct {
		name  string
		order woocommerce.Order
		want  []string
	}{"two fees of one name: the second gets its item id", woocommerce.Order{FeeLines: []woocommerce.FeeLine{fee(61, "Handling"), fee(62, "Handling")}},
		[]string{"Handling", "Handling:62"}})
	for _, tt := range tests {
		tt.order.Currency = "NOK"
		ls, err := ordermgmt.NewLines(&tt.order, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, l := range ls.Lines {
			got = append(got, l.LineID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: line ids %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestPickUpPointOrderEndToEnd: the session's shipping line is the one
// stored on the order (rate, operator and point); the shipping item's own
// id names only the rate. Capture and refund must name the session's line,
// or Dintero refuses them as an unknown line.
func TestPickUpPointOrderEndToEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	const sessionLine, rateOnly = "bring_pickup:7:bring:point-123", "bring_pickup:7"
	spec := nokOrder()
	spec.Shipping = []wctest.ShippingSpec{{Title: "Bring pick-up point", Total: d("79.20"), TaxRate: d("25"),
		MethodID: "bring_pickup", InstanceID: "7", Meta: map[string]string{ordermgmt.MetaLineID: rateOnly}}}
	spec.Meta = map[string]string{ordermgmt.MetaShippingLineID: sessionLine}
	o := w.store.SeedOrder(spec)
	// The session as the plugin's checkout sent it: the shipping line id
	// built from rate, operator and point, which it then stored on the
	// order.
	session, err := ordermgmt.SessionOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	session.ShippingOption.ID, session.ShippingOption.LineID = rateOnly, sessionLine
	session.ShippingOption.Operator, session.ShippingOption.DeliveryMethod = "bring", "pick_up"
	w.paySession(session, dinterotest.Authorized)
	o = w.order(o)
	tx := w.tx(o)
	if !slices.ContainsFunc(tx.Items, func(it dintero.Item) bool { return it.LineID == sessionLine && it.Type == dintero.ItemShipping }) {
		t.Fatalf("the session's shipping line is not %q: %+v", sessionLine, tx.Items)
	}
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	tx = w.tx(o)
	if tx.Status != dintero.StatusCaptured {
		t.Fatalf("status %s", tx.Status)
	}
	capture := lastSuccess(tx, dintero.EventCapture)
	if capture == nil || !slices.ContainsFunc(capture.Items, func(it dintero.Item) bool { return it.LineID == sessionLine }) {
		t.Fatalf("capture does not name the pick-up line: %+v", capture)
	}
	res, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{
		Items: []ordermgmt.RefundItem{{ItemID: o.ShippingLines[0].ID, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	e := refundEvent(t, w.tx(o), res.Reference)
	if len(e.Items) != 1 || e.Items[0].LineID != sessionLine || e.Amount != 9900 {
		t.Errorf("shipping refund %+v", e)
	}
	if err := w.dt.DecodeError(); err != nil {
		t.Error(err)
	}
}

// TestGiftCardOrderEndToEnd: a gift card reaches the REST API as a fee
// with a negative total. The session carries it as a negative gift_card
// line, the capture takes it with the other lines, and refunds still add
// up.
func TestGiftCardOrderEndToEnd(t *testing.T) {
	t.Parallel()
	for _, taxRate := range []string{"0", "25"} {
		t.Run("tax "+taxRate, func(t *testing.T) { giftCardOrder(t, d(taxRate)) })
	}
}

// giftCardOrder: a gift card of 500.00 gross as a fee, taxed or not.
func giftCardOrder(t *testing.T, taxRate decimal.Decimal) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	spec := nokOrder()
	net := d("-500.00").Mul(decimal.NewFromInt(100)).Div(taxRate.Add(decimal.NewFromInt(100))).Round(2)
	spec.Fees = []wctest.FeeSpec{{Name: "Gift card: ABCD", Total: net, TaxRate: taxRate}}
	o := w.paid(spec, dinterotest.Authorized)
	total, _ := decimal.NewFromString(o.Total.String())
	tx := w.tx(o)
	i := slices.IndexFunc(tx.Items, func(it dintero.Item) bool { return it.Type == dintero.ItemGiftCard })
	if i < 0 || tx.Items[i].Amount != -50000 || tx.Items[i].LineID != "Gift card: ABCD" || (tx.Items[i].VATAmount < 0) != taxRate.IsPositive() {
		t.Fatalf("no negative gift_card line in the session: %+v", tx.Items)
	}
	if want := total.Shift(2).IntPart(); tx.Amount != want {
		t.Fatalf("authorized %d, want the order total %d", tx.Amount, want)
	}
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	tx = w.tx(o)
	capture := lastSuccess(tx, dintero.EventCapture)
	if tx.Status != dintero.StatusCaptured || capture == nil || capture.Amount != tx.Amount {
		t.Fatalf("capture: status %s event %+v", tx.Status, capture)
	}
	if !slices.ContainsFunc(capture.Items, func(it dintero.Item) bool { return it.LineID == "Gift card: ABCD" && it.Amount == -50000 }) {
		t.Errorf("the capture leaves the gift card out: %+v", capture.Items)
	}
	if slices.ContainsFunc(capture.Items, func(it dintero.Item) bool { return it.LineID == dintero.RoundingLineID }) {
		t.Errorf("a rounding line stands in for the gift card: %+v", capture.Items)
	}
	// A whole item, then the rest as an amount: Dintero ends REFUNDED.
	res, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[1].ID, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if e := refundEvent(t, w.tx(o), res.Reference); len(e.Items) != 1 || e.Amount != 49900 {
		t.Errorf("item refund %+v", e)
	}
	now := w.tx(o)
	left := now.RemainingToRefund()
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: decimal.New(left, -2)}); err != nil {
		t.Fatal(err)
	}
	if tx := w.tx(o); tx.Status != dintero.StatusRefunded || tx.RefundedAmount() != tx.CapturedAmount() {
		t.Errorf("after refunding all: %s, refunded %d of %d", tx.Status, tx.RefundedAmount(), tx.CapturedAmount())
	}
	if err := w.dt.DecodeError(); err != nil {
		t.Error(err)
	}
}

// lastSuccess is the newest successful event of a type, or nil.
func lastSuccess(tx dintero.Transaction, typ dintero.EventType) *dintero.TransactionEvent {
	for i := len(tx.Events) - 1; i >= 0; i-- {
		if e := &tx.Events[i]; e.Event == typ && e.Success {
			return e
		}
	}
	return nil
}

// TestRefusedRefundDoesNotBlockTheNext: after Dintero refuses a refund,
// its record and its doubt are gone, and the next refund goes at once.
func TestRefusedRefundDoesNotBlockTheNext(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.captured()
	w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 400, Times: 1})
	if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("10.00")}); !errors.Is(err, ordermgmt.ErrRefundRefused) {
		t.Fatalf("refused refund: %v", err)
	}
	res, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("10.00")})
	if err != nil {
		t.Fatalf("the next refund: %v", err)
	}
	if e := refundEvent(t, w.tx(o), res.Reference); e.Amount != 1000 {
		t.Errorf("refund %+v", e)
	}
	if n := len(w.store.Refunds(o.ID)); n != 1 {
		t.Errorf("%d refund records, want 1", n)
	}
}

// TestLinesFollowTheSessionsIDs: a session made before line ids were
// stored (or by an older dinterowoo, which named products by item id)
// named its lines differently from the plugin's first choice. Captures
// and refunds name the lines as the transaction has them.
func TestLinesFollowTheSessionsIDs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.store.SeedOrder(nokOrder())
	session, err := ordermgmt.SessionOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]bool{}
	for i, it := range session.Items {
		id := fmt.Sprint(o.LineItems[i].ID) // item ids, as older versions sent
		session.Items[i].LineID, old[id] = id, true
		if it.LineID == id {
			t.Fatalf("the test needs ids that differ: %s", id)
		}
	}
	w.paySession(session, dinterotest.Authorized)
	o = w.order(o)
	if _, err := w.engine.Capture(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	tx := w.tx(o)
	capture := lastSuccess(tx, dintero.EventCapture)
	if tx.Status != dintero.StatusCaptured || capture == nil {
		t.Fatalf("capture: %s %+v", tx.Status, tx.Events)
	}
	named := 0
	for _, it := range capture.Items {
		if old[it.LineID] {
			named++
		}
	}
	if named != len(o.LineItems) {
		t.Errorf("the capture names %d of %d product lines by the session's ids: %+v", named, len(o.LineItems), capture.Items)
	}
	res, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Items: []ordermgmt.RefundItem{{ItemID: o.LineItems[1].ID, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if e := refundEvent(t, w.tx(o), res.Reference); len(e.Items) != 1 || e.Items[0].LineID != fmt.Sprint(o.LineItems[1].ID) {
		t.Errorf("refund items %+v", e.Items)
	}
}

// TestOverlappingHoldersMoveMoneyOnce: two workers hold one order's lock
// at once (a shared lock lost and not noticed yet; here two engines with
// locks of their own) and both go to complete the same refund. The one
// that writes its in-flight record second sees the other's and steps
// back: Dintero refunds once.
func TestOverlappingHoldersMoveMoneyOnce(t *testing.T) {
	t.Parallel()
	for range 20 {
		w := newWorld(t)
		ctx := context.Background()
		o := w.captured()
		w.dt.InjectFault(dinterotest.RouteRefund, dinterotest.Fault{Status: 503, Times: 1})
		if _, err := w.engine.Refund(ctx, o.ID, ordermgmt.RefundRequest{Amount: d("100")}); err == nil {
			t.Fatal("want the refund in doubt")
		}
		w.pastDoubt()
		other, err := ordermgmt.New(w.wc, w.dc, ordermgmt.WithClock(w.clock.now))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, e := range []*ordermgmt.Engine{w.engine, other} {
			wg.Add(1)
			go func() { defer wg.Done(); e.Reconcile(ctx, o.ID) }()
		}
		wg.Wait()
		tx := w.tx(o)
		refunds := 0
		for _, e := range tx.Events {
			if e.Event == dintero.EventRefund && e.Success {
				refunds++
			}
		}
		if refunds != 1 {
			t.Fatalf("one 100 NOK refund record, %d refunds at Dintero (refunded %d)", refunds, tx.RefundedAmount())
		}
	}
}
