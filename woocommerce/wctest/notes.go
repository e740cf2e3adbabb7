package wctest

import (
	"net/http"
	"slices"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// addNote adds a note; the caller holds s.mu.
func (s *Server) addNote(st *orderState, text string, customer, byUser bool) *woocommerce.Note {
	author := "system"
	if byUser {
		author = s.cfg.userName
	}
	n := &woocommerce.Note{ID: s.newID(), Author: author, DateCreated: woocommerce.Time{Time: s.cfg.now().UTC()},
		Note: text, CustomerNote: customer}
	st.notes = append(st.notes, n)
	return n
}

func noteJSON(n *woocommerce.Note) map[string]any {
	return map[string]any{"id": n.ID, "author": n.Author, "date_created": wcDate(n.DateCreated),
		"date_created_gmt": wcDate(n.DateCreated), "note": n.Note, "customer_note": n.CustomerNote}
}

func (s *Server) listNotes(w http.ResponseWriter, r *request) {
	typ := r.q.Get("type")
	if typ != "" && typ != "any" && typ != "customer" && typ != "internal" {
		invalidParam(w, "type", "type is not one of any, customer, internal.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		return
	}
	out := []map[string]any{}
	for i := len(st.notes) - 1; i >= 0; i-- {
		n := st.notes[i]
		if typ == "customer" && !n.CustomerNote || typ == "internal" && n.CustomerNote {
			continue
		}
		out = append(out, noteJSON(n))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getNote(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		return
	}
	id, _ := r.id(3)
	for _, n := range st.notes {
		if n.ID == id {
			writeJSON(w, http.StatusOK, noteJSON(n))
			return
		}
	}
	wpError(w, http.StatusNotFound, "woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
}

func (s *Server) createNote(w http.ResponseWriter, r *request) {
	var req struct {
		Note         string `json:"note"`
		CustomerNote bool   `json:"customer_note"`
		AddedByUser  bool   `json:"added_by_user"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Note == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": "rest_missing_callback_param",
			"message": "Missing parameter(s): note", "data": map[string]any{"status": 400, "params": []string{"note"}}})
		return
	}
	s.mu.Lock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_order_invalid_id", http.StatusNotFound)
	if !ok {
		s.mu.Unlock()
		return
	}
	n := s.addNote(st, req.Note, req.CustomerNote, req.AddedByUser)
	out := noteJSON(n)
	s.mu.Unlock()
	w.Header().Set("Location", s.URL+"wp-json/wc/v3/orders/"+r.seg[1]+"/notes/"+itoa(n.ID))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) deleteNote(w http.ResponseWriter, r *request) {
	if r.q.Get("force") != "true" && r.q.Get("force") != "1" {
		wpError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Order notes do not support trashing.", 501)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orderOr404(w, r, "woocommerce_rest_shop_order_invalid_id", http.StatusNotFound)
	if !ok {
		return
	}
	id, _ := r.id(3)
	for i, n := range st.notes {
		if n.ID == id {
			st.notes = slices.Delete(st.notes, i, i+1)
			writeJSON(w, http.StatusOK, noteJSON(n))
			return
		}
	}
	wpError(w, http.StatusNotFound, "woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
}

// Notes returns an order's notes, oldest first.
func (s *Server) Notes(orderID int64) []woocommerce.Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[orderID]
	if !ok {
		return nil
	}
	out := make([]woocommerce.Note, len(st.notes))
	for i, n := range st.notes {
		out[i] = *n
	}
	return out
}
