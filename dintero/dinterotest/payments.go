package dinterotest

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Outcome is how a test payment ends.
type Outcome string

// Outcomes for Pay.
const (
	// Authorized: the card was authorized; capture comes later.
	Authorized Outcome = "AUTHORIZED"
	// OnHold: the payment awaits further checks; ResolveOnHold ends it.
	OnHold Outcome = "ON_HOLD"
	// Captured: captured at once (auto-capture, or Swish).
	Captured Outcome = "CAPTURED"
	// Failed: the payment failed.
	Failed Outcome = "FAILED"
	// Declined: the customer declined while it was processing.
	Declined Outcome = "DECLINED"
)

// PayOptions tune a test payment.
type PayOptions struct {
	// PaymentProductType is recorded on the transaction (default
	// "dintero_psp.creditcard"; "swish.swish" for a Swish payment).
	PaymentProductType string
}

// ErrSessionState is returned by Pay for a session that is unknown,
// already paid or cancelled.
var ErrSessionState = errors.New("dinterotest: session cannot be paid")

// pay creates the transaction of a session with the given outcome and
// returns it with its callback URL; the caller delivers the callback.
func (s *Server) pay(sessionID string, outcome Outcome, opts PayOptions) (*transaction, string, error) {
	product := opts.PaymentProductType
	if product == "" {
		product = "dintero_psp.creditcard"
		if outcome == Captured {
			product = "swish.swish"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[sessionID]
	if !ok || sess.TransactionID != "" || sess.CancelledAt != "" {
		return nil, "", fmt.Errorf("%w: %s", ErrSessionState, sessionID)
	}
	now := s.cfg.now()
	stamp := wireTime(now)
	productName, _, _ := strings.Cut(product, ".")
	tx := &transaction{
		ID: s.cfg.accountID + "." + randomString(22), CreatedAt: stamp, UpdatedAt: stamp, createdAt: now,
		Amount: sess.Order.amount(), Currency: sess.Order.Currency,
		MerchantReference: sess.Order.MerchantReference, MerchantReference2: sess.Order.MerchantReference2,
		SessionID: sess.ID, PaymentProductType: product, PaymentProduct: productName, Channel: "ecommerce",
		Customer: sess.Customer, ShippingAddress: sess.Order.ShippingAddress, BillingAddress: sess.Order.BillingAddress,
		ShippingOption: sess.Order.ShippingOption, Store: sess.Order.Store,
		Items:                          append([]item(nil), sess.Order.Items...),
		InitiatingSystemRequestHeaders: sess.InitiatingSystemRequestHeaders,
		Metadata:                       map[string]any{},
	}
	if sess.ProfileID != "" {
		tx.Metadata["session:profile_id"] = sess.ProfileID
	}
	if sess.URL.CallbackURL != "" {
		tx.URL = &transactionURL{CallbackURL: sess.URL.CallbackURL}
	}
	if so := sess.Order.ShippingOption; so != nil {
		// Dintero moves the shipping option into the items (D-TM).
		tx.Items = append(tx.Items, item{ID: so.ID, LineID: so.LineID, Description: so.Title, Quantity: "1",
			Amount: so.Amount, VATAmount: so.VATAmount, VAT: so.VAT, Type: "shipping"})
	}
	tx.Events = []event{{ID: uuid(), Event: evInitialize, Success: true, Amount: tx.Amount, CreatedAt: stamp, at: now,
		RequestID: uuid(), TransactionStatus: stInitiated}}
	authorized := outcome == Authorized || outcome == Captured || outcome == OnHold
	tx.Status = string(outcome)
	auth := event{ID: uuid(), Event: evAuthorize, Success: authorized, Amount: tx.Amount, CreatedAt: stamp, at: now,
		RequestID: uuid(), TransactionStatus: stAuthorized}
	if outcome == OnHold {
		auth.TransactionStatus = stOnHold
	}
	if !authorized {
		auth.TransactionStatus = tx.Status
		auth.Error = &eventError{Code: string(outcome), Message: "payment " + string(outcome)}
	}
	tx.Events = append(tx.Events, auth)
	st := &txState{tx: tx, callbackURL: sess.URL.CallbackURL}
	if outcome == Captured {
		st.tx.Status = stAuthorized
		s.apply(st, pendingOp{requestID: uuid(), kind: evCapture, amount: tx.Amount, items: tx.Items}, "")
	}
	st.pos = len(s.txOrder)
	s.txs[tx.ID] = st
	s.txOrder = append(s.txOrder, tx.ID)
	sess.TransactionID = tx.ID
	sess.locked = false
	sess.Events = append(sess.Events, sessionEvent{Name: string(outcome), CreatedAt: stamp})
	return st.tx.clone(), st.callbackURL, nil
}

// resolveOnHold ends an ON_HOLD payment; the caller delivers the second
// callback Dintero sends when a payment leaves ON_HOLD (N:1405-1410).
func (s *Server) resolveOnHold(txID string, authorized bool) (*transaction, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.txs[txID]
	if !ok || st.tx.Status != stOnHold {
		return nil, "", fmt.Errorf("dinterotest: transaction %s is not on hold", txID)
	}
	if authorized {
		s.authorize(st)
	} else {
		now := s.cfg.now()
		st.tx.Status = stFailed
		st.tx.UpdatedAt = wireTime(now)
		st.tx.Events = append(st.tx.Events, event{ID: uuid(), Event: evAuthorize, Success: false, Amount: st.tx.Amount,
			CreatedAt: wireTime(now), at: now, RequestID: uuid(), TransactionStatus: stFailed,
			Error: &eventError{Code: "FAILED", Message: "rejected in review"}})
	}
	return st.tx.clone(), st.callbackURL, nil
}

// authorize moves an ON_HOLD transaction to AUTHORIZED. The caller holds s.mu.
func (s *Server) authorize(st *txState) {
	now := s.cfg.now()
	st.tx.Status = stAuthorized
	st.tx.UpdatedAt = wireTime(now)
	st.tx.Events = append(st.tx.Events, event{ID: uuid(), Event: evAuthorize, Success: true, Amount: st.tx.Amount,
		CreatedAt: wireTime(now), at: now, RequestID: uuid(), TransactionStatus: stAuthorized})
}

// payAndCallback is Pay without the client's types.
func (s *Server) payAndCallback(ctx context.Context, sessionID string, outcome Outcome, opts PayOptions) (*transaction, error) {
	tx, cbURL, err := s.pay(sessionID, outcome, opts)
	if err != nil {
		return nil, err
	}
	errParam := ""
	if outcome == Failed || outcome == Declined {
		errParam = "failed"
	}
	s.deliver(ctx, cbURL, tx, errParam, "")
	return tx, nil
}
