package dinterotest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dinterowoo/dinterowoo/dintero"
)

func (s *Server) handleCreateSession(profile bool) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *Fault) {
		var req dintero.SessionRequest
		if !decode(w, r, &req) {
			return
		}
		switch {
		case req.URL.ReturnURL == "":
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "url.return_url is required")
			return
		case profile && req.ProfileID == "":
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "profile_id is required")
			return
		case !profile && len(req.Configuration) == 0:
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "configuration is required")
			return
		}
		if err := dintero.CheckOrder(&req.Order); err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", err.Error())
			return
		}
		now := s.cfg.now().UTC()
		sess := &dintero.Session{
			ID: s.cfg.accountID + "." + randomString(22), CreatedAt: now, UpdatedAt: now,
			URL: req.URL, Order: req.Order, ProfileID: req.ProfileID, Customer: req.Customer,
			Configuration: req.Configuration, Metadata: req.Metadata,
			Events: []dintero.SessionEvent{{Name: "INITIATED", CreatedAt: now}},
		}
		if req.ExpiresAt != nil {
			sess.ExpiresAt = *req.ExpiresAt
		}
		s.mu.Lock()
		s.sessions[sess.ID] = sess
		out := dintero.SessionCreated{ID: sess.ID, URL: s.srv.URL + "/v1/view/" + sess.ID}
		if r.URL.Query().Get("include_session") == "true" {
			cp := copySession(sess)
			out.Session = &cp
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request, _ *Fault) {
	s.mu.Lock()
	sess, ok := s.sessions[r.PathValue("id")]
	var out dintero.Session
	if ok {
		out = copySession(sess)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "session not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleUpdateSession(w http.ResponseWriter, r *http.Request, _ *Fault) {
	var req dintero.SessionUpdate
	if !decode(w, r, &req) {
		return
	}
	if err := dintero.CheckOrder(&req.Order); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[r.PathValue("id")]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "session not found")
	case sess.TransactionID != "" || !sess.CancelledAt.IsZero():
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "session is paid or cancelled")
	default:
		sess.Order = req.Order
		sess.UpdatedAt = s.cfg.now().UTC()
		writeJSON(w, http.StatusOK, copySession(sess))
	}
}

func (s *Server) handleCancelSession(w http.ResponseWriter, r *http.Request, _ *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "session not found")
		return
	}
	if sess.TransactionID != "" {
		st := s.txs[sess.TransactionID]
		if err := checkVoid(st); err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "session cannot be cancelled: "+err.Error())
			return
		}
		s.apply(st, pendingOp{requestID: uuid(), kind: dintero.EventVoid, amount: st.tx.Amount}, "")
	}
	now := s.cfg.now().UTC()
	sess.CancelledAt, sess.CancelledBy, sess.UpdatedAt = now, s.cfg.clientID, now
	sess.Events = append(sess.Events, dintero.SessionEvent{Name: "CANCELLED", CreatedAt: now})
	writeJSON(w, http.StatusOK, copySession(sess))
}

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

// Pay plays the customer paying the session: it creates the transaction
// with the given outcome, copying the order's items and moving the
// shipping option into them as Dintero does, and sends the callback (when
// the session has a callback_url; for FAILED and DECLINED only with
// report_error=true). It returns after the delivery, retries included.
func (s *Server) Pay(ctx context.Context, sessionID string, outcome Outcome) (*dintero.Transaction, error) {
	return s.PayWith(ctx, sessionID, outcome, PayOptions{})
}

// PayWith is Pay with options.
func (s *Server) PayWith(ctx context.Context, sessionID string, outcome Outcome, opts PayOptions) (*dintero.Transaction, error) {
	product := opts.PaymentProductType
	if product == "" {
		product = "dintero_psp.creditcard"
		if outcome == Captured {
			product = "swish.swish"
		}
	}
	s.mu.Lock()
	sess, ok := s.sessions[sessionID]
	if !ok || sess.TransactionID != "" || !sess.CancelledAt.IsZero() {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrSessionState, sessionID)
	}
	now := s.cfg.now().UTC()
	tx := dintero.Transaction{
		ID: s.cfg.accountID + "." + randomString(22), CreatedAt: now, UpdatedAt: now,
		Amount: sess.Order.Amount, Currency: sess.Order.Currency,
		MerchantReference: sess.Order.MerchantReference, MerchantReference2: sess.Order.MerchantReference2,
		SessionID: sess.ID, PaymentProductType: product, PaymentProduct: productOf(product),
		Items: append([]dintero.Item(nil), sess.Order.Items...), Customer: sess.Customer,
		ShippingAddress: sess.Order.ShippingAddress, BillingAddress: sess.Order.BillingAddress,
		ShippingOption: sess.Order.ShippingOption, Channel: "ecommerce",
		Metadata: dintero.Metadata{"session:profile_id": sess.ProfileID},
	}
	if so := sess.Order.ShippingOption; so != nil {
		tx.Items = append(tx.Items, dintero.Item{
			ID: so.ID, LineID: so.LineID, Description: so.Title, Quantity: dintero.N(1),
			Amount: so.Amount, VATAmount: so.VATAmount, VAT: so.VAT, Type: dintero.ItemShipping,
		})
	}
	tx.Events = []dintero.TransactionEvent{{ID: uuid(), Event: dintero.EventInitialize, Success: true,
		Amount: tx.Amount, CreatedAt: now, RequestID: uuid(), TransactionStatus: dintero.StatusInitiated}}
	authorized := outcome == Authorized || outcome == Captured || outcome == OnHold
	tx.Status = dintero.Status(outcome)
	auth := dintero.TransactionEvent{ID: uuid(), Event: dintero.EventAuthorize, Success: authorized,
		Amount: tx.Amount, CreatedAt: now, RequestID: uuid(), TransactionStatus: dintero.StatusAuthorized}
	if outcome == OnHold {
		auth.TransactionStatus = dintero.StatusOnHold
	}
	if !authorized {
		auth.TransactionStatus = tx.Status
		auth.Error = &dintero.EventError{Code: string(outcome), Message: "payment " + string(outcome)}
	}
	tx.Events = append(tx.Events, auth)
	st := &txState{tx: tx, callbackURL: sess.URL.CallbackURL}
	if outcome == Captured {
		st.tx.Status = dintero.StatusAuthorized
		s.apply(st, pendingOp{requestID: uuid(), kind: dintero.EventCapture, amount: tx.Amount, items: tx.Items}, "")
	}
	s.txs[tx.ID] = st
	s.txOrder = append(s.txOrder, tx.ID)
	sess.TransactionID = tx.ID
	sess.Events = append(sess.Events, dintero.SessionEvent{Name: string(outcome), CreatedAt: now})
	out := copyTx(st.tx)
	cbURL := st.callbackURL
	s.mu.Unlock()

	if authorized {
		s.deliver(ctx, cbURL, out, "", "")
	} else {
		s.deliver(ctx, cbURL, out, "failed", "")
	}
	return &out, nil
}

// ResolveOnHold ends an ON_HOLD payment: authorized, or failed. Dintero
// sends a second callback when a payment leaves ON_HOLD; so does this.
func (s *Server) ResolveOnHold(ctx context.Context, txID string, authorized bool) (*dintero.Transaction, error) {
	s.mu.Lock()
	st, ok := s.txs[txID]
	if !ok || st.tx.Status != dintero.StatusOnHold {
		s.mu.Unlock()
		return nil, fmt.Errorf("dinterotest: transaction %s is not on hold", txID)
	}
	if authorized {
		s.authorize(st)
	} else {
		now := s.cfg.now().UTC()
		st.tx.Status = dintero.StatusFailed
		st.tx.UpdatedAt = now
		st.tx.Events = append(st.tx.Events, dintero.TransactionEvent{ID: uuid(), Event: dintero.EventAuthorize,
			Success: false, Amount: st.tx.Amount, CreatedAt: now, RequestID: uuid(), TransactionStatus: dintero.StatusFailed,
			Error: &dintero.EventError{Code: "FAILED", Message: "rejected in review"}})
	}
	out := copyTx(st.tx)
	cbURL := st.callbackURL
	s.mu.Unlock()
	errParam := ""
	if !authorized {
		errParam = "failed"
	}
	s.deliver(ctx, cbURL, out, errParam, "")
	return &out, nil
}

// authorize moves an ON_HOLD transaction to AUTHORIZED. The caller holds s.mu.
func (s *Server) authorize(st *txState) {
	now := s.cfg.now().UTC()
	st.tx.Status = dintero.StatusAuthorized
	st.tx.UpdatedAt = now
	st.tx.Events = append(st.tx.Events, dintero.TransactionEvent{ID: uuid(), Event: dintero.EventAuthorize,
		Success: true, Amount: st.tx.Amount, CreatedAt: now, RequestID: uuid(), TransactionStatus: dintero.StatusAuthorized})
}

func productOf(productType string) string {
	for i := range len(productType) {
		if productType[i] == '.' {
			return productType[:i]
		}
	}
	return productType
}

func copySession(s *dintero.Session) dintero.Session {
	out := *s
	out.Order.Items = append([]dintero.Item(nil), s.Order.Items...)
	out.Events = append([]dintero.SessionEvent(nil), s.Events...)
	return out
}
