package dintero

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dinterowoo/dinterowoo/money"
)

// SessionsService creates and manages checkout sessions: the payment page
// a customer pays on. Reach it through Client.Sessions.
type SessionsService service

// SessionURLs are the addresses Dintero sends the customer and its
// callbacks to.
type SessionURLs struct {
	// ReturnURL is where the customer lands after paying. Required.
	ReturnURL string `json:"return_url"`
	// CallbackURL is called server to server when the payment is
	// authorized; see ParseCallback and CallbackVerifier.
	CallbackURL      string `json:"callback_url,omitempty"`
	MerchantTermsURL string `json:"merchant_terms_url,omitempty"`
}

// Order is what the customer pays for. Amount must equal the sum of the
// items plus shipping, unless PartialPayment is set.
type Order struct {
	Amount             int64           `json:"amount"`
	Currency           string          `json:"currency"`
	MerchantReference  string          `json:"merchant_reference"`
	MerchantReference2 string          `json:"merchant_reference_2,omitempty"`
	VATAmount          int64           `json:"vat_amount,omitempty"`
	Items              []Item          `json:"items,omitempty"`
	ShippingOption     *ShippingOption `json:"shipping_option,omitempty"`
	ShippingAddress    *Address        `json:"shipping_address,omitempty"`
	BillingAddress     *Address        `json:"billing_address,omitempty"`
	PartialPayment     bool            `json:"partial_payment,omitempty"`
	EventReference     string          `json:"event_reference,omitempty"`
}

// SessionRequest creates a session. Set ProfileID for CreateFromProfile,
// Configuration for Create.
type SessionRequest struct {
	URL       SessionURLs `json:"url"`
	Order     Order       `json:"order"`
	ProfileID string      `json:"profile_id,omitempty"`
	Customer  *Customer   `json:"customer,omitempty"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
	// Configuration is the inline payment configuration, such as
	// {"auto_capture": false, "dintero_psp": {"creditcard": {"enabled": true}}}.
	Configuration map[string]any `json:"configuration,omitempty"`
	Metadata      Metadata       `json:"metadata,omitempty"`
}

// SessionCreated is Dintero's answer to a session create: the session id
// and the URL of the payment page.
type SessionCreated struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Publish lists where the session was published (for example a
	// payment link sent by SMS), when it was.
	Publish []map[string]any `json:"publish,omitempty"`
	// Session is set when CreateOptions.IncludeSession was.
	Session *Session `json:"session,omitempty"`
}

// CreateOptions tunes a session create.
type CreateOptions struct {
	// IncludeSession asks for the whole session in the answer.
	IncludeSession bool
	// StrictAmounts sends the strict-session-amounts feature toggle, which
	// Dintero recommends: order.amount must then equal the items plus
	// shipping (unless PartialPayment), and the client checks that before
	// sending. Without it Dintero accepts amounts that differ.
	StrictAmounts bool
}

// Session is a checkout session.
type Session struct {
	ID            string         `json:"id"`
	CreatedAt     time.Time      `json:"created_at,omitzero"`
	UpdatedAt     time.Time      `json:"updated_at,omitzero"`
	URL           SessionURLs    `json:"url"`
	Order         Order          `json:"order"`
	ProfileID     string         `json:"profile_id,omitempty"`
	Customer      *Customer      `json:"customer,omitempty"`
	ExpiresAt     time.Time      `json:"expires_at,omitzero"`
	Configuration map[string]any `json:"configuration,omitempty"`
	Metadata      Metadata       `json:"metadata,omitempty"`
	// TransactionID is set once the customer has paid.
	TransactionID string         `json:"transaction_id,omitempty"`
	CancelledAt   time.Time      `json:"cancelled_at,omitzero"`
	CancelledBy   string         `json:"cancelled_by,omitempty"`
	Events        []SessionEvent `json:"events,omitempty"`
	// InitiatingSystemRequestHeaders are the Dintero-System-* headers (and
	// user-agent) the session was created with, lower-cased.
	InitiatingSystemRequestHeaders map[string]string `json:"initiating_system_request_headers,omitempty"`
}

// SessionEvent is one entry in a session's history.
type SessionEvent struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Details   Metadata  `json:"details,omitempty"`
}

// CreateFromProfile creates a session from a payment profile configured at
// Dintero (req.ProfileID is required).
//
// Dintero API docs: POST /v1/sessions-profile
func (s *SessionsService) CreateFromProfile(ctx context.Context, req *SessionRequest, opts *CreateOptions) (*SessionCreated, *Response, error) {
	const op = "dintero.Sessions.CreateFromProfile"
	if req != nil && req.ProfileID == "" {
		return nil, nil, invalid(op, "profile_id is required")
	}
	return s.create(ctx, op, "sessions-profile", req, opts)
}

// Create creates a session with an inline configuration instead of a
// profile (req.Configuration is required).
//
// Dintero API docs: POST /v1/sessions
func (s *SessionsService) Create(ctx context.Context, req *SessionRequest, opts *CreateOptions) (*SessionCreated, *Response, error) {
	const op = "dintero.Sessions.Create"
	if req != nil && len(req.Configuration) == 0 {
		return nil, nil, invalid(op, "configuration is required without a profile")
	}
	return s.create(ctx, op, "sessions", req, opts)
}

func (s *SessionsService) create(ctx context.Context, op, path string, req *SessionRequest, opts *CreateOptions) (*SessionCreated, *Response, error) {
	if req == nil {
		return nil, nil, invalid(op, "nil request")
	}
	if req.URL.ReturnURL == "" {
		return nil, nil, invalid(op, "url.return_url is required")
	}
	strict := opts != nil && opts.StrictAmounts
	if err := checkOrder(&req.Order, strict); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	q := url.Values{}
	if opts != nil && opts.IncludeSession {
		q.Set("include_session", "true")
	}
	var h http.Header
	if strict {
		h = http.Header{"Dintero-Feature-Toggles": {"strict-session-amounts"}}
	}
	created := new(SessionCreated)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, path: path, query: q, header: h, body: req}, created)
	if err != nil {
		return nil, resp, err
	}
	return created, resp, nil
}

// Get reads a session; TransactionID is set once it has been paid.
//
// Dintero API docs: GET /v1/sessions/{id}
func (s *SessionsService) Get(ctx context.Context, id string) (*Session, *Response, error) {
	const op = "dintero.Sessions.Get"
	if err := checkID(op, "session", id); err != nil {
		return nil, nil, err
	}
	sess := new(Session)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, path: "sessions/" + url.PathEscape(id)}, sess)
	if err != nil {
		return nil, resp, err
	}
	return sess, resp, nil
}

// SessionUpdate changes a session's order before payment. Dintero takes
// any subset of the order's fields; this client always sends the whole
// order, which replaces the session's and must add up (items plus
// shipping equal to the amount).
type SessionUpdate struct {
	Order Order `json:"order"`
	// RemoveLock unlocks the session after the update (Dintero's default
	// is true).
	RemoveLock *bool `json:"remove_lock,omitempty"`
}

// UpdateOptions tunes a session update.
type UpdateOptions struct {
	// WithoutLock updates a session that is not locked.
	WithoutLock bool
}

// Update replaces the order of an unpaid session.
//
// Dintero API docs: PUT /v1/sessions/{id}
func (s *SessionsService) Update(ctx context.Context, id string, req *SessionUpdate, opts *UpdateOptions) (*Session, *Response, error) {
	const op = "dintero.Sessions.Update"
	if err := checkID(op, "session", id); err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, invalid(op, "nil request")
	}
	// An update must add up whatever the toggles.
	if err := checkOrder(&req.Order, true); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	q := url.Values{}
	if opts != nil && opts.WithoutLock {
		q.Set("update_without_lock", "true")
	}
	sess := new(Session)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPut, path: "sessions/" + url.PathEscape(id), query: q, body: req}, sess)
	if err != nil {
		return nil, resp, err
	}
	return sess, resp, nil
}

// Cancel cancels a session; Dintero voids its transaction if it is
// initiated or authorized, and refuses otherwise.
//
// Dintero API docs: POST /v1/sessions/{id}/cancel
func (s *SessionsService) Cancel(ctx context.Context, id string) (*Session, *Response, error) {
	const op = "dintero.Sessions.Cancel"
	if err := checkID(op, "session", id); err != nil {
		return nil, nil, err
	}
	sess := new(Session)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, path: "sessions/" + url.PathEscape(id) + "/cancel", movesMoney: true}, sess)
	if err != nil {
		return nil, resp, err
	}
	return sess, resp, nil
}

// CheckOrder applies Dintero's rules to an order: a known currency, a
// merchant reference, an amount that is not negative, line ids unique
// where given, and a shipping option with its required fields. Item
// amounts may be negative (gift cards). Whether the amount must equal the
// items plus shipping depends on the call: see CreateOptions.StrictAmounts;
// an update must always add up.
func CheckOrder(o *Order) error { return checkOrder(o, false) }

func checkOrder(o *Order, strict bool) error {
	if _, err := money.Lookup(o.Currency); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if o.MerchantReference == "" {
		return errorf("order.merchant_reference is required")
	}
	if o.Amount < 0 {
		return errorf("order.amount must not be negative, got %d", o.Amount)
	}
	var sum int64
	seen := map[string]bool{}
	for i, it := range o.Items {
		if it.LineID != "" {
			if seen[it.LineID] {
				return errorf("line_id %q appears twice", it.LineID)
			}
			seen[it.LineID] = true
		}
		if it.Amount < 0 && it.Type != ItemGiftCard && it.LineID != RoundingLineID {
			// Dintero allows it, but a negative line that is not a gift
			// card or the balancing line is almost always a sign error.
			return errorf("order.items[%d] has a negative amount and is not a gift_card line", i)
		}
		if !addAmount(&sum, it.Amount) {
			return errorf("order.items amounts overflow")
		}
	}
	if so := o.ShippingOption; so != nil {
		switch {
		case so.ID == "":
			return errorf("order.shipping_option.id is required")
		case so.LineID == "":
			return errorf("order.shipping_option.line_id is required")
		case so.Title == "":
			return errorf("order.shipping_option.title is required")
		case seen[so.LineID]:
			return errorf("shipping line_id %q is also an item's", so.LineID)
		}
		if !addAmount(&sum, so.Amount) {
			return errorf("order amounts overflow")
		}
	}
	if strict && !o.PartialPayment && sum != o.Amount {
		return errorf("order.amount %d is not the items plus shipping (%d)", o.Amount, sum)
	}
	if o.PartialPayment && o.Amount > sum {
		return errorf("order.amount %d is more than the items plus shipping (%d)", o.Amount, sum)
	}
	return nil
}
