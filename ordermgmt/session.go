package ordermgmt

import (
	"errors"
	"net/url"
	"strings"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// SessionOrder builds the Dintero order of a checkout session from a
// WooCommerce order, with the line ids capture and refunds will use (see
// NewLines), negative fees as gift_card lines, and a single shipping line
// as the shipping option. It is what the Dintero plugin sends when the
// customer pays; tests and demos use it to pay orders.
func SessionOrder(o *woocommerce.Order) (dintero.Order, error) {
	ls, err := NewLines(o, nil)
	if err != nil {
		return dintero.Order{}, err
	}
	total, err := ls.Currency.ToMinor(o.Total)
	if err != nil {
		return dintero.Order{}, err
	}
	out := dintero.Order{Amount: total, Currency: o.Currency, MerchantReference: OrderReference(o.ID), MerchantReference2: o.Number}
	sum := int64(0)
	shipping := 0
	for _, l := range ls.Lines {
		if l.Kind == ShippingLine {
			shipping++
		}
	}
	for _, l := range ls.Lines {
		if l.Gross == 0 {
			continue
		}
		sum += l.Gross
		out.VATAmount += l.Tax
		if l.Kind == ShippingLine && shipping == 1 {
			title := strings.TrimSpace(l.Description)
			if title == "" {
				title = "Shipping" // Dintero requires a title
			}
			out.ShippingOption = &dintero.ShippingOption{ID: l.LineID, LineID: l.LineID, Amount: l.Gross, VATAmount: l.Tax,
				VAT: dintero.Number{Decimal: l.VAT}, Title: title, DeliveryMethod: "delivery"}
			continue
		}
		out.Items = append(out.Items, l.item(l.Quantity, l.Gross, l.Tax))
	}
	if diff := total - sum; diff != 0 {
		// Lines are rounded one by one, the total once: the plugin sends a
		// balancing line (negative when the lines exceed the total).
		out.Items = append(out.Items, dintero.Item{ID: dintero.RoundingLineID, LineID: dintero.RoundingLineID,
			Description: "Rounding fee", Quantity: dintero.N(1), Amount: diff})
	}
	for _, it := range out.Items {
		if strings.TrimSpace(it.LineID) == "" {
			return dintero.Order{}, errors.New("ordermgmt: a line has no line id")
		}
	}
	return out, nil
}

// CallbackURL is the callback_url to give a session: base (where
// CallbackHandler is served) with the flags the plugin sets, so that
// Dintero calls back on errors and after every capture, refund and void
// (report_event), which is how an operation Dintero completes later (202)
// reaches the engine.
func CallbackURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("report_error", "true")
	q.Set("sid_parameter_name", "sid")
	q["report_event"] = []string{"CAPTURE", "REFUND", "VOID"}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
