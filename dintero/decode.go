package dintero

import (
	"encoding/json"

	"github.com/dinterowoo/dinterowoo/internal/jsonscan"
	"github.com/shopspring/decimal"
)

// The fast decoder of transactions: the fields the engine reads on every
// call (status, amounts, items, events) decoded from the bytes without
// reflection (internal/jsonscan), maps too (metadata, request headers).
// Rare structs (card, the session, addresses) go to encoding/json one
// value at a time, which gives them exactly what decoding them in place
// would.
// FuzzFastTransactionDecoder holds the whole to encoding/json's result;
// anything out of the ordinary sends the whole body to encoding/json.

type (
	transactionBody  struct{ out *Transaction }
	transactionsBody struct{ out *[]*Transaction }
)

func (b transactionBody) DecodeBody(body []byte) error {
	return jsonscan.Decode(body, b.out, decTransaction)
}

func (b transactionsBody) DecodeBody(body []byte) error {
	return jsonscan.Decode(body, b.out, func(s *jsonscan.Scanner, v *[]*Transaction) error {
		return jsonscan.PtrSlice(s, v, decTransaction)
	})
}

// decValue decodes one value with encoding/json, into v as it stands.
func decValue(s *jsonscan.Scanner, v any) error {
	raw, err := s.Raw()
	if err != nil {
		return err
	}
	if json.Unmarshal(raw, v) != nil {
		return jsonscan.ErrSlowPath
	}
	return nil
}

// decNumber decodes as Number.UnmarshalJSON does: null is zero, anything
// else is read as decimal.Decimal's UnmarshalJSON reads it.
func decNumber(s *jsonscan.Scanner, n *Number) error {
	if null, err := s.Null(); null || err != nil {
		if null {
			n.Decimal = decimal.Decimal{}
		}
		return err
	}
	return jsonscan.Decimal(s, &n.Decimal)
}

func decItem(s *jsonscan.Scanner, it *Item) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.String(s, &it.ID)
		case "line_id":
			return jsonscan.String(s, &it.LineID)
		case "description":
			return jsonscan.String(s, &it.Description)
		case "quantity":
			return decNumber(s, &it.Quantity)
		case "amount":
			return jsonscan.Int(s, &it.Amount)
		case "vat_amount":
			return jsonscan.Int(s, &it.VATAmount)
		case "vat":
			return decNumber(s, &it.VAT)
		case "type":
			return jsonscan.String(s, &it.Type)
		case "groups":
			return decValue(s, &it.Groups)
		case "thumbnail_url":
			return jsonscan.String(s, &it.ThumbnailURL)
		case "discount_lines":
			return decValue(s, &it.Discounts)
		case "metadata":
			return jsonscan.AnyMap(s, (*map[string]any)(&it.Metadata))
		}
		return s.Skip()
	})
}

func decEvent(s *jsonscan.Scanner, e *TransactionEvent) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.String(s, &e.ID)
		case "event":
			return jsonscan.String(s, (*string)(&e.Event))
		case "transaction_status":
			return jsonscan.String(s, (*string)(&e.TransactionStatus))
		case "success":
			return jsonscan.Bool(s, &e.Success)
		case "amount":
			return jsonscan.Int(s, &e.Amount)
		case "items":
			return jsonscan.Slice(s, &e.Items, decItem)
		case "created_at":
			return jsonscan.Unmarshal(s, &e.CreatedAt)
		case "created_by":
			return jsonscan.String(s, &e.CreatedBy)
		case "request_id":
			return jsonscan.String(s, &e.RequestID)
		case "correlation_request_id":
			return jsonscan.String(s, &e.CorrelationRequestID)
		case "event_reference":
			return jsonscan.String(s, &e.EventReference)
		case "error":
			return decValue(s, &e.Error)
		case "metadata":
			return jsonscan.AnyMap(s, (*map[string]any)(&e.Metadata))
		case "request_headers":
			return jsonscan.StringMap(s, &e.RequestHeaders)
		case "calculated_vat_amount":
			return decNumber(s, &e.CalculatedVATAmount)
		case "correction":
			return jsonscan.AnyMap(s, &e.Correction)
		}
		return s.Skip()
	})
}

// decShippingOption decodes as encoding/json decodes into a pointer: null
// makes it nil, an object fills the struct (made when nil).
func decShippingOption(s *jsonscan.Scanner, v **ShippingOption) error {
	if null, err := s.Null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	if *v == nil {
		*v = new(ShippingOption)
	}
	o := *v
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.String(s, &o.ID)
		case "line_id":
			return jsonscan.String(s, &o.LineID)
		case "amount":
			return jsonscan.Int(s, &o.Amount)
		case "vat_amount":
			return jsonscan.Int(s, &o.VATAmount)
		case "vat":
			return decNumber(s, &o.VAT)
		case "title":
			return jsonscan.String(s, &o.Title)
		case "description":
			return jsonscan.String(s, &o.Description)
		case "operator":
			return jsonscan.String(s, &o.Operator)
		case "delivery_method":
			return jsonscan.String(s, &o.DeliveryMethod)
		case "operator_product_id":
			return jsonscan.String(s, &o.OperatorProductID)
		case "pick_up_address":
			return decValue(s, &o.PickUpAddress)
		}
		return s.Skip()
	})
}

func decTransaction(s *jsonscan.Scanner, t *Transaction) error {
	return s.Object(func(key []byte) error {
		switch string(key) {
		case "id":
			return jsonscan.String(s, &t.ID)
		case "created_at":
			return jsonscan.Unmarshal(s, &t.CreatedAt)
		case "updated_at":
			return jsonscan.Unmarshal(s, &t.UpdatedAt)
		case "status":
			return jsonscan.String(s, (*string)(&t.Status))
		case "amount":
			return jsonscan.Int(s, &t.Amount)
		case "currency":
			return jsonscan.String(s, &t.Currency)
		case "merchant_reference":
			return jsonscan.String(s, &t.MerchantReference)
		case "merchant_reference_2":
			return jsonscan.String(s, &t.MerchantReference2)
		case "session_id":
			return jsonscan.String(s, &t.SessionID)
		case "payment_product":
			return jsonscan.String(s, &t.PaymentProduct)
		case "payment_product_type":
			return jsonscan.String(s, &t.PaymentProductType)
		case "items":
			return jsonscan.Slice(s, &t.Items, decItem)
		case "events":
			return jsonscan.Slice(s, &t.Events, decEvent)
		case "customer":
			return decValue(s, &t.Customer)
		case "shipping_option":
			return decShippingOption(s, &t.ShippingOption)
		case "shipping_address":
			return decValue(s, &t.ShippingAddress)
		case "billing_address":
			return decValue(s, &t.BillingAddress)
		case "channel":
			return jsonscan.String(s, &t.Channel)
		case "settlement_status":
			return jsonscan.String(s, &t.SettlementStatus)
		case "metadata":
			return jsonscan.AnyMap(s, (*map[string]any)(&t.Metadata))
		case "payment_operation":
			return jsonscan.String(s, &t.PaymentOperation)
		case "customer_ip":
			return jsonscan.String(s, &t.CustomerIP)
		case "user_agent":
			return jsonscan.String(s, &t.UserAgent)
		case "store":
			return decValue(s, &t.Store)
		case "card":
			return decValue(s, &t.Card)
		case "gift_cards":
			return decValue(s, &t.GiftCards)
		case "dynamic_descriptor":
			return jsonscan.String(s, &t.DynamicDescriptor)
		case "url":
			return decValue(s, &t.URL)
		case "initiating_system_request_headers":
			return jsonscan.StringMap(s, &t.InitiatingSystemRequestHeaders)
		case "session":
			return decValue(s, &t.Session)
		}
		return s.Skip()
	})
}
