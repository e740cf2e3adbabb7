package dinterotest

import (
	"github.com/dinterowoo/dinterowoo/dintero"
)

// Transaction returns a copy of the transaction as the server holds it.
func (s *Server) Transaction(id string) (dintero.Transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.txs[id]
	if !ok {
		return dintero.Transaction{}, false
	}
	return copyTx(st.tx), true
}

// Transactions returns copies of every transaction, oldest first.
func (s *Server) Transactions() []dintero.Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dintero.Transaction, 0, len(s.txOrder))
	for _, id := range s.txOrder {
		out = append(out, copyTx(s.txs[id].tx))
	}
	return out
}

// Session returns a copy of the session as the server holds it.
func (s *Server) Session(id string) (dintero.Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return dintero.Session{}, false
	}
	return copySession(sess), true
}
