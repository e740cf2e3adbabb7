package dinterotest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dinterowoo/dinterowoo/dintero"
)

// This file is the only one that knows package dintero: the accessors
// hand test code the client's types, built by decoding the server's own
// JSON with the client's decoder. Every accessor call is therefore a check
// of that decoder too; a failure is kept for DecodeError.

// Client returns a dintero.Client for this server with its credentials;
// opts are applied after the server's own.
func (s *Server) Client(opts ...dintero.Option) (*dintero.Client, error) {
	base := []dintero.Option{dintero.WithCheckoutURL(s.URL), dintero.WithAPIURL(s.URL)}
	return dintero.New(s.cfg.accountID, s.cfg.clientID, s.cfg.clientSecret, append(base, opts...)...)
}

// asClient decodes v's JSON into dst as the client would. The caller
// holds s.mu.
func (s *Server) asClient(v, dst any) bool {
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, dst)
	}
	if err != nil && s.decodeErr == nil {
		s.decodeErr = fmt.Errorf("dinterotest: the client cannot decode what the server wrote: %w", err)
	}
	return err == nil
}

// DecodeError returns the first error the client's decoder gave on the
// server's JSON in an accessor (Transaction, Transactions, Session, Pay,
// ResolveOnHold), or nil. An error here is a bug in the client's decoding.
func (s *Server) DecodeError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.decodeErr
}

// Transaction returns the transaction as the server holds it.
func (s *Server) Transaction(id string) (dintero.Transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.txs[id]
	if !ok {
		return dintero.Transaction{}, false
	}
	var out dintero.Transaction
	s.asClient(st.tx, &out)
	return out, true
}

// Transactions returns every transaction, oldest first.
func (s *Server) Transactions() []dintero.Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dintero.Transaction, len(s.txOrder))
	for i, id := range s.txOrder {
		s.asClient(s.txs[id].tx, &out[i])
	}
	return out
}

// Session returns the session as the server holds it.
func (s *Server) Session(id string) (dintero.Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return dintero.Session{}, false
	}
	var out dintero.Session
	s.asClient(sess, &out)
	return out, true
}

func (s *Server) clientTx(tx *transaction) *dintero.Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := new(dintero.Transaction)
	s.asClient(tx, out)
	return out
}

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
	tx, err := s.payAndCallback(ctx, sessionID, outcome, opts)
	if err != nil {
		return nil, err
	}
	return s.clientTx(tx), nil
}

// ResolveOnHold ends an ON_HOLD payment: authorized, or failed. Dintero
// sends a second callback when a payment leaves ON_HOLD; so does this.
func (s *Server) ResolveOnHold(ctx context.Context, txID string, authorized bool) (*dintero.Transaction, error) {
	tx, cbURL, err := s.resolveOnHold(txID, authorized)
	if err != nil {
		return nil, err
	}
	errParam := ""
	if !authorized {
		errParam = "failed"
	}
	s.deliver(ctx, cbURL, tx, errParam, "")
	return s.clientTx(tx), nil
}
