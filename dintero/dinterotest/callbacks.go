package dinterotest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// CallbackRecord is one callback the server delivered or tried to.
type CallbackRecord struct {
	Method string
	// URL is the full URL called, with the parameters Dintero adds.
	URL           string
	TransactionID string
	Event         string // "" for payment callbacks, else CAPTURE, REFUND, VOID
	Error         string
	// Status is the receiver's last answer (0 when it could not be reached).
	Status   int
	Attempts int
	Signed   bool
}

// Callbacks returns the callbacks sent so far, oldest first.
func (s *Server) Callbacks() []CallbackRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// WaitCallbacks waits for callbacks sent in the background (report_event
// callbacks after capture, refund and void, and timed 202 completions).
// It is safe while a receiver starts more of them; it returns at a
// moment when none is under way.
func (s *Server) WaitCallbacks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.background > 0 {
		s.quiet.Wait()
	}
}

// startBackground counts one piece of background work; s.mu is held, so
// that Close, which takes it to stop new work, sees every one.
func (s *Server) startBackground() {
	s.wg.Add(1)
	s.busy.Add(1)
	s.background++
}

// endBackground ends what startBackground counted.
func (s *Server) endBackground() {
	s.mu.Lock()
	if s.background--; s.background == 0 {
		s.quiet.Broadcast()
	}
	s.mu.Unlock()
	s.busy.Add(-1)
	s.wg.Done()
}

// reportEvent sends a report_event callback in the background when the
// callback URL asked for this kind of event. It never runs inside the
// request that caused it, so a receiver that calls back into the server
// cannot deadlock with it.
func (s *Server) reportEvent(callbackURL string, tx *transaction, kind string) {
	if callbackURL == "" {
		return
	}
	u, err := url.Parse(callbackURL)
	if err != nil || !slices.Contains(u.Query()["report_event"], kind) {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.startBackground()
	s.mu.Unlock()
	go func() {
		defer s.endBackground()
		s.deliver(context.Background(), callbackURL, tx, "", kind)
	}()
}

// deliver calls the callback URL as Dintero does: the merchant's URL plus
// transaction_id, session_id (or sid), merchant_reference, time and, as
// the case may be, error or event and event_id; GET unless the URL says
// method=POST (then the transaction is the body); signed when a secret is
// set; retried on 5xx and connection errors, never on 4xx.
func (s *Server) deliver(ctx context.Context, callbackURL string, tx *transaction, errParam, event string) {
	if callbackURL == "" {
		return
	}
	u, err := url.Parse(callbackURL)
	if err != nil {
		return
	}
	q := u.Query()
	if errParam != "" && q.Get("report_error") != "true" {
		return
	}
	method := http.MethodGet
	if q.Get("method") == "POST" {
		method = http.MethodPost
	}
	sid := "session_id"
	if name := q.Get("sid_parameter_name"); name != "" {
		sid = name
	}
	add := url.Values{}
	add.Set("transaction_id", tx.ID)
	add.Set(sid, tx.SessionID)
	add.Set("merchant_reference", tx.MerchantReference)
	add.Set("time", s.cfg.now().UTC().Format(time.RFC3339))
	if errParam != "" {
		add.Set("error", errParam)
	}
	if event != "" {
		add.Set("event", event)
		if n := len(tx.Events); n > 0 {
			add.Set("event_id", tx.Events[n-1].ID)
		}
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += add.Encode()

	var body []byte
	if method == http.MethodPost {
		// includes=session puts the session in the body (N:1349-1350).
		out := tx
		if slices.Contains(q["includes"], "session") {
			s.mu.Lock()
			out = s.render(tx.clone(), []string{"session"})
			s.mu.Unlock()
		}
		body, _ = json.Marshal(out)
	}
	rec := CallbackRecord{Method: method, URL: u.String(), TransactionID: tx.ID, Event: event, Error: errParam}
	delivery := uuid()
	for attempt := 1; attempt <= max(s.cfg.callbackAttempts, 1); attempt++ {
		rec.Attempts = attempt
		req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
		if err != nil {
			break
		}
		req.Header.Set("Event-Delivery", delivery)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if len(s.cfg.callbackSecret) > 0 {
			req.Header.Set("Dintero-Signature", callbackSignature(s.cfg.callbackSecret, s.cfg.accountID, method, u, s.cfg.now()))
			rec.Signed = true
		}
		resp, err := s.http.Do(req)
		if err == nil {
			resp.Body.Close()
			rec.Status = resp.StatusCode
			if resp.StatusCode < 500 && resp.StatusCode >= 200 {
				break // delivered, or refused for good (4xx)
			}
		} else {
			rec.Status = 0
		}
		if ctx.Err() != nil {
			break
		}
		sleepCtx(ctx, time.Duration(attempt)*10*time.Millisecond)
	}
	s.mu.Lock()
	s.sent = append(s.sent, rec)
	s.mu.Unlock()
}
