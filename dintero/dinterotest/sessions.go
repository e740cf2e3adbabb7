package dinterotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// sessionRequest is the body of a session create (N:7522): SessionProfile
// or an inline configuration, plus metadata.
type sessionRequest struct {
	URL           sessionURL      `json:"url"`
	Order         order           `json:"order"`
	ProfileID     string          `json:"profile_id"`
	Customer      json.RawMessage `json:"customer"`
	ExpiresAt     string          `json:"expires_at"`
	Configuration json.RawMessage `json:"configuration"`
	Metadata      map[string]any  `json:"metadata"`
}

// featureToggles reads Dintero-Feature-Toggles, an array header sent
// repeated or comma-separated (N:7484-7490).
func featureToggles(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("Dintero-Feature-Toggles") {
		for t := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(t))
		}
	}
	return out
}

func (s *Server) handleCreateSession(profile bool) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *Fault) {
		var req sessionRequest
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
		rules, apiErr := configurationRules(req.Configuration, &req.Order)
		if apiErr == nil {
			rules.strictAmounts = s.cfg.choices.StrictSessionAmounts || slices.Contains(featureToggles(r), "strict-session-amounts")
			apiErr = checkOrder(&req.Order, rules)
		}
		if apiErr == nil {
			apiErr = checkSessionMetadata(req.Metadata)
		}
		if apiErr != nil {
			writeAPIError(w, apiErr)
			return
		}
		now := wireTime(s.cfg.now())
		sess := &session{
			ID: s.cfg.accountID + "." + randomString(22), CreatedAt: now, UpdatedAt: now,
			URL: req.URL, Order: req.Order, ProfileID: req.ProfileID, Customer: req.Customer,
			ExpiresAt: req.ExpiresAt, Configuration: req.Configuration, Metadata: req.Metadata,
			Events:                         []sessionEvent{{Name: "INITIATED", CreatedAt: now}},
			InitiatingSystemRequestHeaders: systemHeaders(r),
		}
		if sess.ProfileID != "" {
			if sess.Metadata == nil {
				sess.Metadata = map[string]any{}
			}
			sess.Metadata["session:profile_id"] = sess.ProfileID // N:5160-5164
		}
		s.mu.Lock()
		s.sessions[sess.ID] = sess
		out := map[string]any{"id": sess.ID, "url": s.srv.URL + "/v1/view/" + sess.ID}
		if r.URL.Query().Get("include_session") == "true" {
			out["session"] = sess.clone()
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

// checkSessionMetadata: values are strings or numbers (N:4782-4815).
func checkSessionMetadata(m map[string]any) *apiError {
	for k, v := range m {
		switch v.(type) {
		case string, float64:
		default:
			return badRequest("metadata %q must be a string or a number", k)
		}
	}
	return nil
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request, _ *Fault) {
	s.mu.Lock()
	sess, ok := s.sessions[r.PathValue("id")]
	var out *session
	if ok {
		out = sess.clone()
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "session not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleUpdateSession is PUT /v1/sessions/{id} (N:48-56, N:7572-7628):
// only a session locked for paying, unless update_without_lock=true; the
// order fields sent replace the session's, and the result must add up.
func (s *Server) handleUpdateSession(w http.ResponseWriter, r *http.Request, _ *Fault) {
	var req struct {
		Order      map[string]json.RawMessage `json:"order"`
		RemoveLock *bool                      `json:"remove_lock"`
		Express    json.RawMessage            `json:"express"`
	}
	if !decode(w, r, &req) {
		return
	}
	withoutLock := r.URL.Query().Get("update_without_lock") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[r.PathValue("id")]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "NOT_FOUND", "session not found")
		return
	case sess.TransactionID != "" || sess.CancelledAt != "":
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "session is paid or cancelled: update not allowed")
		return
	case !sess.locked && !withoutLock:
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "session is not locked for paying; use update_without_lock=true before the checkout is shown")
		return
	}
	merged, apiErr := mergeOrder(sess.Order, req.Order)
	var rules sessionRules
	if apiErr == nil {
		// The session's own configuration still applies.
		rules, apiErr = configurationRules(sess.Configuration, &merged)
	}
	if apiErr == nil {
		rules.strictAmounts = true
		apiErr = checkOrder(&merged, rules)
	}
	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}
	sess.Order = merged
	sess.UpdatedAt = wireTime(s.cfg.now())
	if req.RemoveLock == nil || *req.RemoveLock {
		sess.locked = false
	}
	writeJSON(w, http.StatusOK, sess.clone())
}

// mergeOrder applies a SessionOrderUpdate, whose every field is optional,
// to an order.
func mergeOrder(cur order, update map[string]json.RawMessage) (order, *apiError) {
	b, _ := json.Marshal(cur)
	var fields map[string]json.RawMessage
	json.Unmarshal(b, &fields)
	for k, v := range update {
		fields[k] = v
	}
	b, _ = json.Marshal(fields)
	var out order
	if err := json.Unmarshal(b, &out); err != nil {
		return order{}, badRequest("order: %v", err)
	}
	return out, nil
}

// handleCancelSession voids an initiated or authorized transaction and
// refuses in any other transaction state (N:77-83).
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
		switch st.tx.Status {
		case stInitiated, stAuthorized:
		default:
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "cancel is not allowed: transaction is "+st.tx.Status)
			return
		}
		if len(st.pending) > 0 {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER", "cancel is not allowed: an operation is in progress")
			return
		}
		s.apply(st, pendingOp{requestID: uuid(), kind: evVoid, amount: st.tx.Amount, headers: systemHeaders(r)}, "")
	}
	if sess.CancelledAt != "" {
		// Not specified; a repeated cancel changes nothing.
		writeJSON(w, http.StatusOK, sess.clone())
		return
	}
	now := wireTime(s.cfg.now())
	sess.CancelledAt, sess.CancelledBy, sess.UpdatedAt = now, s.cfg.clientID, now
	sess.Events = append(sess.Events, sessionEvent{Name: "CANCELLED", CreatedAt: now})
	writeJSON(w, http.StatusOK, sess.clone())
}

// LockSession plays the customer opening the payment page: the session is
// locked for paying until an update removes the lock, as Dintero requires
// before a PUT without update_without_lock (N:48).
func (s *Server) LockSession(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok || sess.TransactionID != "" || sess.CancelledAt != "" {
		return fmt.Errorf("%w: %s", ErrSessionState, id)
	}
	sess.locked = true
	return nil
}

// handleView is the payment page a session's url points to. Opening it
// locks the session for paying, as the real page does; the page itself is
// a stub (Pay plays the customer).
func (s *Server) handleView(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.LockSession(id); err != nil {
		http.Error(w, "no session to pay", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "dinterotest payment page for session "+id+"; the session is locked for paying\n")
}
