package dinterotest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
)

// pendingOp is a capture, refund or void accepted with 202 and not done.
type pendingOp struct {
	requestID string
	kind      dintero.EventType
	amount    int64
	items     []dintero.Item
	reference string
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, _ *Fault) {
	s.mu.Lock()
	st, ok := s.txs[r.PathValue("id")]
	var tx dintero.Transaction
	if ok {
		tx = st.visible(s.cfg.now())
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "transaction not found")
		return
	}
	writeJSON(w, http.StatusOK, tx)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, _ *Fault) {
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "limit must be 1..100")
			return
		}
		limit = n
	}
	match := func(key, value string) bool {
		vs, ok := q[key]
		return !ok || slices.Contains(vs, value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	page := []dintero.Transaction{}
	after := q.Get("starting_after")
	started := after == ""
	now := s.cfg.now()
	for i := len(s.txOrder) - 1; i >= 0 && len(page) < limit; i-- {
		tx := s.txs[s.txOrder[i]].visible(now)
		if !started {
			started = tx.ID == after
			continue
		}
		if match("id", tx.ID) && match("status", string(tx.Status)) && match("session_id", tx.SessionID) &&
			match("currency", tx.Currency) && match("merchant_reference", tx.MerchantReference) &&
			match("merchant_reference_2", tx.MerchantReference2) && match("payment_product", tx.PaymentProduct) {
			page = append(page, tx)
		}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleUpdateTransaction(w http.ResponseWriter, r *http.Request, _ *Fault) {
	var body struct {
		MerchantReference2 *string `json:"merchant_reference_2"`
	}
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.txs[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "transaction not found")
		return
	}
	if body.MerchantReference2 != nil {
		st.tx.MerchantReference2 = *body.MerchantReference2
		st.tx.UpdatedAt = s.cfg.now().UTC()
	}
	writeJSON(w, http.StatusOK, copyTx(st.tx))
}

type moneyBody struct {
	Amount           int64             `json:"amount"`
	CaptureReference string            `json:"capture_reference"`
	RefundReference  string            `json:"refund_reference"`
	Reason           string            `json:"reason"`
	Items            []dintero.Item    `json:"items"`
	Metadata         map[string]string `json:"metadata"`
}

func (s *Server) handleCapture(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.moneyOp(w, r, f, dintero.EventCapture)
}

func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.moneyOp(w, r, f, dintero.EventRefund)
}

func (s *Server) handleVoid(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.moneyOp(w, r, f, dintero.EventVoid)
}

// moneyOp validates and applies a capture, refund or void under the lock.
func (s *Server) moneyOp(w http.ResponseWriter, r *http.Request, f *Fault, kind dintero.EventType) {
	var body moneyBody
	if kind != dintero.EventVoid {
		if !decode(w, r, &body) {
			return
		}
	}
	s.mu.Lock()
	st, ok := s.txs[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "NOT_FOUND", "transaction not found")
		return
	}
	var err error
	switch kind {
	case dintero.EventCapture:
		err = checkCapture(st, &body)
	case dintero.EventRefund:
		err = checkRefund(st, &body)
	case dintero.EventVoid:
		err = checkVoid(st)
		body.Amount = st.tx.Amount - st.tx.CapturedAmount()
	}
	if err != nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", err.Error())
		return
	}
	ref := body.CaptureReference
	if kind == dintero.EventRefund {
		ref = body.RefundReference
	}
	op := pendingOp{requestID: uuid(), kind: kind, amount: body.Amount, items: body.Items, reference: ref}
	if f != nil && f.Pending {
		st.tx.Events = append(st.tx.Events, dintero.TransactionEvent{
			ID: uuid(), Event: initiate(kind), Success: true, Amount: op.amount, Items: op.items,
			CreatedAt: s.cfg.now().UTC(), RequestID: op.requestID, EventReference: ref,
			TransactionStatus: st.tx.Status,
		})
		st.pending = append(st.pending, op)
		tx := copyTx(st.tx)
		id := st.tx.ID
		// Counted under the lock that Close takes to stop new work.
		later := f.CompleteAfter > 0 && !s.closed
		if later {
			s.wg.Add(1)
			s.busy.Add(1) // a pending operation to finish is work under way
		}
		s.mu.Unlock()
		if later {
			time.AfterFunc(f.CompleteAfter, func() {
				defer s.wg.Done()
				defer s.busy.Add(-1)
				s.completePending(id)
			})
		}
		w.Header().Set("Event-Request-Id", op.requestID)
		writeJSON(w, http.StatusAccepted, tx)
		return
	}
	if f != nil && f.VisibleAfter > 0 {
		st.hide(s.cfg.now(), f.VisibleAfter)
	}
	s.apply(st, op, "")
	tx := copyTx(st.tx)
	cbURL := st.callbackURL
	s.mu.Unlock()
	s.reportEvent(cbURL, tx, kind)
	writeJSON(w, http.StatusOK, tx)
}

func initiate(kind dintero.EventType) dintero.EventType {
	return map[dintero.EventType]dintero.EventType{
		dintero.EventCapture: dintero.EventInitiateCapture,
		dintero.EventRefund:  dintero.EventInitiateRefund,
		dintero.EventVoid:    dintero.EventInitiateVoid,
	}[kind]
}

// apply records a completed operation and moves the status. The caller
// holds s.mu.
func (s *Server) apply(st *txState, op pendingOp, correlation string) {
	tx := &st.tx
	now := s.cfg.now().UTC()
	e := dintero.TransactionEvent{
		ID: uuid(), Event: op.kind, Success: true, Amount: op.amount, Items: op.items,
		CreatedAt: now, CreatedBy: s.cfg.clientID, RequestID: op.requestID,
		CorrelationRequestID: correlation, EventReference: op.reference,
	}
	if correlation != "" {
		// The completion is an event of its own, linked to the request.
		e.RequestID = uuid()
	}
	tx.Events = append(tx.Events, e)
	switch op.kind {
	case dintero.EventCapture:
		if tx.CapturedAmount() >= tx.Amount {
			tx.Status = dintero.StatusCaptured
		} else {
			tx.Status = dintero.StatusPartiallyCaptured
		}
	case dintero.EventRefund:
		captured := tx.CapturedAmount()
		switch {
		case captured < tx.Amount:
			tx.Status = dintero.StatusPartiallyCapturedRefunded
		case tx.RefundedAmount() >= captured:
			tx.Status = dintero.StatusRefunded
		default:
			tx.Status = dintero.StatusPartiallyRefunded
		}
	case dintero.EventVoid:
		tx.Status = dintero.StatusAuthorizationVoided
	}
	tx.Events[len(tx.Events)-1].TransactionStatus = tx.Status
	tx.UpdatedAt = now
}

// CompletePending completes every operation accepted with 202 (Fault
// Pending), as the payment provider eventually does.
func (s *Server) CompletePending() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.txs))
	for id, st := range s.txs {
		if len(st.pending) > 0 {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.completePending(id)
	}
}

func (s *Server) completePending(id string) {
	s.mu.Lock()
	st := s.txs[id]
	ops := st.pending
	st.pending = nil
	for _, op := range ops {
		s.apply(st, op, op.requestID)
	}
	tx := copyTx(st.tx)
	cbURL := st.callbackURL
	s.mu.Unlock()
	for _, op := range ops {
		s.reportEvent(cbURL, tx, op.kind)
	}
}

func pendingAmount(st *txState, kind dintero.EventType) int64 {
	var n int64
	for _, op := range st.pending {
		if op.kind == kind {
			n += op.amount
		}
	}
	return n
}

func checkCapture(st *txState, b *moneyBody) error {
	tx := &st.tx
	if !tx.Status.CanCapture() {
		return fmt.Errorf("transaction in status %s cannot be captured", tx.Status)
	}
	if pendingAmount(st, dintero.EventVoid) > 0 {
		return fmt.Errorf("a void is in progress")
	}
	left := tx.Amount - tx.CapturedAmount() - pendingAmount(st, dintero.EventCapture)
	if b.Amount <= 0 || b.Amount > left {
		return fmt.Errorf("capture amount %d must be between 1 and the %d left to capture", b.Amount, left)
	}
	return checkLines(st, b, dintero.EventCapture)
}

func checkRefund(st *txState, b *moneyBody) error {
	tx := &st.tx
	if !tx.Status.CanRefund() {
		return fmt.Errorf("transaction in status %s cannot be refunded", tx.Status)
	}
	left := tx.CapturedAmount() - tx.RefundedAmount() - pendingAmount(st, dintero.EventRefund)
	if b.Amount <= 0 || b.Amount > left {
		return fmt.Errorf("refund amount %d must be between 1 and the %d left to refund", b.Amount, left)
	}
	return checkLines(st, b, dintero.EventRefund)
}

func checkVoid(st *txState) error {
	switch st.tx.Status {
	case dintero.StatusAuthorized, dintero.StatusOnHold, dintero.StatusInitiated:
	default:
		return fmt.Errorf("transaction in status %s cannot be voided", st.tx.Status)
	}
	if len(st.pending) > 0 {
		return fmt.Errorf("an operation is in progress")
	}
	return nil
}

// checkLines enforces that items reference the lines paid, add up to the
// amount, and never take a line beyond what is left of it: its amount for a
// capture, what was captured of it for a refund.
func checkLines(st *txState, b *moneyBody, kind dintero.EventType) error {
	if len(b.Items) == 0 {
		return nil
	}
	lines := map[string]int64{}
	for _, it := range st.tx.Items {
		lines[it.LineID] = it.Amount
	}
	used := map[string]int64{}  // per line: captured, or refunded
	limit := map[string]int64{} // per line: what may be used in total
	itemised := true            // every capture so far named its lines
	for _, e := range st.tx.Events {
		if !e.Success {
			continue
		}
		switch {
		case e.Event == dintero.EventCapture && kind == dintero.EventRefund:
			if len(e.Items) == 0 {
				itemised = false
			}
			for _, it := range e.Items {
				limit[it.LineID] += it.Amount
			}
		case e.Event == kind || e.Event == initiate(kind) && !completed(st, e.RequestID):
			for _, it := range e.Items {
				used[it.LineID] += it.Amount
			}
		}
	}
	if kind == dintero.EventCapture || !itemised {
		limit = lines
	}
	var sum int64
	seen := map[string]bool{}
	for _, it := range b.Items {
		if it.LineID == dintero.RoundingLineID && kind == dintero.EventCapture {
			// The plugin's balancing line: known whether or not the
			// session had one, and the only line that may be negative.
			if seen[it.LineID] {
				return fmt.Errorf("line_id %q appears twice", it.LineID)
			}
			seen[it.LineID] = true
			sum += it.Amount
			continue
		}
		if _, ok := lines[it.LineID]; !ok {
			return fmt.Errorf("unknown line_id %q", it.LineID)
		}
		if seen[it.LineID] {
			return fmt.Errorf("line_id %q appears twice", it.LineID)
		}
		seen[it.LineID] = true
		if it.Amount < 0 {
			return fmt.Errorf("line %q has a negative amount", it.LineID)
		}
		if used[it.LineID]+it.Amount > limit[it.LineID] {
			return fmt.Errorf("line %q: %d is more than the %d left of it", it.LineID, it.Amount, limit[it.LineID]-used[it.LineID])
		}
		sum += it.Amount
	}
	if sum != b.Amount {
		return fmt.Errorf("items add up to %d, not the amount %d", sum, b.Amount)
	}
	return nil
}

// completed reports whether the 202-accepted operation requestID has its
// completion event (then its items are counted there, not twice).
func completed(st *txState, requestID string) bool {
	for _, e := range st.tx.Events {
		if e.CorrelationRequestID == requestID {
			return true
		}
	}
	return false
}

func (s *Server) handleAuthorization(w http.ResponseWriter, r *http.Request, _ *Fault) {
	var body dintero.AuthorizationUpdate
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	st, ok := s.txs[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "NOT_FOUND", "transaction not found")
		return
	}
	tx := &st.tx
	switch {
	case tx.Status == dintero.StatusOnHold:
		s.authorize(st)
	case tx.Status == dintero.StatusAuthorized && body.Amount != nil:
		if *body.Amount < tx.CapturedAmount() {
			s.mu.Unlock()
			writeError(w, http.StatusConflict, "CONFLICT", "amount below what is captured")
			return
		}
		tx.Amount = *body.Amount
		if len(body.Items) > 0 {
			tx.Items = body.Items
		}
	case tx.Status == dintero.StatusAuthorized || tx.Status == dintero.StatusPartiallyCaptured:
		// Extending the authorization changes nothing we model.
	default:
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("authorization cannot be updated in status %s", tx.Status))
		return
	}
	out := copyTx(st.tx)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// copyTx deep-copies a transaction so no caller shares the server's slices.
func copyTx(tx dintero.Transaction) dintero.Transaction {
	b, _ := json.Marshal(tx)
	var out dintero.Transaction
	json.Unmarshal(b, &out)
	return out
}

// uuid returns a random version 4 UUID, the form of Dintero's request ids.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
