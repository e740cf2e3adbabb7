package woocommerce

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// NotesService reads and writes order notes. Reach it through
// Client.Notes.
type NotesService service

// NoteType filters a note list.
type NoteType string

// Note types.
const (
	NotesAny      NoteType = "any"
	NotesCustomer NoteType = "customer"
	NotesInternal NoteType = "internal"
)

// List returns all notes of an order, newest first; WooCommerce does not
// paginate notes.
//
// WooCommerce API docs: GET /wp-json/wc/v3/orders/{id}/notes
func (s *NotesService) List(ctx context.Context, orderID int64, typ NoteType) ([]*Note, *Response, error) {
	const op = "woocommerce.Notes.List"
	if orderID <= 0 {
		return nil, nil, invalid(op, "order id %d", orderID)
	}
	q := url.Values{}
	if typ != "" {
		q.Set("type", string(typ))
	}
	var notes []*Note
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: notesRoute(orderID), query: q}, notesBody{&notes})
	if err != nil {
		return nil, resp, err
	}
	return notes, resp, nil
}

// NoteRequest is a new note.
type NoteRequest struct {
	Note string `json:"note"`
	// CustomerNote shows the note to the customer and e-mails it.
	CustomerNote bool `json:"customer_note"`
	// AddedByUser attributes the note to the API key's user instead of
	// "system".
	AddedByUser bool `json:"added_by_user"`
}

// Create adds a note to an order.
//
// WooCommerce API docs: POST /wp-json/wc/v3/orders/{id}/notes
func (s *NotesService) Create(ctx context.Context, orderID int64, req *NoteRequest) (*Note, *Response, error) {
	const op = "woocommerce.Notes.Create"
	if orderID <= 0 {
		return nil, nil, invalid(op, "order id %d", orderID)
	}
	if req == nil || strings.TrimSpace(req.Note) == "" {
		return nil, nil, invalid(op, "empty note")
	}
	n := new(Note)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, route: notesRoute(orderID), body: req}, noteBody{n})
	if err != nil {
		return nil, resp, err
	}
	return n, resp, nil
}

// Delete removes a note for good.
//
// WooCommerce API docs: DELETE /wp-json/wc/v3/orders/{id}/notes/{note_id}?force=true
func (s *NotesService) Delete(ctx context.Context, orderID, noteID int64) (*Response, error) {
	const op = "woocommerce.Notes.Delete"
	if orderID <= 0 || noteID <= 0 {
		return nil, invalid(op, "order id %d, note id %d", orderID, noteID)
	}
	return s.c.do(ctx, call{op: op, method: http.MethodDelete, route: notesRoute(orderID) + "/" + strconv.FormatInt(noteID, 10),
		query: url.Values{"force": {"true"}}}, nil)
}

func notesRoute(orderID int64) string { return "orders/" + strconv.FormatInt(orderID, 10) + "/notes" }
