package wctest

import (
	"net/http"
	"slices"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// addNote adds a note; the caller holds s.mu.
func (s *Server) addNote(o *order, text string, customer, byUser bool) *note {
	author := "system"
	if byUser {
		author = s.cfg.userName
	}
	n := &note{id: s.newID(), author: author, created: s.cfg.now().UTC(), text: text, customer: customer}
	o.notes = append(o.notes, n)
	return n
}

func (s *Server) listNotes(w http.ResponseWriter, r *request) {
	typ := r.query("type")
	if typ != "" && typ != "any" && typ != "customer" && typ != "internal" {
		invalidParam(w, "type", "rest_not_in_enum", "type is not one of any, customer, and internal.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr(w, r, http.StatusNotFound)
	if !ok {
		return
	}
	out := []map[string]any{}
	for i := len(st.notes) - 1; i >= 0; i-- {
		n := st.notes[i]
		if typ == "customer" && !n.customer || typ == "internal" && n.customer {
			continue
		}
		out = append(out, noteJSON(n))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getNote(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr(w, r, http.StatusNotFound)
	if !ok {
		return
	}
	id, _ := r.id(3)
	for _, n := range st.notes {
		if n.id == id {
			writeJSON(w, http.StatusOK, noteJSON(n))
			return
		}
	}
	wpError(w, http.StatusNotFound, "woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
}

func (s *Server) createNote(w http.ResponseWriter, r *request) {
	text, _ := r.str("note")
	customer, valid1 := r.boolParam("customer_note", false)
	byUser, valid2 := r.boolParam("added_by_user", false)
	if text == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": "rest_missing_callback_param",
			"message": "Missing parameter(s): note", "data": map[string]any{"status": 400, "params": []string{"note"}}})
		return
	}
	if !valid1 || !valid2 {
		var errs [][3]string
		if !valid1 {
			errs = append(errs, notBoolean("customer_note"))
		}
		if !valid2 {
			errs = append(errs, notBoolean("added_by_user"))
		}
		invalidParams(w, errs)
		return
	}
	s.mu.Lock()
	id, _ := r.id(1)
	o, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		wpError(w, http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.", 404)
		return
	}
	n := s.addNote(o, text, customer, byUser)
	out := noteJSON(n)
	s.mu.Unlock()
	w.Header().Set("Location", s.restURL("orders/"+itoa(id)+"/notes/"+itoa(n.id)))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) deleteNote(w http.ResponseWriter, r *request) {
	if force, valid := r.boolParam("force", false); !valid || !force {
		wpError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Order notes do not support trashing.", 501)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr(w, r, http.StatusNotFound)
	if !ok {
		return
	}
	id, _ := r.id(3)
	for i, n := range st.notes {
		if n.id == id {
			st.notes = slices.Delete(st.notes, i, i+1)
			writeJSON(w, http.StatusOK, noteJSON(n))
			return
		}
	}
	wpError(w, http.StatusNotFound, "woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
}

// Notes returns an order's notes, oldest first, decoded from the store's
// JSON by the client's decoder.
func (s *Server) Notes(orderID int64) []woocommerce.Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return nil
	}
	out := make([]woocommerce.Note, len(o.notes))
	for i, n := range o.notes {
		s.decode(noteJSON(n), &out[i])
	}
	return out
}
