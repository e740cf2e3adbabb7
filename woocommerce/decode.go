package woocommerce

import (
	"encoding/json"

	"github.com/shopspring/decimal"
)

// The fast decoder: orders, refunds and notes decoded field by field from
// the bytes, with amounts parsed straight into decimals, without
// reflection. It gives what encoding/json gives with the types' own
// UnmarshalJSON methods (FuzzFastDecoder checks it on every fixture and on
// fuzzed input); on anything out of the ordinary it stops with
// errSlowPath, and decodeBody hands the whole body to encoding/json.

// decodeBody decodes a body into out, fast when it can.
func decodeBody[T any](body []byte, out *T, fast func(*scanner, *T) error) error {
	s := &scanner{b: body}
	var v T
	if err := fast(s, &v); err == nil && s.end() == nil {
		*out = v
		return nil
	}
	return json.Unmarshal(body, out)
}

// A fastBody is an answer the client decodes with the fast decoder; the
// transport calls DecodeBody instead of encoding/json.
type (
	orderBody   struct{ out *Order }
	ordersBody  struct{ out *[]*Order }
	refundsBody struct{ out *[]*Refund }
	notesBody   struct{ out *[]*Note }
)

func (b orderBody) DecodeBody(body []byte) error { return decodeBody(body, b.out, decOrder) }
func (b ordersBody) DecodeBody(body []byte) error {
	return decodeBody(body, b.out, func(s *scanner, v *[]*Order) error { return decPtrSlice(s, v, decOrder) })
}
func (b refundsBody) DecodeBody(body []byte) error {
	return decodeBody(body, b.out, func(s *scanner, v *[]*Refund) error { return decPtrSlice(s, v, decRefund) })
}
func (b notesBody) DecodeBody(body []byte) error {
	return decodeBody(body, b.out, func(s *scanner, v *[]*Note) error { return decPtrSlice(s, v, decNote) })
}

// decStr decodes a string field: null leaves it as it is.
func decStr(s *scanner, v *string) error {
	if null, err := s.null(); null || err != nil {
		return err
	}
	str, err := s.str()
	*v = str
	return err
}

func decInt(s *scanner, v *int64) error {
	if null, err := s.null(); null || err != nil {
		return err
	}
	n, err := s.int64()
	*v = n
	return err
}

func decBool(s *scanner, v *bool) error {
	if null, err := s.null(); null || err != nil {
		return err
	}
	b, err := s.bool()
	*v = b
	return err
}

// decDecimal decodes as decimal.Decimal's UnmarshalJSON does: null leaves
// the value, one pair of quotes is taken off (escapes are not decoded),
// and the rest must be a number.
func decDecimal(s *scanner, v *decimal.Decimal) error {
	raw, err := s.raw()
	if err != nil {
		return err
	}
	if string(raw) == "null" {
		return nil
	}
	if len(raw) > 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	d, err := parseDecimal(raw)
	if err != nil {
		return errSlowPath
	}
	*v = d
	return nil
}

// parseDecimal is decimal.NewFromString without the string: amounts as
// stores write them ([-]digits[.digits], 18 characters or fewer) are read
// here, with the same value and exponent; any other form goes to
// NewFromString itself.
func parseDecimal(b []byte) (decimal.Decimal, error) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var n int64
	digits, frac, point := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case '0' <= c && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point && digits > 0:
			point = true
		default:
			return decimal.NewFromString(string(b))
		}
	}
	numLen := len(b)
	if point {
		numLen--
	}
	if digits == 0 || point && frac == 0 || numLen > 18 {
		return decimal.NewFromString(string(b))
	}
	if neg {
		n = -n
	}
	return decimal.New(n, int32(-frac)), nil
}

// decRaw decodes a json.RawMessage: the value as written, copied.
func decRaw(s *scanner, v *json.RawMessage) error {
	raw, err := s.raw()
	if err != nil {
		return err
	}
	*v = append(json.RawMessage(nil), raw...)
	return nil
}

// decSlice decodes an array: null makes the slice nil, [] an empty one,
// and a null element is a zero one, as encoding/json does.
func decSlice[T any](s *scanner, v *[]T, elem func(*scanner, *T) error) error {
	if null, err := s.null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	out := []T{} // [] is an empty slice, not nil; and allocates nothing
	err := s.array(func() error {
		out = append(out, *new(T))
		if null, err := s.null(); null || err != nil {
			return err
		}
		return elem(s, &out[len(out)-1])
	})
	*v = out
	return err
}

// decPtrSlice decodes an array of pointers: a null element is nil.
func decPtrSlice[T any](s *scanner, v *[]*T, elem func(*scanner, *T) error) error {
	if null, err := s.null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	out := make([]*T, 0, 16)
	err := s.array(func() error {
		if null, err := s.null(); null || err != nil {
			out = append(out, nil)
			return err
		}
		p := new(T)
		out = append(out, p)
		return elem(s, p)
	})
	*v = out
	return err
}

// decStruct decodes an object into a struct field: null leaves it.
func decStruct[T any](s *scanner, v *T, fields func(*scanner, *T, []byte) error) error {
	if null, err := s.null(); null || err != nil {
		return err
	}
	return s.object(func(key []byte) error { return fields(s, v, key) })
}

func decTime(s *scanner, v *Time) error {
	raw, err := s.raw()
	if err != nil {
		return err
	}
	if v.UnmarshalJSON(raw) != nil {
		return errSlowPath
	}
	return nil
}

func decID(s *scanner, v *ID) error {
	raw, err := s.raw()
	if err != nil {
		return err
	}
	if v.UnmarshalJSON(raw) != nil {
		return errSlowPath
	}
	return nil
}

func decMeta(s *scanner, m *Meta) error {
	return decStruct(s, m, func(s *scanner, m *Meta, key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &m.ID)
		case "key":
			return decStr(s, &m.Key)
		case "value":
			return decRaw(s, &m.Value)
		case "display_key":
			return decStr(s, &m.DisplayKey)
		case "display_value":
			return decRaw(s, &m.DisplayValue)
		}
		return s.skip(0)
	})
}

// decTax decodes as Tax.UnmarshalJSON does: every field is set, those
// missing to zero, and "" (or null) amounts are zero.
func decTax(s *scanner, t *Tax) error {
	var id ID
	var total, subtotal []byte
	if null, err := s.null(); err != nil {
		return err
	} else if !null {
		err := s.object(func(key []byte) error {
			var err error
			switch string(key) {
			case "id":
				return decID(s, &id)
			case "total":
				total, err = s.raw()
			case "subtotal":
				subtotal, err = s.raw()
			default:
				err = s.skip(0)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	var err error
	t.ID = id
	if t.Total, err = lenientDecimal(total); err != nil {
		return errSlowPath
	}
	if t.Subtotal, err = lenientDecimal(subtotal); err != nil {
		return errSlowPath
	}
	return nil
}

func decAddress(s *scanner, a *Address) error {
	return decStruct(s, a, func(s *scanner, a *Address, key []byte) error {
		switch string(key) {
		case "first_name":
			return decStr(s, &a.FirstName)
		case "last_name":
			return decStr(s, &a.LastName)
		case "company":
			return decStr(s, &a.Company)
		case "address_1":
			return decStr(s, &a.Address1)
		case "address_2":
			return decStr(s, &a.Address2)
		case "city":
			return decStr(s, &a.City)
		case "state":
			return decStr(s, &a.State)
		case "postcode":
			return decStr(s, &a.Postcode)
		case "country":
			return decStr(s, &a.Country)
		case "email":
			return decStr(s, &a.Email)
		case "phone":
			return decStr(s, &a.Phone)
		}
		return s.skip(0)
	})
}

func decImage(s *scanner, v **Image) error {
	if null, err := s.null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	img := new(Image)
	*v = img
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decID(s, &img.ID)
		case "src":
			return decStr(s, &img.Src)
		}
		return s.skip(0)
	})
}

func decLineItem(s *scanner, l *LineItem) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &l.ID)
		case "name":
			return decStr(s, &l.Name)
		case "parent_name":
			return decStr(s, &l.ParentName)
		case "product_id":
			return decInt(s, &l.ProductID)
		case "variation_id":
			return decInt(s, &l.VariationID)
		case "quantity":
			return decDecimal(s, &l.Quantity)
		case "tax_class":
			return decStr(s, &l.TaxClass)
		case "subtotal":
			return decDecimal(s, &l.Subtotal)
		case "subtotal_tax":
			return decDecimal(s, &l.SubtotalTax)
		case "total":
			return decDecimal(s, &l.Total)
		case "total_tax":
			return decDecimal(s, &l.TotalTax)
		case "taxes":
			return decSlice(s, &l.Taxes, decTax)
		case "meta_data":
			return decSlice(s, &l.MetaData, decMeta)
		case "sku":
			return decStr(s, &l.SKU)
		case "price":
			return decDecimal(s, &l.Price)
		case "image":
			return decImage(s, &l.Image)
		}
		return s.skip(0)
	})
}

func decShippingLine(s *scanner, l *ShippingLine) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &l.ID)
		case "method_title":
			return decStr(s, &l.MethodTitle)
		case "method_id":
			return decStr(s, &l.MethodID)
		case "instance_id":
			return decStr(s, &l.InstanceID)
		case "total":
			return decDecimal(s, &l.Total)
		case "total_tax":
			return decDecimal(s, &l.TotalTax)
		case "taxes":
			return decSlice(s, &l.Taxes, decTax)
		case "meta_data":
			return decSlice(s, &l.MetaData, decMeta)
		}
		return s.skip(0)
	})
}

func decFeeLine(s *scanner, l *FeeLine) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &l.ID)
		case "name":
			return decStr(s, &l.Name)
		case "tax_class":
			return decStr(s, &l.TaxClass)
		case "tax_status":
			return decStr(s, &l.TaxStatus)
		case "total":
			return decDecimal(s, &l.Total)
		case "total_tax":
			return decDecimal(s, &l.TotalTax)
		case "taxes":
			return decSlice(s, &l.Taxes, decTax)
		case "meta_data":
			return decSlice(s, &l.MetaData, decMeta)
		}
		return s.skip(0)
	})
}

func decTaxLine(s *scanner, l *TaxLine) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &l.ID)
		case "rate_code":
			return decStr(s, &l.RateCode)
		case "rate_id":
			return decID(s, &l.RateID)
		case "label":
			return decStr(s, &l.Label)
		case "compound":
			return decBool(s, &l.Compound)
		case "rate_percent":
			return decDecimal(s, &l.RatePercent)
		case "tax_total":
			return decDecimal(s, &l.TaxTotal)
		case "shipping_tax_total":
			return decDecimal(s, &l.ShippingTaxTotal)
		case "meta_data":
			return decSlice(s, &l.MetaData, decMeta)
		}
		return s.skip(0)
	})
}

func decCouponLine(s *scanner, l *CouponLine) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &l.ID)
		case "code":
			return decStr(s, &l.Code)
		case "discount":
			return decDecimal(s, &l.Discount)
		case "discount_tax":
			return decDecimal(s, &l.DiscountTax)
		case "meta_data":
			return decSlice(s, &l.MetaData, decMeta)
		}
		return s.skip(0)
	})
}

func decOrderRefund(s *scanner, r *OrderRefund) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &r.ID)
		case "reason":
			return decStr(s, &r.Reason)
		case "total":
			return decDecimal(s, &r.Total)
		}
		return s.skip(0)
	})
}

func decOrder(s *scanner, o *Order) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &o.ID)
		case "parent_id":
			return decInt(s, &o.ParentID)
		case "number":
			return decStr(s, &o.Number)
		case "order_key":
			return decStr(s, &o.OrderKey)
		case "created_via":
			return decStr(s, &o.CreatedVia)
		case "version":
			return decStr(s, &o.Version)
		case "status":
			return decStr(s, (*string)(&o.Status))
		case "currency":
			return decStr(s, &o.Currency)
		case "date_created_gmt":
			return decTime(s, &o.DateCreated)
		case "date_modified_gmt":
			return decTime(s, &o.DateModified)
		case "date_paid_gmt":
			return decTime(s, &o.DatePaid)
		case "date_completed_gmt":
			return decTime(s, &o.DateCompleted)
		case "discount_total":
			return decDecimal(s, &o.DiscountTotal)
		case "discount_tax":
			return decDecimal(s, &o.DiscountTax)
		case "shipping_total":
			return decDecimal(s, &o.ShippingTotal)
		case "shipping_tax":
			return decDecimal(s, &o.ShippingTax)
		case "cart_tax":
			return decDecimal(s, &o.CartTax)
		case "total":
			return decDecimal(s, &o.Total)
		case "total_tax":
			return decDecimal(s, &o.TotalTax)
		case "prices_include_tax":
			return decBool(s, &o.PricesIncludeTax)
		case "customer_id":
			return decInt(s, &o.CustomerID)
		case "customer_ip_address":
			return decStr(s, &o.CustomerIPAddress)
		case "customer_user_agent":
			return decStr(s, &o.CustomerUserAgent)
		case "customer_note":
			return decStr(s, &o.CustomerNote)
		case "billing":
			return decAddress(s, &o.Billing)
		case "shipping":
			return decAddress(s, &o.Shipping)
		case "payment_method":
			return decStr(s, &o.PaymentMethod)
		case "payment_method_title":
			return decStr(s, &o.PaymentMethodTitle)
		case "transaction_id":
			return decStr(s, &o.TransactionID)
		case "cart_hash":
			return decStr(s, &o.CartHash)
		case "meta_data":
			return decSlice(s, &o.MetaData, decMeta)
		case "line_items":
			return decSlice(s, &o.LineItems, decLineItem)
		case "tax_lines":
			return decSlice(s, &o.TaxLines, decTaxLine)
		case "shipping_lines":
			return decSlice(s, &o.ShippingLines, decShippingLine)
		case "fee_lines":
			return decSlice(s, &o.FeeLines, decFeeLine)
		case "coupon_lines":
			return decSlice(s, &o.CouponLines, decCouponLine)
		case "refunds":
			return decSlice(s, &o.Refunds, decOrderRefund)
		}
		return s.skip(0)
	})
}

func decNote(s *scanner, n *Note) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &n.ID)
		case "author":
			return decStr(s, &n.Author)
		case "date_created_gmt":
			return decTime(s, &n.DateCreated)
		case "note":
			return decStr(s, &n.Note)
		case "customer_note":
			return decBool(s, &n.CustomerNote)
		}
		return s.skip(0)
	})
}

func decRefund(s *scanner, r *Refund) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return decInt(s, &r.ID)
		case "date_created_gmt":
			return decTime(s, &r.DateCreated)
		case "amount":
			return decDecimal(s, &r.Amount)
		case "reason":
			return decStr(s, &r.Reason)
		case "refunded_by":
			return decInt(s, &r.RefundedBy)
		case "refunded_payment":
			return decBool(s, &r.RefundedPayment)
		case "meta_data":
			return decSlice(s, &r.MetaData, decMeta)
		case "line_items":
			return decSlice(s, &r.LineItems, decLineItem)
		case "shipping_lines":
			return decSlice(s, &r.ShippingLines, decShippingLine)
		case "fee_lines":
			return decSlice(s, &r.FeeLines, decFeeLine)
		case "tax_lines":
			return decSlice(s, &r.TaxLines, decTaxLine)
		}
		return s.skip(0)
	})
}
