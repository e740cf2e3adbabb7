package woocommerce

import (
	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
)

// The fast decoder: orders, refunds and notes decoded field by field from
// the bytes, with amounts parsed straight into decimals, without
// reflection. It gives what encoding/json gives with the types' own
// UnmarshalJSON methods (FuzzFastDecoder checks it on every fixture and on
// fuzzed input); on anything out of the ordinary it stops with
// jsonscan.ErrSlowPath, and decodeBody hands the whole body to encoding/json.

// A fastBody is an answer the client decodes with the fast decoder; the
// transport calls DecodeBody instead of encoding/json.
type (
	orderBody   struct{ out *Order }
	ordersBody  struct{ out *[]*Order }
	refundsBody struct{ out *[]*Refund }
	notesBody   struct{ out *[]*Note }
	noteBody    struct{ out *Note }
	refundBody  struct{ out *Refund }
)

func (b orderBody) DecodeBody(body []byte) error { return jsonscan.Decode(body, b.out, decOrder) }
func (b ordersBody) DecodeBody(body []byte) error {
	return jsonscan.Decode(body, b.out, func(s *jsonscan.Scanner, v *[]*Order) error { return jsonscan.PtrSlice(s, v, decOrder) })
}
func (b refundsBody) DecodeBody(body []byte) error {
	return jsonscan.Decode(body, b.out, func(s *jsonscan.Scanner, v *[]*Refund) error { return jsonscan.PtrSlice(s, v, decRefund) })
}
func (b refundBody) DecodeBody(body []byte) error { return jsonscan.Decode(body, b.out, decRefund) }
func (b noteBody) DecodeBody(body []byte) error   { return jsonscan.Decode(body, b.out, decNote) }
func (b notesBody) DecodeBody(body []byte) error {
	return jsonscan.Decode(body, b.out, func(s *jsonscan.Scanner, v *[]*Note) error { return jsonscan.PtrSlice(s, v, decNote) })
}

// decID is jsonscan.Unmarshal for ids, kept concrete: decTax reads the id
// into a local, which the interface would move to the heap.
func decID(s *jsonscan.Scanner, v *ID) error {
	raw, err := s.Raw()
	if err != nil {
		return err
	}
	if v.UnmarshalJSON(raw) != nil {
		return jsonscan.ErrSlowPath
	}
	return nil
}

func decMeta(s *jsonscan.Scanner, m *Meta) error {
	return jsonscan.Struct(s, m, func(s *jsonscan.Scanner, m *Meta, key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &m.ID)
		case "key":
			return jsonscan.String(s, &m.Key)
		case "value":
			return jsonscan.RawMessage(s, &m.Value)
		case "display_key":
			return jsonscan.String(s, &m.DisplayKey)
		case "display_value":
			return jsonscan.RawMessage(s, &m.DisplayValue)
		}
		return s.Skip()
	})
}

// decTax decodes as Tax.UnmarshalJSON does: every field is set, those
// missing to zero, and "" (or null) amounts are zero.
func decTax(s *jsonscan.Scanner, t *Tax) error {
	var id ID
	var total, subtotal []byte
	if null, err := s.Null(); err != nil {
		return err
	} else if !null {
		err := s.Object(func(key []byte) error {
			var err error
			switch string(key) {
			case "id":
				return decID(s, &id)
			case "total":
				total, err = s.Raw()
			case "subtotal":
				subtotal, err = s.Raw()
			default:
				err = s.Skip()
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	var err error
	t.ID = id
	if t.Total, err = lenientDecimal(s, total); err != nil {
		return jsonscan.ErrSlowPath
	}
	if t.Subtotal, err = lenientDecimal(s, subtotal); err != nil {
		return jsonscan.ErrSlowPath
	}
	return nil
}

func decAddress(s *jsonscan.Scanner, a *Address) error {
	return jsonscan.Struct(s, a, func(s *jsonscan.Scanner, a *Address, key []byte) error {
		switch string(key) {
		case "first_name":
			return jsonscan.String(s, &a.FirstName)
		case "last_name":
			return jsonscan.String(s, &a.LastName)
		case "company":
			return jsonscan.String(s, &a.Company)
		case "address_1":
			return jsonscan.String(s, &a.Address1)
		case "address_2":
			return jsonscan.String(s, &a.Address2)
		case "city":
			return jsonscan.String(s, &a.City)
		case "state":
			return jsonscan.String(s, &a.State)
		case "postcode":
			return jsonscan.String(s, &a.Postcode)
		case "country":
			return jsonscan.String(s, &a.Country)
		case "email":
			return jsonscan.String(s, &a.Email)
		case "phone":
			return jsonscan.String(s, &a.Phone)
		}
		return s.Skip()
	})
}

func decImage(s *jsonscan.Scanner, v **Image) error {
	if null, err := s.Null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	img := new(Image)
	*v = img
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decID(s, &img.ID)
		case "src":
			return jsonscan.String(s, &img.Src)
		}
		return s.Skip()
	})
}

func decLineItem(s *jsonscan.Scanner, l *LineItem) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &l.ID)
		case "name":
			return jsonscan.String(s, &l.Name)
		case "parent_name":
			return jsonscan.String(s, &l.ParentName)
		case "product_id":
			return jsonscan.Int(s, &l.ProductID)
		case "variation_id":
			return jsonscan.Int(s, &l.VariationID)
		case "quantity":
			return jsonscan.Decimal(s, &l.Quantity)
		case "tax_class":
			return jsonscan.String(s, &l.TaxClass)
		case "subtotal":
			return jsonscan.Decimal(s, &l.Subtotal)
		case "subtotal_tax":
			return jsonscan.Decimal(s, &l.SubtotalTax)
		case "total":
			return jsonscan.Decimal(s, &l.Total)
		case "total_tax":
			return jsonscan.Decimal(s, &l.TotalTax)
		case "taxes":
			return jsonscan.Slice(s, &l.Taxes, decTax)
		case "meta_data":
			return jsonscan.Slice(s, &l.MetaData, decMeta)
		case "sku":
			return jsonscan.String(s, &l.SKU)
		case "price":
			return jsonscan.Decimal(s, &l.Price)
		case "image":
			return decImage(s, &l.Image)
		}
		return s.Skip()
	})
}

func decShippingLine(s *jsonscan.Scanner, l *ShippingLine) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &l.ID)
		case "method_title":
			return jsonscan.String(s, &l.MethodTitle)
		case "method_id":
			return jsonscan.String(s, &l.MethodID)
		case "instance_id":
			return jsonscan.String(s, &l.InstanceID)
		case "total":
			return jsonscan.Decimal(s, &l.Total)
		case "total_tax":
			return jsonscan.Decimal(s, &l.TotalTax)
		case "taxes":
			return jsonscan.Slice(s, &l.Taxes, decTax)
		case "meta_data":
			return jsonscan.Slice(s, &l.MetaData, decMeta)
		}
		return s.Skip()
	})
}

func decFeeLine(s *jsonscan.Scanner, l *FeeLine) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &l.ID)
		case "name":
			return jsonscan.String(s, &l.Name)
		case "tax_class":
			return jsonscan.String(s, &l.TaxClass)
		case "tax_status":
			return jsonscan.String(s, &l.TaxStatus)
		case "total":
			return jsonscan.Decimal(s, &l.Total)
		case "total_tax":
			return jsonscan.Decimal(s, &l.TotalTax)
		case "taxes":
			return jsonscan.Slice(s, &l.Taxes, decTax)
		case "meta_data":
			return jsonscan.Slice(s, &l.MetaData, decMeta)
		}
		return s.Skip()
	})
}

func decTaxLine(s *jsonscan.Scanner, l *TaxLine) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &l.ID)
		case "rate_code":
			return jsonscan.String(s, &l.RateCode)
		case "rate_id":
			return decID(s, &l.RateID)
		case "label":
			return jsonscan.String(s, &l.Label)
		case "compound":
			return jsonscan.Bool(s, &l.Compound)
		case "rate_percent":
			return jsonscan.Decimal(s, &l.RatePercent)
		case "tax_total":
			return jsonscan.Decimal(s, &l.TaxTotal)
		case "shipping_tax_total":
			return jsonscan.Decimal(s, &l.ShippingTaxTotal)
		case "meta_data":
			return jsonscan.Slice(s, &l.MetaData, decMeta)
		}
		return s.Skip()
	})
}

func decCouponLine(s *jsonscan.Scanner, l *CouponLine) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &l.ID)
		case "code":
			return jsonscan.String(s, &l.Code)
		case "discount":
			return jsonscan.Decimal(s, &l.Discount)
		case "discount_tax":
			return jsonscan.Decimal(s, &l.DiscountTax)
		case "meta_data":
			return jsonscan.Slice(s, &l.MetaData, decMeta)
		}
		return s.Skip()
	})
}

func decOrderRefund(s *jsonscan.Scanner, r *OrderRefund) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &r.ID)
		case "reason":
			return jsonscan.String(s, &r.Reason)
		case "total":
			return jsonscan.Decimal(s, &r.Total)
		}
		return s.Skip()
	})
}

func decOrder(s *jsonscan.Scanner, o *Order) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &o.ID)
		case "parent_id":
			return jsonscan.Int(s, &o.ParentID)
		case "number":
			return jsonscan.String(s, &o.Number)
		case "order_key":
			return jsonscan.String(s, &o.OrderKey)
		case "created_via":
			return jsonscan.String(s, &o.CreatedVia)
		case "version":
			return jsonscan.String(s, &o.Version)
		case "status":
			return jsonscan.String(s, (*string)(&o.Status))
		case "currency":
			return jsonscan.String(s, &o.Currency)
		case "date_created_gmt":
			return jsonscan.Unmarshal(s, &o.DateCreated)
		case "date_modified_gmt":
			return jsonscan.Unmarshal(s, &o.DateModified)
		case "date_paid_gmt":
			return jsonscan.Unmarshal(s, &o.DatePaid)
		case "date_completed_gmt":
			return jsonscan.Unmarshal(s, &o.DateCompleted)
		case "discount_total":
			return jsonscan.Decimal(s, &o.DiscountTotal)
		case "discount_tax":
			return jsonscan.Decimal(s, &o.DiscountTax)
		case "shipping_total":
			return jsonscan.Decimal(s, &o.ShippingTotal)
		case "shipping_tax":
			return jsonscan.Decimal(s, &o.ShippingTax)
		case "cart_tax":
			return jsonscan.Decimal(s, &o.CartTax)
		case "total":
			return jsonscan.Decimal(s, &o.Total)
		case "total_tax":
			return jsonscan.Decimal(s, &o.TotalTax)
		case "prices_include_tax":
			return jsonscan.Bool(s, &o.PricesIncludeTax)
		case "customer_id":
			return jsonscan.Int(s, &o.CustomerID)
		case "customer_ip_address":
			return jsonscan.String(s, &o.CustomerIPAddress)
		case "customer_user_agent":
			return jsonscan.String(s, &o.CustomerUserAgent)
		case "customer_note":
			return jsonscan.String(s, &o.CustomerNote)
		case "billing":
			return decAddress(s, &o.Billing)
		case "shipping":
			return decAddress(s, &o.Shipping)
		case "payment_method":
			return jsonscan.String(s, &o.PaymentMethod)
		case "payment_method_title":
			return jsonscan.String(s, &o.PaymentMethodTitle)
		case "transaction_id":
			return jsonscan.String(s, &o.TransactionID)
		case "cart_hash":
			return jsonscan.String(s, &o.CartHash)
		case "meta_data":
			return jsonscan.Slice(s, &o.MetaData, decMeta)
		case "line_items":
			return jsonscan.Slice(s, &o.LineItems, decLineItem)
		case "tax_lines":
			return jsonscan.Slice(s, &o.TaxLines, decTaxLine)
		case "shipping_lines":
			return jsonscan.Slice(s, &o.ShippingLines, decShippingLine)
		case "fee_lines":
			return jsonscan.Slice(s, &o.FeeLines, decFeeLine)
		case "coupon_lines":
			return jsonscan.Slice(s, &o.CouponLines, decCouponLine)
		case "refunds":
			return jsonscan.Slice(s, &o.Refunds, decOrderRefund)
		}
		return s.Skip()
	})
}

func decNote(s *jsonscan.Scanner, n *Note) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &n.ID)
		case "author":
			return jsonscan.String(s, &n.Author)
		case "date_created_gmt":
			return jsonscan.Unmarshal(s, &n.DateCreated)
		case "note":
			return jsonscan.String(s, &n.Note)
		case "customer_note":
			return jsonscan.Bool(s, &n.CustomerNote)
		}
		return s.Skip()
	})
}

func decRefund(s *jsonscan.Scanner, r *Refund) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.Int(s, &r.ID)
		case "date_created_gmt":
			return jsonscan.Unmarshal(s, &r.DateCreated)
		case "amount":
			return jsonscan.Decimal(s, &r.Amount)
		case "reason":
			return jsonscan.String(s, &r.Reason)
		case "refunded_by":
			return jsonscan.Int(s, &r.RefundedBy)
		case "refunded_payment":
			return jsonscan.Bool(s, &r.RefundedPayment)
		case "meta_data":
			return jsonscan.Slice(s, &r.MetaData, decMeta)
		case "line_items":
			return jsonscan.Slice(s, &r.LineItems, decLineItem)
		case "shipping_lines":
			return jsonscan.Slice(s, &r.ShippingLines, decShippingLine)
		case "fee_lines":
			return jsonscan.Slice(s, &r.FeeLines, decFeeLine)
		case "tax_lines":
			return jsonscan.Slice(s, &r.TaxLines, decTaxLine)
		}
		return s.Skip()
	})
}
