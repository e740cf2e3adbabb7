package dinterotest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// pendingOp is a capture, refund or void: applied at once, or accepted
// with 202 and completed later.
type pendingOp struct {
	requestID string
	kind      string
	amount    int64
	items     []item
	reference string
	metadata  map[string]string
	headers   map[string]string
	final     bool // final_capture
}

// render applies a read's includes (N:8086-8099): session embeds the
// originating session, events.success.true drops failed events. The
// request headers are always included, as they have been since 2023-09
// (N:7755-7764). The caller holds s.mu.
func (s *Server) render(tx *transaction, includes []string) *transaction {
	if slices.Contains(includes, "session") {
		if sess, ok := s.sessions[tx.SessionID]; ok {
			tx.Session = sess.clone()
		}
	}
	if slices.Contains(includes, "events.success.true") {
		tx.Events = slices.DeleteFunc(tx.Events, func(e event) bool { return !e.Success })
	}
	return tx
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, _ *Fault) {
	s.mu.Lock()
	st, ok := s.txs[r.PathValue("id")]
	var tx *transaction
	if ok {
		tx = s.render(st.visible(s.cfg.now()), r.URL.Query()["includes"])
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
		n, err := parseInt(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "limit must be 1..100")
			return
		}
		limit = int(n)
	}
	match, apiErr := listFilter(q)
	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := len(s.txOrder) - 1
	if after := q.Get("starting_after"); after != "" {
		st, ok := s.txs[after]
		if !ok {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "starting_after is not a known transaction")
			return
		}
		start = st.pos - 1
	}
	page := []*transaction{}
	now := s.cfg.now()
	// Newest first (dintero_spec.md §9: the order is not specified).
	for i := start; i >= 0 && len(page) < limit; i-- {
		if tx := s.txs[s.txOrder[i]].visible(now); match(tx) {
			page = append(page, s.render(tx, q["includes"]))
		}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleUpdateTransaction(w http.ResponseWriter, r *http.Request, _ *Fault) {
	// The body is optional; merchant_reference_2 is the one field that
	// can change (N:8137-8144).
	var body struct {
		MerchantReference2 *string `json:"merchant_reference_2"`
	}
	if !decodeOptional(w, r, &body) {
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
		st.tx.UpdatedAt = wireTime(s.cfg.now())
	}
	writeJSON(w, http.StatusOK, st.tx.clone())
}

func (s *Server) handleCapture(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.moneyOp(w, r, f, evCapture)
}

func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.moneyOp(w, r, f, evRefund)
}

func (s *Server) handleVoid(w http.ResponseWriter, r *http.Request, f *Fault) {
	s.moneyOp(w, r, f, evVoid)
}

// moneyOp validates and applies a capture, refund or void under the lock.
func (s *Server) moneyOp(w http.ResponseWriter, r *http.Request, f *Fault, kind string) {
	var body moneyRequest
	var metadata map[string]string
	switch kind {
	case evCapture:
		// The capture body is optional in the spec, but its amount is
		// required (N:7798-7806), so no body is a 400 all the same.
		if !decodeOptional(w, r, &body) {
			return
		}
	case evRefund:
		if !decode(w, r, &body) {
			return
		}
	}
	if kind != evVoid {
		var apiErr *apiError
		if metadata, apiErr = checkMoneyShape(&body); apiErr != nil {
			writeAPIError(w, apiErr)
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
	var apiErr *apiError
	var amount int64
	switch kind {
	case evCapture:
		amount = *body.Amount
		apiErr = s.checkCapture(st, amount, body.Items)
	case evRefund:
		amount = *body.Amount
		apiErr = s.checkRefund(st, amount, body.Items)
	case evVoid:
		apiErr = checkVoid(st)
		amount = st.tx.Amount - st.tx.captured() - pendingAmount(st, evCapture)
	}
	if apiErr != nil {
		s.mu.Unlock()
		writeAPIError(w, apiErr)
		return
	}
	ref := body.CaptureReference
	if kind == evRefund {
		ref = body.RefundReference
	}
	op := pendingOp{requestID: uuid(), kind: kind, amount: amount, items: body.Items, reference: ref,
		metadata: metadata, headers: systemHeaders(r),
		// final_capture is for dintero_psp only (N:7835-7839); elsewhere
		// it is ignored (not specified).
		final: body.FinalCapture && st.tx.PaymentProduct == "dintero_psp"}
	if f != nil && f.Pending {
		now := s.cfg.now()
		st.tx.Events = append(st.tx.Events, event{
			ID: uuid(), Event: initiate(kind), Success: true, Amount: op.amount, Items: op.items,
			CreatedAt: wireTime(now), at: now, RequestID: op.requestID, EventReference: ref,
			TransactionStatus: st.tx.Status, Metadata: op.metadata, RequestHeaders: op.headers,
		})
		st.pending = append(st.pending, op)
		tx := st.tx.clone()
		id := st.tx.ID
		// Counted under the lock that Close takes to stop new work.
		later := f.CompleteAfter > 0 && !s.closed
		if later {
			s.startBackground() // a pending operation to finish is work under way
		}
		s.mu.Unlock()
		if later {
			time.AfterFunc(f.CompleteAfter, func() {
				defer s.endBackground()
				s.completePending(id)
			})
		}
		// The accepted event's request_id (N:7262-7276).
		w.Header().Set("Event-Request-Id", op.requestID)
		writeJSON(w, http.StatusAccepted, tx)
		return
	}
	if f != nil && f.VisibleAfter > 0 {
		st.hide(s.cfg.now(), f.VisibleAfter)
	}
	s.apply(st, op, "")
	tx := st.tx.clone()
	cbURL := st.callbackURL
	s.mu.Unlock()
	s.reportEvent(cbURL, tx, kind)
	writeJSON(w, http.StatusOK, tx)
}

func initiate(kind string) string {
	return map[string]string{evCapture: evInitiateCapture, evRefund: evInitiateRefund, evVoid: evInitiateVoid}[kind]
}

// apply records a completed operation and moves the status. The caller
// holds s.mu.
func (s *Server) apply(st *txState, op pendingOp, correlation string) {
	tx := st.tx
	now := s.cfg.now()
	e := event{
		ID: uuid(), Event: op.kind, Success: true, Amount: op.amount, Items: op.items,
		CreatedAt: wireTime(now), at: now, CreatedBy: s.cfg.clientID, RequestID: op.requestID,
		CorrelationRequestID: correlation, EventReference: op.reference, Metadata: op.metadata,
		RequestHeaders: op.headers,
	}
	if correlation != "" {
		// The completion is an event of its own, linked to the request.
		e.RequestID = uuid()
	}
	tx.Events = append(tx.Events, e)
	switch op.kind {
	case evCapture:
		// A final capture (dintero_psp) voids the rest; amount stays the
		// authorized total (§9). Capturing the rest of a part-refunded
		// transaction leaves it PARTIALLY_REFUNDED (§9).
		full := tx.captured() >= tx.Amount || op.final
		tx.closed = tx.closed || op.final
		switch {
		case full && tx.refunded() > 0:
			tx.Status = stPartiallyRefunded
		case full:
			tx.Status = stCaptured
		case tx.refunded() > 0:
			tx.Status = stPartiallyCapturedRefunded
		default:
			tx.Status = stPartiallyCaptured
		}
	case evRefund:
		captured := tx.captured()
		switch {
		case captured < tx.Amount && !tx.closed:
			tx.Status = stPartiallyCapturedRefunded
		case tx.refunded() >= captured:
			tx.Status = stRefunded
		default:
			tx.Status = stPartiallyRefunded
		}
	case evVoid:
		if tx.captured() > 0 {
			// The uncaptured rest of a part capture (N:277-290).
			tx.Status = stCaptured
			if s.cfg.choices.PartialVoidStatus == stPartiallyCaptured {
				tx.Status = stPartiallyCaptured
			}
			tx.closed = true
		} else {
			tx.Status = stVoided
		}
	}
	tx.Events[len(tx.Events)-1].TransactionStatus = tx.Status
	tx.UpdatedAt = wireTime(now)
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
	tx := st.tx.clone()
	cbURL := st.callbackURL
	s.mu.Unlock()
	for _, op := range ops {
		s.reportEvent(cbURL, tx, op.kind)
	}
}

func pendingAmount(st *txState, kind string) int64 {
	var n int64
	for _, op := range st.pending {
		if op.kind == kind {
			n += op.amount
		}
	}
	return n
}

// canCapture: AUTHORIZED, PARTIALLY_CAPTURED and PARTIALLY_CAPTURED_REFUNDED
// (D-TS), unless a final capture or a void closed the transaction.
func canCapture(tx *transaction) bool {
	switch tx.Status {
	case stAuthorized, stPartiallyCaptured, stPartiallyCapturedRefunded:
		return !tx.closed
	}
	return false
}

// canRefund: once something is captured (N:238-241, D-TS).
func canRefund(tx *transaction) bool {
	switch tx.Status {
	case stCaptured, stPartiallyCaptured, stPartiallyRefunded, stPartiallyCapturedRefunded:
		return true
	}
	return false
}

// itemsRequired: Instabank needs items on every capture and refund
// (N:143-149, N:243-247).
func itemsRequired(tx *transaction, items []item) *apiError {
	if tx.PaymentProduct == "instabank" && len(items) == 0 {
		return badRequest("items are required for %s", tx.PaymentProductType)
	}
	return nil
}

func (s *Server) checkCapture(st *txState, amount int64, items []item) *apiError {
	tx := st.tx
	if err := itemsRequired(tx, items); err != nil {
		return err
	}
	if !canCapture(tx) {
		return badRequest("transaction in status %s cannot be captured", tx.Status)
	}
	if pendingAmount(st, evVoid) > 0 {
		return badRequest("a void is in progress")
	}
	if slices.ContainsFunc(st.pending, func(op pendingOp) bool { return op.final }) {
		return badRequest("a final capture is in progress: no further captures")
	}
	left := tx.Amount - tx.captured() - pendingAmount(st, evCapture)
	if amount <= 0 || amount > left {
		return badRequest("capture amount %d must be between 1 and the %d left to capture", amount, left)
	}
	return s.checkLines(st, amount, items, evCapture)
}

func (s *Server) checkRefund(st *txState, amount int64, items []item) *apiError {
	tx := st.tx
	if err := itemsRequired(tx, items); err != nil {
		return err
	}
	if !canRefund(tx) {
		return badRequest("transaction in status %s cannot be refunded", tx.Status)
	}
	left := tx.captured() - tx.refunded() - pendingAmount(st, evRefund)
	if amount <= 0 || amount > left {
		return badRequest("refund amount %d must be between 1 and the %d left to refund", amount, left)
	}
	return s.checkLines(st, amount, items, evRefund)
}

// checkVoid: before any capture (N:271-275), or after a part capture for
// the products that allow it (N:277-290).
func checkVoid(st *txState) *apiError {
	tx := st.tx
	switch tx.Status {
	case stAuthorized, stOnHold, stInitiated:
	case stPartiallyCaptured:
		if !voidsAfterPartialCapture(tx.PaymentProductType) {
			return badRequest("%s does not support void after a partial capture", tx.PaymentProductType)
		}
		if tx.closed {
			return badRequest("nothing is left to void")
		}
	default:
		return badRequest("transaction in status %s cannot be voided", tx.Status)
	}
	if len(st.pending) > 0 {
		return badRequest("an operation is in progress")
	}
	return nil
}

// checkLines enforces that items reference the lines paid, add up to the
// amount, and never take a line beyond what is left of it: its amount for
// a capture, what was captured of it for a refund. Amounts are compared by
// size in the line's own sign, so a negative gift_card line (N:2652) is
// captured and refunded as the negative line it is (§9: accepted).
func (s *Server) checkLines(st *txState, amount int64, items []item, kind string) *apiError {
	if len(items) == 0 {
		return nil
	}
	ch := s.cfg.choices
	lines := map[string]int64{}
	for _, it := range st.tx.Items {
		lines[it.LineID] = it.amount()
	}
	used := map[string]int64{}  // per line: captured, or refunded
	limit := map[string]int64{} // per line: what may be used in total
	itemised := true            // every capture so far named its lines
	for _, e := range st.tx.Events {
		if !e.Success {
			continue
		}
		switch {
		case e.Event == evCapture && kind == evRefund:
			if len(e.Items) == 0 {
				itemised = false
			}
			for _, it := range e.Items {
				limit[it.LineID] += it.amount()
			}
		case e.Event == kind || e.Event == initiate(kind) && !completed(st, e.RequestID):
			for _, it := range e.Items {
				used[it.LineID] += it.amount()
			}
		}
	}
	if kind == evCapture || !itemised {
		limit = lines
	}
	var sum int64
	seen := map[string]bool{}
	for _, it := range items {
		a := it.amount()
		if seen[it.LineID] {
			return badRequest("line_id %q appears twice", it.LineID)
		}
		seen[it.LineID] = true
		if !addAmount(&sum, a) {
			return badRequest("items amounts overflow")
		}
		if it.LineID == roundingLineID && !ch.RefuseRoundingLine {
			if ch.RoundingLineLimit > 0 && abs(a) > ch.RoundingLineLimit {
				return badRequest("rounding-fee line of %d is more than the %d allowed", a, ch.RoundingLineLimit)
			}
			continue // the plugin's balancing line: any sign, no remainder
		}
		if _, known := lines[it.LineID]; !known {
			if ch.AcceptUnknownLines {
				continue
			}
			return badRequest("unknown line_id %q", it.LineID)
		}
		lim := limit[it.LineID]
		if a == 0 {
			continue // a free line (a 100 % discount) moves nothing
		}
		if lim == 0 || abs(used[it.LineID]) >= abs(lim) {
			verb := "captured"
			if kind == evRefund {
				verb = "refunded"
			}
			return badRequest("nothing of line %q is left to be %s", it.LineID, verb)
		}
		if a != 0 && (a > 0) != (lim > 0) {
			return badRequest("line %q: amount %d has the wrong sign for a line of %d", it.LineID, a, lines[it.LineID])
		}
		if abs(used[it.LineID]+a) > abs(lim) {
			return badRequest("line %q: %d is more than the %d left of it", it.LineID, a, lim-used[it.LineID])
		}
	}
	if sum != amount && !ch.AcceptItemsNotAddingUp {
		return badRequest("items add up to %d, not the amount %d", sum, amount)
	}
	return nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
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

// handleAuthorization is POST /authorization (N:7865-7910): it authorizes
// an ON_HOLD transaction, extends an authorization, or sets a new total
// whose items, when the transaction has items, must add up to it.
func (s *Server) handleAuthorization(w http.ResponseWriter, r *http.Request, _ *Fault) {
	var body struct {
		Amount             *int64 `json:"amount"`
		Reason             string `json:"reason"`
		Reference          string `json:"reference"`
		Description        string `json:"description"`
		FinalAuthorization *bool  `json:"final_authorization"`
		Items              []item `json:"items"`
	}
	if !decodeOptional(w, r, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.txs[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "transaction not found")
		return
	}
	tx := st.tx
	switch {
	case tx.Status == stOnHold:
		// An external (dintero) payment on hold: what is sent is checked
		// against the order (N:209-212).
		if body.Amount != nil && *body.Amount != tx.Amount {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", fmt.Sprintf("amount %d is not the order's %d", *body.Amount, tx.Amount))
			return
		}
		if len(body.Items) > 0 {
			if apiErr := checkNewAuthorization(tx.Amount, body.Items, true); apiErr != nil {
				writeAPIError(w, apiErr)
				return
			}
		}
		s.authorize(st)
	case body.Amount != nil && (tx.Status == stAuthorized || tx.Status == stPartiallyCaptured):
		apiErr := checkNewAuthorization(*body.Amount, body.Items, len(tx.Items) > 0)
		if apiErr == nil && len(tx.Items) > 0 {
			apiErr = keepsCapturedLines(st, body.Items)
		}
		if apiErr == nil && tx.PaymentProduct == "dintero_psp" && (body.FinalAuthorization == nil || !*body.FinalAuthorization) && *body.Amount <= tx.Amount {
			// A pre-authorization only grows until it is final (N:194-208).
			apiErr = badRequest("amount %d must be more than %d unless final_authorization is true", *body.Amount, tx.Amount)
		}
		if apiErr != nil {
			writeAPIError(w, apiErr)
			return
		}
		if *body.Amount < tx.captured()+pendingAmount(st, evCapture) {
			writeError(w, http.StatusConflict, "CONFLICT", "amount below what is captured or being captured")
			return
		}
		if len(tx.Items) > 0 {
			tx.Items = body.Items
		}
		tx.Amount = *body.Amount
		tx.UpdatedAt = wireTime(s.cfg.now())
	case tx.Status == stAuthorized || tx.Status == stPartiallyCaptured:
		// Extending the authorization changes nothing modelled here.
	default:
		writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("authorization cannot be updated in status %s", tx.Status))
		return
	}
	writeJSON(w, http.StatusOK, tx.clone())
}

// keepsCapturedLines refuses new items that drop a line already captured
// (or being captured), or make it smaller than what was taken of it: its
// captures and refunds must still name it.
func keepsCapturedLines(st *txState, items []item) *apiError {
	taken := map[string]int64{}
	for _, e := range st.tx.Events {
		if e.Success && (e.Event == evCapture || e.Event == evInitiateCapture && !completed(st, e.RequestID)) {
			for _, it := range e.Items {
				taken[it.LineID] += it.amount()
			}
		}
	}
	for lineID, n := range taken {
		i := slices.IndexFunc(items, func(it item) bool { return it.LineID == lineID })
		if lineID == roundingLineID {
			continue
		}
		if i < 0 || abs(items[i].amount()) < abs(n) {
			return badRequest("items must keep line %q with at least the %d captured of it", lineID, n)
		}
	}
	return nil
}

// checkNewAuthorization checks a new authorized total: positive, within
// what a capture can take (int32), and, when the transaction has items,
// items with unique line ids that add up to it (N:7886-7890, N:7899-7910).
func checkNewAuthorization(amount int64, items []item, itemised bool) *apiError {
	if amount <= 0 {
		return badRequest("amount must be positive")
	}
	if err := checkInt32("amount", amount); err != nil {
		return err
	}
	if !itemised {
		return nil
	}
	if len(items) == 0 {
		return badRequest("items are required: the transaction has items")
	}
	var sum int64
	seen := map[string]bool{}
	for i, it := range items {
		switch {
		case it.LineID == "":
			return badRequest("items[%d].line_id is required", i)
		case seen[it.LineID]:
			return badRequest("line_id %q appears twice", it.LineID)
		case it.Amount == nil:
			return badRequest("items[%d].amount is required", i)
		}
		seen[it.LineID] = true
		if !addAmount(&sum, it.amount()) {
			return badRequest("items amounts overflow")
		}
	}
	if sum != amount {
		return badRequest("items add up to %d, not the amount %d", sum, amount)
	}
	return nil
}

// uuid returns a random version 4 UUID, the form of Dintero's request ids.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// decodeOptional is decode for a body the spec makes optional.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) bool {
	var buf []byte
	buf, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "body too large or unreadable")
		return false
	}
	if len(buf) == 0 {
		return true
	}
	return unmarshalBody(w, buf, v)
}
