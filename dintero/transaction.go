package dintero

import (
	"time"
)

// Status is a transaction's status. Values Dintero adds later are kept as
// they come, not rejected.
type Status string

// Transaction statuses, as documented by Dintero.
const (
	StatusInitiated                 Status = "INITIATED"
	StatusAuthorized                Status = "AUTHORIZED"
	StatusAuthorizationVoided       Status = "AUTHORIZATION_VOIDED"
	StatusCaptured                  Status = "CAPTURED"
	StatusPartiallyCaptured         Status = "PARTIALLY_CAPTURED"
	StatusPartiallyCapturedRefunded Status = "PARTIALLY_CAPTURED_REFUNDED"
	StatusRefunded                  Status = "REFUNDED"
	StatusPartiallyRefunded         Status = "PARTIALLY_REFUNDED"
	StatusDeclined                  Status = "DECLINED"
	StatusFailed                    Status = "FAILED"
	StatusUnknown                   Status = "UNKNOWN"
	StatusOnHold                    Status = "ON_HOLD"
)

// CanCapture reports whether Dintero accepts a capture in this status:
// AUTHORIZED, PARTIALLY_CAPTURED, and PARTIALLY_CAPTURED_REFUNDED, whose
// remainder can still be captured (Dintero's status table).
func (s Status) CanCapture() bool {
	return s == StatusAuthorized || s == StatusPartiallyCaptured || s == StatusPartiallyCapturedRefunded
}

// CanRefund reports whether Dintero accepts a refund in this status.
func (s Status) CanRefund() bool {
	switch s {
	case StatusCaptured, StatusPartiallyCaptured, StatusPartiallyRefunded, StatusPartiallyCapturedRefunded:
		return true
	}
	return false
}

// IsCaptured reports whether any money has been captured: CAPTURED,
// PARTIALLY_CAPTURED and every refunded status. (The plugin treats only
// CAPTURED as captured and so captures a partly captured order again.)
func (s Status) IsCaptured() bool {
	switch s {
	case StatusCaptured, StatusPartiallyCaptured, StatusRefunded, StatusPartiallyRefunded, StatusPartiallyCapturedRefunded:
		return true
	}
	return false
}

// EventType names a transaction event. Unknown values are kept.
type EventType string

// Transaction event types.
const (
	EventInitialize      EventType = "INITIALIZE"
	EventAuthorize       EventType = "AUTHORIZE"
	EventCapture         EventType = "CAPTURE"
	EventRefund          EventType = "REFUND"
	EventVoid            EventType = "VOID"
	EventInitiateCapture EventType = "INITIATE_CAPTURE"
	EventInitiateRefund  EventType = "INITIATE_REFUND"
	EventInitiateVoid    EventType = "INITIATE_VOID"
	EventSettlement      EventType = "SETTLEMENT"
)

// Item is an order line: in a session, on a transaction, and in capture
// and refund requests. Amounts are in minor units; Amount includes VAT.
type Item struct {
	ID string `json:"id,omitempty"`
	// LineID names the line for captures and refunds. It is optional in a
	// session (unique when given; Instabank and Collector need it) and
	// required on capture and refund items.
	LineID      string `json:"line_id,omitempty"`
	Description string `json:"description,omitempty"`
	Quantity    Number `json:"quantity,omitzero"`
	// Amount is the gross line total (net + VAT, after discounts). It may
	// be negative: a gift_card line usually is.
	Amount int64 `json:"amount"`
	// VATAmount is the VAT inside Amount.
	VATAmount int64 `json:"vat_amount,omitempty"`
	// VAT is the rate in percent (25 means 25 %).
	VAT          Number   `json:"vat,omitzero"`
	Type         string   `json:"type,omitempty"`
	Groups       []Group  `json:"groups,omitempty"`
	ThumbnailURL string   `json:"thumbnail_url,omitempty"`
	Discounts    []any    `json:"discount_lines,omitempty"`
	Metadata     Metadata `json:"metadata,omitempty"`
}

// Item types Dintero knows.
const (
	ItemPhysical  = "physical"
	ItemDigital   = "digital"
	ItemService   = "service"
	ItemGiftCard  = "gift_card"
	ItemShipping  = "shipping"
	ItemSurcharge = "surcharge"
)

// Group is a product group an item belongs to.
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Metadata holds free-form values. On captures and refunds Dintero wants
// keys that start with "ext_" and string values.
type Metadata map[string]any

// Customer identifies the payer.
type Customer struct {
	CustomerID  string `json:"customer_id,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// Address is a shipping or billing address.
type Address struct {
	FirstName    string `json:"first_name,omitempty"`
	LastName     string `json:"last_name,omitempty"`
	BusinessName string `json:"business_name,omitempty"`
	AddressLine  string `json:"address_line,omitempty"`
	AddressLine2 string `json:"address_line_2,omitempty"`
	PostalCode   string `json:"postal_code,omitempty"`
	PostalPlace  string `json:"postal_place,omitempty"`
	Country      string `json:"country,omitempty"`
	Email        string `json:"email,omitempty"`
	PhoneNumber  string `json:"phone_number,omitempty"`
}

// ShippingOption is the delivery the customer chose. After payment
// Dintero moves it into the transaction's items, so captures and refunds
// must include its line.
type ShippingOption struct {
	ID        string `json:"id"`
	LineID    string `json:"line_id"`
	Amount    int64  `json:"amount"`
	VATAmount int64  `json:"vat_amount,omitempty"`
	VAT       Number `json:"vat,omitzero"`
	// Title is required by Dintero, and always sent.
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Operator    string `json:"operator"`
	// DeliveryMethod is delivery, pick_up, unspecified or none.
	DeliveryMethod    string `json:"delivery_method,omitempty"`
	OperatorProductID string `json:"operator_product_id,omitempty"`
	// PickUpAddress is where a pick_up delivery is collected.
	PickUpAddress *Address `json:"pick_up_address,omitempty"`
}

// Transaction is a payment at Dintero.
type Transaction struct {
	ID                 string             `json:"id"`
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at,omitzero"`
	Status             Status             `json:"status"`
	Amount             int64              `json:"amount"` // the authorized total, minor units
	Currency           string             `json:"currency"`
	MerchantReference  string             `json:"merchant_reference,omitempty"`
	MerchantReference2 string             `json:"merchant_reference_2,omitempty"`
	SessionID          string             `json:"session_id,omitempty"`
	PaymentProduct     string             `json:"payment_product,omitempty"`
	PaymentProductType string             `json:"payment_product_type,omitempty"`
	Items              []Item             `json:"items,omitempty"`
	Events             []TransactionEvent `json:"events,omitempty"`
	Customer           *Customer          `json:"customer,omitempty"`
	ShippingOption     *ShippingOption    `json:"shipping_option,omitempty"`
	ShippingAddress    *Address           `json:"shipping_address,omitempty"`
	BillingAddress     *Address           `json:"billing_address,omitempty"`
	Channel            string             `json:"channel,omitempty"`
	SettlementStatus   string             `json:"settlement_status,omitempty"`
	Metadata           Metadata           `json:"metadata,omitempty"`
	PaymentOperation   string             `json:"payment_operation,omitempty"`
	CustomerIP         string             `json:"customer_ip,omitempty"`
	UserAgent          string             `json:"user_agent,omitempty"`
	// Store is the store the payment was taken in, when one is set.
	Store map[string]any `json:"store,omitempty"`
	// Card describes the card for card payments (brand, masked number…).
	Card map[string]any `json:"card,omitempty"`
	// GiftCards are Dintero Wallets gift cards used in the payment.
	GiftCards         []map[string]any `json:"gift_cards,omitempty"`
	DynamicDescriptor string           `json:"dynamic_descriptor,omitempty"`
	URL               *TransactionURL  `json:"url,omitempty"`
	// InitiatingSystemRequestHeaders are the Dintero-System-* headers (and
	// user-agent) of the request that created the session, lower-cased.
	InitiatingSystemRequestHeaders map[string]string `json:"initiating_system_request_headers,omitempty"`
	// Session is the originating session, with GetOptions.Includes
	// "session".
	Session *Session `json:"session,omitempty"`
}

// TransactionURL holds the transaction's addresses.
type TransactionURL struct {
	CallbackURL string `json:"callback_url,omitempty"`
	RedirectURL string `json:"redirect_url,omitempty"`
	ApprovalURL string `json:"approval_url,omitempty"`
}

// TransactionEvent is one entry in a transaction's history.
type TransactionEvent struct {
	ID                string    `json:"id,omitempty"`
	Event             EventType `json:"event"`
	TransactionStatus Status    `json:"transaction_status,omitempty"`
	Success           bool      `json:"success"`
	Amount            int64     `json:"amount,omitempty"`
	Items             []Item    `json:"items,omitempty"`
	CreatedAt         time.Time `json:"created_at,omitzero"`
	CreatedBy         string    `json:"created_by,omitempty"`
	// RequestID is the id of the request that caused the event.
	RequestID string `json:"request_id,omitempty"`
	// CorrelationRequestID links the completion of a 202-accepted operation
	// to the event-request-id of its answer.
	CorrelationRequestID string `json:"correlation_request_id,omitempty"`
	// EventReference is the capture_reference or refund_reference sent.
	EventReference string      `json:"event_reference,omitempty"`
	Error          *EventError `json:"error,omitempty"`
	Metadata       Metadata    `json:"metadata,omitempty"`
	// RequestHeaders are the Dintero-System-* headers (and user-agent) of
	// the request that caused the event, lower-cased.
	RequestHeaders map[string]string `json:"request_headers,omitempty"`
	// CalculatedVATAmount is Dintero's best-effort VAT of Amount.
	CalculatedVATAmount Number `json:"calculated_vat_amount,omitzero"`
	// Correction is set after a failed operation: what it left to do.
	Correction map[string]any `json:"correction,omitempty"`
}

// EventError tells why an event failed.
type EventError struct {
	Code       string   `json:"code,omitempty"`
	Message    string   `json:"message,omitempty"`
	Type       []string `json:"type,omitempty"`
	ResultCode string   `json:"result_code,omitempty"`
}

// CapturedAmount is the sum of the successful captures.
func (t *Transaction) CapturedAmount() int64 { return t.sum(EventCapture) }

// RefundedAmount is the sum of the successful refunds.
func (t *Transaction) RefundedAmount() int64 { return t.sum(EventRefund) }

// RemainingToCapture is what may still be captured: the authorized amount
// less captures, or nothing once the transaction cannot be captured.
func (t *Transaction) RemainingToCapture() int64 {
	if !t.Status.CanCapture() {
		return 0
	}
	return max(t.Amount-t.CapturedAmount()-t.PendingAmount(EventCapture), 0)
}

// RemainingToRefund is what may still be refunded: captures less refunds.
func (t *Transaction) RemainingToRefund() int64 {
	if !t.Status.CanRefund() {
		return 0
	}
	return max(t.CapturedAmount()-t.RefundedAmount()-t.PendingAmount(EventRefund), 0)
}

// FindEvent returns the successful event of the given type whose
// EventReference is ref, or nil. This is how a caller learns whether a
// capture or refund it is unsure of took place; a pending (202) operation
// counts, found through its INITIATE_ event.
func (t *Transaction) FindEvent(typ EventType, ref string) *TransactionEvent {
	initiate := initiateOf(typ)
	var pending *TransactionEvent
	for i := range t.Events {
		e := &t.Events[i]
		if e.EventReference != ref || !e.Success {
			continue
		}
		if e.Event == typ {
			return e
		}
		if initiate != "" && e.Event == initiate && pending == nil {
			pending = e
		}
	}
	return pending
}

func initiateOf(typ EventType) EventType {
	switch typ {
	case EventCapture:
		return EventInitiateCapture
	case EventRefund:
		return EventInitiateRefund
	case EventVoid:
		return EventInitiateVoid
	}
	return ""
}

func (t *Transaction) sum(typ EventType) int64 {
	var n int64
	for _, e := range t.Events {
		if e.Event == typ && e.Success {
			n += e.Amount
		}
	}
	return n
}

// PendingAmount is the amount of operations of the given type (EventCapture,
// EventRefund, EventVoid) that Dintero accepted with 202 and has not
// completed yet: their INITIATE_ events without a completion that names
// their request id.
func (t *Transaction) PendingAmount(typ EventType) int64 {
	initiate := initiateOf(typ)
	completed := map[string]bool{}
	for _, e := range t.Events {
		if e.Event == typ && e.CorrelationRequestID != "" {
			completed[e.CorrelationRequestID] = true
		}
	}
	var n int64
	for _, e := range t.Events {
		if e.Event == initiate && e.Success && !completed[e.RequestID] {
			n += e.Amount
		}
	}
	return n
}
