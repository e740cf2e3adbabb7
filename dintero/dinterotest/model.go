package dinterotest

import (
	"encoding/json"
	"time"
)

// The server's own wire model, written from Dintero's API definition
// (dintero_spec.md, which cites src/generated/payments.d.ts as N:<line>).
// It shares nothing with package dintero on purpose: a wrong tag or rule in
// the client must show up as a failing test, not be mirrored here.

// Transaction statuses (N:6053).
const (
	stInitiated                 = "INITIATED"
	stOnHold                    = "ON_HOLD"
	stAuthorized                = "AUTHORIZED"
	stPartiallyCaptured         = "PARTIALLY_CAPTURED"
	stPartiallyCapturedRefunded = "PARTIALLY_CAPTURED_REFUNDED"
	stCaptured                  = "CAPTURED"
	stPartiallyRefunded         = "PARTIALLY_REFUNDED"
	stRefunded                  = "REFUNDED"
	stVoided                    = "AUTHORIZATION_VOIDED"
	stDeclined                  = "DECLINED"
	stFailed                    = "FAILED"
	stUnknown                   = "UNKNOWN"
)

var knownStatuses = []string{stInitiated, stOnHold, stAuthorized, stPartiallyCaptured, stPartiallyCapturedRefunded,
	stCaptured, stPartiallyRefunded, stRefunded, stVoided, stDeclined, stFailed, stUnknown}

// Transaction event names (N:5336).
const (
	evInitialize      = "INITIALIZE"
	evAuthorize       = "AUTHORIZE"
	evCapture         = "CAPTURE"
	evRefund          = "REFUND"
	evVoid            = "VOID"
	evInitiateCapture = "INITIATE_CAPTURE"
	evInitiateRefund  = "INITIATE_REFUND"
	evInitiateVoid    = "INITIATE_VOID"
)

// roundingLineID is the plugin's balancing line (WC hb:248-304).
const roundingLineID = "rounding-fee"

// wireTime is how the server writes times: RFC 3339 in UTC with
// milliseconds, as Dintero's examples show them.
func wireTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// item is an OrderItem (N:2581-2657) plus the discount fields. Quantity and
// vat keep the number exactly as sent (they may be decimals); the parts the
// server never reads are carried through unchanged.
type item struct {
	ID            string          `json:"id,omitempty"`
	LineID        string          `json:"line_id,omitempty"`
	Description   string          `json:"description,omitempty"`
	Quantity      json.Number     `json:"quantity,omitempty"`
	Amount        *int64          `json:"amount,omitempty"`
	VATAmount     *int64          `json:"vat_amount,omitempty"`
	VAT           json.Number     `json:"vat,omitempty"`
	Type          string          `json:"type,omitempty"`
	Groups        json.RawMessage `json:"groups,omitempty"`
	ThumbnailURL  string          `json:"thumbnail_url,omitempty"`
	DiscountLines json.RawMessage `json:"discount_lines,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
}

func (it item) amount() int64 {
	if it.Amount == nil {
		return 0
	}
	return *it.Amount
}

// shippingOption is ShippingOption (N:2778-2828): id, line_id, amount,
// title and operator are required.
type shippingOption struct {
	ID                string          `json:"id"`
	LineID            string          `json:"line_id"`
	Amount            *int64          `json:"amount"`
	VATAmount         *int64          `json:"vat_amount,omitempty"`
	VAT               json.Number     `json:"vat,omitempty"`
	Title             string          `json:"title"`
	Description       string          `json:"description,omitempty"`
	Operator          *string         `json:"operator"`
	OperatorProductID string          `json:"operator_product_id,omitempty"`
	DeliveryMethod    string          `json:"delivery_method,omitempty"`
	PickUpAddress     json.RawMessage `json:"pick_up_address,omitempty"`
	ETA               json.RawMessage `json:"eta,omitempty"`
	TimeSlot          json.RawMessage `json:"time_slot,omitempty"`
	Environmental     json.RawMessage `json:"environmental_data,omitempty"`
}

// order is a session's order (N:2985-3117).
type order struct {
	Amount             *int64          `json:"amount"`
	Currency           string          `json:"currency"`
	MerchantReference  string          `json:"merchant_reference"`
	MerchantReference2 string          `json:"merchant_reference_2,omitempty"`
	VATAmount          *int64          `json:"vat_amount,omitempty"`
	Items              []item          `json:"items,omitempty"`
	ShippingOption     *shippingOption `json:"shipping_option,omitempty"`
	ShippingAddress    json.RawMessage `json:"shipping_address,omitempty"`
	BillingAddress     json.RawMessage `json:"billing_address,omitempty"`
	PartialPayment     bool            `json:"partial_payment,omitempty"`
	EventReference     string          `json:"event_reference,omitempty"`
	GiftCards          json.RawMessage `json:"gift_cards,omitempty"`
	Store              json.RawMessage `json:"store,omitempty"`
}

func (o *order) amount() int64 {
	if o.Amount == nil {
		return 0
	}
	return *o.Amount
}

// sessionURL is the session's url block (N:1488-1489).
type sessionURL struct {
	ReturnURL        string `json:"return_url"`
	CallbackURL      string `json:"callback_url,omitempty"`
	MerchantTermsURL string `json:"merchant_terms_url,omitempty"`
}

// address keeps the names search matches on (N:8219-8223).
type address struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
}

// sessionEvent is one entry of a session's history (N:5039-5106).
type sessionEvent struct {
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

// session is Id + Session + SessionRead + SessionCancelled (N:7554).
type session struct {
	ID            string          `json:"id"`
	CreatedAt     string          `json:"created_at"`
	UpdatedAt     string          `json:"updated_at,omitempty"`
	URL           sessionURL      `json:"url"`
	Order         order           `json:"order"`
	ProfileID     string          `json:"profile_id,omitempty"`
	Customer      json.RawMessage `json:"customer,omitempty"`
	ExpiresAt     string          `json:"expires_at,omitempty"`
	Configuration json.RawMessage `json:"configuration,omitempty"`
	Metadata      map[string]any  `json:"metadata,omitempty"`
	TransactionID string          `json:"transaction_id,omitempty"`
	CancelledAt   string          `json:"cancelled_at,omitempty"`
	CancelledBy   string          `json:"cancelled_by,omitempty"`
	Events        []sessionEvent  `json:"events"`
	// Stored lower-cased, with user-agent (N:4834-4872).
	InitiatingSystemRequestHeaders map[string]string `json:"initiating_system_request_headers,omitempty"`

	locked bool // the customer has the payment page open (N:48)
}

// eventError says why an event failed (N:5364-5380).
type eventError struct {
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	ResultCode string `json:"result_code,omitempty"`
}

// event is a TransactionEvent (N:5320-5418).
type event struct {
	ID                   string            `json:"id"`
	Event                string            `json:"event"`
	TransactionStatus    string            `json:"transaction_status"`
	Success              bool              `json:"success"`
	Amount               int64             `json:"amount"`
	Items                []item            `json:"items,omitempty"`
	CreatedAt            string            `json:"created_at"`
	CreatedBy            string            `json:"created_by,omitempty"`
	RequestID            string            `json:"request_id"`
	CorrelationRequestID string            `json:"correlation_request_id,omitempty"`
	EventReference       string            `json:"event_reference,omitempty"`
	Error                *eventError       `json:"error,omitempty"`
	Metadata             map[string]string `json:"metadata,omitempty"`
	RequestHeaders       map[string]string `json:"request_headers,omitempty"`

	at time.Time // CreatedAt, for the list's time filters
}

// transactionURL is the transaction's url block (N:6098-6116).
type transactionURL struct {
	CallbackURL string `json:"callback_url,omitempty"`
	RedirectURL string `json:"redirect_url,omitempty"`
}

// transaction is a Transaction (N:5972-6229) as the server stores it.
type transaction struct {
	ID                             string            `json:"id"`
	CreatedAt                      string            `json:"created_at"`
	UpdatedAt                      string            `json:"updated_at"`
	Status                         string            `json:"status"`
	Amount                         int64             `json:"amount"`
	Currency                       string            `json:"currency"`
	MerchantReference              string            `json:"merchant_reference"`
	MerchantReference2             string            `json:"merchant_reference_2,omitempty"`
	SessionID                      string            `json:"session_id"`
	PaymentProduct                 string            `json:"payment_product"`
	PaymentProductType             string            `json:"payment_product_type"`
	Channel                        string            `json:"channel"`
	Customer                       json.RawMessage   `json:"customer,omitempty"`
	ShippingAddress                json.RawMessage   `json:"shipping_address,omitempty"`
	BillingAddress                 json.RawMessage   `json:"billing_address,omitempty"`
	ShippingOption                 *shippingOption   `json:"shipping_option,omitempty"`
	Store                          json.RawMessage   `json:"store,omitempty"`
	Items                          []item            `json:"items,omitempty"`
	Events                         []event           `json:"events"`
	URL                            *transactionURL   `json:"url,omitempty"`
	Metadata                       map[string]any    `json:"metadata,omitempty"`
	InitiatingSystemRequestHeaders map[string]string `json:"initiating_system_request_headers,omitempty"`
	// Session is set on reads with includes=session (N:6194-6205).
	Session *session `json:"session,omitempty"`

	createdAt time.Time
	closed    bool // a final_capture ended capturing (N:7835-7839)
}

// sum adds the successful events of one kind.
func (tx *transaction) sum(kind string) int64 {
	var n int64
	for _, e := range tx.Events {
		if e.Event == kind && e.Success {
			n += e.Amount
		}
	}
	return n
}

func (tx *transaction) captured() int64 { return tx.sum(evCapture) }
func (tx *transaction) refunded() int64 { return tx.sum(evRefund) }

// clone deep-copies a transaction through its JSON, so nobody shares the
// server's slices and maps.
func (tx *transaction) clone() *transaction {
	b, _ := json.Marshal(tx)
	out := &transaction{}
	json.Unmarshal(b, out)
	out.createdAt, out.closed = tx.createdAt, tx.closed
	for i := range out.Events {
		out.Events[i].at = tx.Events[i].at
	}
	return out
}

// clone deep-copies a session.
func (s *session) clone() *session {
	b, _ := json.Marshal(s)
	out := &session{}
	json.Unmarshal(b, out)
	out.locked = s.locked
	return out
}
