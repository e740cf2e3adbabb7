package ordermgmt

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// planOrder is a 1250.00 NOK order: one line 1000 + 250 tax at 25 %.
func planOrder(status woocommerce.Status) *woocommerce.Order {
	return &woocommerce.Order{
		ID: 7, Status: status, Currency: "NOK", PaymentMethod: "dintero_checkout", TransactionID: "T1",
		Total: dec("1250.00"), TotalTax: dec("250.00"),
		LineItems: []woocommerce.LineItem{{ID: 70, Name: "Chair", Quantity: dec("1"), Total: dec("1000"), TotalTax: dec("250"),
			Taxes: []woocommerce.Tax{{ID: 1, Total: dec("250")}}}},
		TaxLines: []woocommerce.TaxLine{{ID: 71, RateID: 1, RatePercent: dec("25")}},
	}
}

func planTx(status dintero.Status, events ...dintero.TransactionEvent) *dintero.Transaction {
	return &dintero.Transaction{ID: "T1", Status: status, Amount: 125000, Currency: "NOK", MerchantReference: "7", Events: events}
}

func capture(amount int64, ref string) dintero.TransactionEvent {
	return dintero.TransactionEvent{Event: dintero.EventCapture, Success: true, Amount: amount, EventReference: ref}
}

func describe(p *Plan) string {
	var s []string
	for _, a := range p.Actions {
		switch a.Kind {
		case ActNote:
			s = append(s, "note: "+a.Note)
		case ActSetStatus:
			s = append(s, "status: "+string(a.Status))
		case ActCapture, ActRefund:
			s = append(s, fmt.Sprintf("%s %d %s", a.Kind, a.Amount, a.Reference))
			if a.Note != "" {
				s = append(s, "then note: "+a.Note)
			}
		case ActVoid:
			s = append(s, "void")
			if a.Note != "" {
				s = append(s, "then note: "+a.Note)
			}
		}
	}
	return strings.Join(s, " | ")
}

// TestPlanTable covers every row of DESIGN.md §4 and the plugin's guards
// (plugin.md §2.2, §3.2, §5.2), asserting the action and the exact note.
func TestPlanTable(t *testing.T) {
	withMeta := func(o *woocommerce.Order, keys string) *woocommerce.Order {
		o.MetaData = append(o.MetaData, woocommerce.MetaString(MetaNoted, keys))
		return o
	}
	swish := planTx(dintero.StatusCaptured, capture(125000, ""))
	swish.PaymentProductType = "swish.swish"
	tests := []struct {
		name  string
		order *woocommerce.Order
		tx    *dintero.Transaction
		want  string
	}{
		{"capture status, authorized: capture the rest", planOrder("completed"), planTx(dintero.StatusAuthorized),
			"capture 125000 wc-7-capture | then note: The Dintero order has been captured. Captured amount: 1250.00 NOK."},
		{"capture status, partially captured in Backoffice: capture the rest", planOrder("completed"),
			planTx(dintero.StatusPartiallyCaptured, capture(25000, "")),
			"capture 100000 wc-7-capture | then note: The Dintero order has been captured. Captured amount: 1000.00 NOK."},
		{"capture status, ON_HOLD: no capture, on-hold", planOrder("completed"), planTx(dintero.StatusOnHold),
			"note: The order must be authorized by Dintero before it can be captured. | status: on-hold"},
		{"capture status, already captured: success note once", planOrder("completed"), planTx(dintero.StatusCaptured, capture(125000, "x")),
			"note: The Dintero order has been captured. Captured amount: 1250.00 NOK."},
		{"capture status, captured and noted: nothing", withMeta(planOrder("completed"), "capture"), planTx(dintero.StatusCaptured, capture(125000, "x")),
			""},
		{"capture status, pending capture: nothing", planOrder("completed"),
			planTx(dintero.StatusAuthorized, dintero.TransactionEvent{Event: dintero.EventInitiateCapture, Success: true, Amount: 125000, RequestID: "r"}),
			""},
		{"capture status, total above authorized: on-hold", func() *woocommerce.Order {
			o := planOrder("completed")
			o.Total = dec("1300.00")
			return o
		}(), planTx(dintero.StatusAuthorized),
			"note: The Dintero order could not be captured: the order total 1300.00 NOK is more than the 1250.00 NOK Dintero can still capture. | status: on-hold"},
		{"capture status, no transaction id", func() *woocommerce.Order {
			o := planOrder("completed")
			o.TransactionID = ""
			return o
		}(), nil, "note: The order is missing a transaction ID. | status: on-hold"},
		{"cancel status, authorized: void", planOrder("cancelled"), planTx(dintero.StatusAuthorized),
			"void | then note: The Dintero order has been canceled."},
		{"cancel status, ON_HOLD: void (the plugin leaves it open)", planOrder("cancelled"), planTx(dintero.StatusOnHold),
			"void | then note: The Dintero order has been canceled."},
		{"cancel status, voided in Backoffice: note once", planOrder("cancelled"), planTx(dintero.StatusAuthorizationVoided),
			"note: The Dintero order has been canceled."},
		{"cancel status, captured Swish: refund the rest", planOrder("cancelled"), swish,
			"refund 125000 wc-7-cancel | then note: The Dintero order has been refunded."},
		{"cancel status, captured: cannot cancel", planOrder("cancelled"), planTx(dintero.StatusCaptured, capture(125000, "")),
			"note: The Dintero order has been captured, and can therefore no longer be canceled."},
		{"refund status, captured: refund what is left", planOrder("refunded"), planTx(dintero.StatusCaptured, capture(125000, "")),
			"refund 125000 wc-7-refund-status | then note: The Dintero order has been refunded."},
		{"refund status, not captured", planOrder("refunded"), planTx(dintero.StatusAuthorized),
			"note: There is nothing to refund. The order has not yet been captured in WooCommerce."},
		{"refund status, already refunded by status: note once", planOrder("refunded"),
			planTx(dintero.StatusRefunded, capture(125000, ""), dintero.TransactionEvent{Event: dintero.EventRefund, Success: true, Amount: 125000, EventReference: "wc-7-refund-status"}),
			"note: The Dintero order has been refunded."},
		{"pending, ON_HOLD: manual review", planOrder("pending"), planTx(dintero.StatusOnHold),
			"note: The order was placed successfully, but requires further authorization by Dintero. Transaction ID: T1 | status: manual-review"},
		{"processing, ON_HOLD: manual review", planOrder("processing"), planTx(dintero.StatusOnHold),
			"note: The order was placed successfully, but requires further authorization by Dintero. Transaction ID: T1 | status: manual-review"},
		{"manual review, authorized: processing", planOrder("manual-review"), planTx(dintero.StatusAuthorized),
			"note: The order has been authorized. | status: processing"},
		{"manual review, still ON_HOLD: nothing", planOrder("manual-review"), planTx(dintero.StatusOnHold), ""},
		{"pending, authorized: processing", planOrder("pending"), planTx(dintero.StatusAuthorized),
			"note: The order was placed successfully via Dintero Checkout. Transaction ID: T1 | status: processing"},
		{"processing, voided: cancelled", planOrder("processing"), planTx(dintero.StatusAuthorizationVoided),
			"note: The order was CANCELED in the Dintero. | status: cancelled"},
		{"pending, declined: failed", planOrder("pending"), planTx(dintero.StatusDeclined),
			"note: The order was not approved by Dintero. | status: failed"},
		{"manual review, failed: failed", planOrder("manual-review"), planTx(dintero.StatusFailed),
			"note: The order was not approved by Dintero. | status: failed"},
		{"failed stays failed", planOrder("failed"), planTx(dintero.StatusFailed), ""},
		{"completed, failed payment: failed", planOrder("completed"), planTx(dintero.StatusFailed),
			"note: The order was not approved by Dintero. | status: failed"},
		{"refunded, voided: cancelled", planOrder("refunded"), planTx(dintero.StatusAuthorizationVoided),
			"note: The order was CANCELED in the Dintero. | status: cancelled"},
		{"processing, authorized: nothing", planOrder("processing"), planTx(dintero.StatusAuthorized), ""},
	}
	for _, tt := range tests {
		st := State{Order: tt.order, Transaction: tt.tx}
		p, err := PlanState(st, Settings{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := describe(p); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestPlanOtherGateway(t *testing.T) {
	o := planOrder("completed")
	o.PaymentMethod = "stripe"
	p, err := PlanState(State{Order: o, Transaction: planTx(dintero.StatusAuthorized)}, Settings{})
	if err != nil || len(p.Actions) != 0 || p.Skipped == "" {
		t.Errorf("plan %+v err %v", p, err)
	}
}

func TestPlanConfiguredStatuses(t *testing.T) {
	s := Settings{CaptureStatuses: []woocommerce.Status{"shipped"}, CancelStatuses: []woocommerce.Status{"void-me"},
		RefundStatuses: []woocommerce.Status{"money-back"}}
	p, _ := PlanState(State{Order: planOrder("shipped"), Transaction: planTx(dintero.StatusAuthorized)}, s)
	if !strings.HasPrefix(describe(p), "capture 125000") {
		t.Errorf("shipped: %s", describe(p))
	}
	p, _ = PlanState(State{Order: planOrder("completed"), Transaction: planTx(dintero.StatusAuthorized)}, s)
	if describe(p) != "" {
		t.Errorf("completed is no capture status here: %s", describe(p))
	}
	p, _ = PlanState(State{Order: planOrder("void-me"), Transaction: planTx(dintero.StatusAuthorized)}, s)
	if !strings.HasPrefix(describe(p), "void") {
		t.Errorf("void-me: %s", describe(p))
	}
	if _, err := PlanState(State{Order: planOrder("x")}, Settings{CaptureStatuses: []woocommerce.Status{"a"}, CancelStatuses: []woocommerce.Status{"a"}}); err == nil {
		t.Error("a status both capture and cancel was accepted")
	}
}

func TestPlanCaptureSubtractsRefundsBeforeCapture(t *testing.T) {
	// 250.00 of the chair was returned by hand before capture: capture the
	// rest, with the line reduced (the plugin drops the whole line and
	// pushes the difference into a rounding line).
	o := planOrder("completed")
	o.Refunds = []woocommerce.OrderRefund{{ID: 80, Total: dec("-250.00")}}
	refund := &woocommerce.Refund{ID: 80, Amount: dec("250.00"), Reason: "cash",
		LineItems: []woocommerce.LineItem{{Quantity: dec("0"), Total: dec("-200"), TotalTax: dec("-50"),
			MetaData: []woocommerce.Meta{woocommerce.MetaString("_refunded_item_id", "70")}}}}
	p, err := PlanState(State{Order: o, Refunds: []*woocommerce.Refund{refund}, Transaction: planTx(dintero.StatusAuthorized)}, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	a := p.Actions[0]
	if a.Kind != ActCapture || a.Amount != 100000 || len(a.Items) != 1 || a.Items[0].Amount != 100000 || a.Items[0].VATAmount != 20000 {
		t.Errorf("capture %+v", a)
	}
}

func TestPlanTranslatedAutomaticRefund(t *testing.T) {
	// A Norwegian store: WooCommerce's automatic refund record carries a
	// translated reason. Known, it is not taken for money returned by hand.
	o := planOrder("refunded")
	o.Refunds = []woocommerce.OrderRefund{{ID: 90, Total: dec("-1250.00")}}
	auto := &woocommerce.Refund{ID: 90, Amount: dec("1250.00"), Reason: "Ordrestatus satt til refundert."}
	st := State{Order: o, Refunds: []*woocommerce.Refund{auto}, Transaction: planTx(dintero.StatusCaptured, capture(125000, ""))}
	p, _ := PlanState(st, Settings{})
	byHand := "note: Refunds of 1250.00 NOK were recorded by hand in WooCommerce, not through Dintero; that money is taken as already returned to the customer and was not refunded at Dintero."
	if got := describe(p); got != byHand {
		t.Errorf("unknown reason: taken as a manual refund, nothing to send, said so; got %s", got)
	}
	p, _ = PlanState(st, Settings{AutomaticRefundReasons: []string{" Ordrestatus satt til refundert. "}})
	if got := describe(p); got != "refund 125000 wc-7-refund-status | then note: The Dintero order has been refunded." {
		t.Errorf("known reason: %s", got)
	}
}

// The automatic record is recognised by its whole shape, never by the
// start of a free-text reason: a full refund made by hand and named like
// it is never refunded again at Dintero (security review, finding 2).
func TestPlanAutomaticRefundByShape(t *testing.T) {
	const byHand = "note: Refunds of %s were recorded by hand in WooCommerce, not through Dintero; that money is taken as already returned to the customer and was not refunded at Dintero."
	const statusRefund = "refund %d wc-7-refund-status | then note: The Dintero order has been refunded."
	line := []woocommerce.LineItem{{Quantity: dec("-1"), Total: dec("-1000"), TotalTax: dec("-250"),
		MetaData: []woocommerce.Meta{woocommerce.MetaString("_refunded_item_id", "70")}}}
	tests := []struct {
		name    string
		records []*woocommerce.Refund
		want    string
	}{
		{"automatic, all that was left", []*woocommerce.Refund{{ID: 90, Amount: dec("1250.00"), Reason: "Order fully refunded."}},
			fmt.Sprintf(statusRefund, 125000)},
		{"by hand, reason starting like it", []*woocommerce.Refund{{ID: 90, Amount: dec("1250.00"), Reason: "Order fully refunded in store (cash)"}},
			fmt.Sprintf(byHand, "1250.00 NOK")},
		{"the reason, with lines", []*woocommerce.Refund{{ID: 90, Amount: dec("1250.00"), Reason: "Order fully refunded.", LineItems: line}},
			fmt.Sprintf(byHand, "1250.00 NOK")},
		{"the reason, not what was left", []*woocommerce.Refund{{ID: 90, Amount: dec("1000.00"), Reason: "Order fully refunded."}},
			fmt.Sprintf(byHand, "1000.00 NOK") + " | " + fmt.Sprintf(statusRefund, 25000)},
		{"by hand, then automatic for the rest", []*woocommerce.Refund{
			{ID: 90, Amount: dec("200.00"), Reason: "cash"},
			{ID: 91, Amount: dec("1050.00"), Reason: "Order fully refunded."}},
			fmt.Sprintf(byHand, "200.00 NOK") + " | " + fmt.Sprintf(statusRefund, 105000)},
		{"the reason, then a record after it", []*woocommerce.Refund{
			{ID: 90, Amount: dec("1250.00"), Reason: "Order fully refunded."},
			{ID: 91, Amount: dec("0.00"), Reason: "x"}},
			fmt.Sprintf(statusRefund, 125000)},
	}
	for _, tt := range tests {
		o := planOrder("refunded")
		for _, r := range tt.records {
			o.Refunds = append(o.Refunds, woocommerce.OrderRefund{ID: r.ID, Total: r.Amount.Neg()})
		}
		p, err := PlanState(State{Order: o, Refunds: tt.records, Transaction: planTx(dintero.StatusCaptured, capture(125000, ""))}, Settings{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := describe(p); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestCallbackURL(t *testing.T) {
	got, err := CallbackURL("https://shop.example/hooks/dintero?shop=1")
	want := "https://shop.example/hooks/dintero?report_error=true&report_event=CAPTURE&report_event=REFUND&report_event=VOID&shop=1&sid_parameter_name=sid"
	if err != nil || got != want {
		t.Errorf("CallbackURL = %q, %v", got, err)
	}
}
