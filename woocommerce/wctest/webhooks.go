package wctest

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

type webhookState struct {
	hook     woocommerce.Webhook
	secret   string
	failures int
}

// DeliveryRecord is one webhook delivery the store made.
type DeliveryRecord struct {
	WebhookID int64
	Topic     string
	OrderID   int64
	Status    int // the receiver's answer; 0 when unreachable
	Ping      bool
}

var validTopics = []string{"created", "updated", "deleted", "restored"}

func webhookJSON(h woocommerce.Webhook) map[string]any {
	return map[string]any{"id": h.ID, "name": h.Name, "status": h.Status, "topic": h.Topic, "resource": h.Resource,
		"event": h.Event, "hooks": h.Hooks, "delivery_url": h.DeliveryURL,
		"date_created": wcDate(h.DateCreated), "date_created_gmt": wcDate(h.DateCreated),
		"date_modified": wcDate(h.DateModified), "date_modified_gmt": wcDate(h.DateModified)}
}

func (s *Server) createWebhook(w http.ResponseWriter, r *request) {
	var req woocommerce.WebhookRequest
	if !decodeBody(w, r, &req) {
		return
	}
	resource, event, _ := strings.Cut(req.Topic, ".")
	if !slices.Contains([]string{"order", "coupon", "customer", "product"}, resource) || !slices.Contains(validTopics, event) {
		wpError(w, http.StatusBadRequest, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is invalid.", 400)
		return
	}
	if u, err := url.Parse(req.DeliveryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		wpError(w, http.StatusBadRequest, "woocommerce_rest_webhook_invalid_delivery_url", "Webhook delivery URL must be a valid URL starting with http:// or https://.", 400)
		return
	}
	if req.Status == "" {
		req.Status = "active"
	}
	if req.Secret == "" {
		req.Secret = randomHex(25)
	}
	now := woocommerce.Time{Time: s.cfg.now().UTC()}
	s.mu.Lock()
	h := woocommerce.Webhook{ID: s.newID(), Name: req.Name, Status: req.Status, Topic: req.Topic, Resource: resource,
		Event: event, Hooks: []string{"woocommerce_update_order"}, DeliveryURL: req.DeliveryURL, DateCreated: now, DateModified: now}
	s.webhooks[h.ID] = &webhookState{hook: h, secret: req.Secret}
	s.mu.Unlock()
	s.ping(h)
	writeJSON(w, http.StatusCreated, webhookJSON(h))
}

// ping posts webhook_id=N, form-encoded and unsigned, as WooCommerce does
// right after a webhook is created.
func (s *Server) ping(h woocommerce.Webhook) {
	req, err := http.NewRequest(http.MethodPost, h.DeliveryURL, strings.NewReader("webhook_id="+itoa(h.ID)))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7)")
	rec := DeliveryRecord{WebhookID: h.ID, Topic: h.Topic, Ping: true}
	if resp, err := s.hook.Do(req); err == nil {
		resp.Body.Close()
		rec.Status = resp.StatusCode
	}
	s.record(rec)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, h := range s.webhooks {
		out = append(out, webhookJSON(h.hook))
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return int(b["id"].(int64) - a["id"].(int64)) })
	w.Header().Set("X-WP-Total", strconv.Itoa(len(out)))
	w.Header().Set("X-WP-TotalPages", "1")
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) webhookOr404(w http.ResponseWriter, r *request) (*webhookState, bool) {
	id, _ := r.id(1)
	h, ok := s.webhooks[id]
	if !ok {
		wpError(w, http.StatusNotFound, "woocommerce_rest_webhook_invalid_id", "Invalid webhook ID.", 404)
	}
	return h, ok
}

func (s *Server) getWebhook(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.webhookOr404(w, r); ok {
		writeJSON(w, http.StatusOK, webhookJSON(h.hook))
	}
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *request) {
	var req woocommerce.WebhookRequest
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.webhookOr404(w, r)
	if !ok {
		return
	}
	if req.Name != "" {
		h.hook.Name = req.Name
	}
	if req.Status != "" {
		h.hook.Status = req.Status
		if req.Status == "active" {
			h.failures = 0
		}
	}
	if req.DeliveryURL != "" {
		h.hook.DeliveryURL = req.DeliveryURL
	}
	if req.Secret != "" {
		h.secret = req.Secret
	}
	h.hook.DateModified = woocommerce.Time{Time: s.cfg.now().UTC()}
	writeJSON(w, http.StatusOK, webhookJSON(h.hook))
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *request) {
	if r.q.Get("force") != "true" && r.q.Get("force") != "1" {
		wpError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.webhookOr404(w, r); ok {
		delete(s.webhooks, h.hook.ID)
		writeJSON(w, http.StatusOK, webhookJSON(h.hook))
	}
}

// fireWebhooks delivers topic for the order to every active webhook
// subscribed to it, in the background (WooCommerce queues deliveries for
// after the request). The payload is the order as GET shows it at delivery
// time, encoded as wp_json_encode does, signed with the webhook's secret.
// No retries; after more than five consecutive failures a webhook is
// disabled, as WooCommerce does.
func (s *Server) fireWebhooks(topic string, orderID int64) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	var targets []*webhookState
	for _, h := range s.webhooks {
		if h.hook.Status == "active" && h.hook.Topic == topic {
			targets = append(targets, h)
		}
	}
	if len(targets) == 0 {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		var wg sync.WaitGroup
		for _, h := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.deliver(h, topic, orderID)
			}()
		}
		wg.Wait()
	}()
}

func (s *Server) deliver(h *webhookState, topic string, orderID int64) {
	s.mu.Lock()
	st, ok := s.orders[orderID]
	var payload any = map[string]any{"id": orderID}
	if ok {
		payload = s.render(st, s.cfg.dp, nil)
	}
	hook, secret := h.hook, h.secret
	s.mu.Unlock()
	body, err := phpJSON(payload)
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, hook.DeliveryURL, bytes.NewReader(body))
	if err != nil {
		return
	}
	resource, event, _ := strings.Cut(topic, ".")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7)")
	req.Header.Set(woocommerce.HeaderSource, s.URL)
	req.Header.Set(woocommerce.HeaderTopic, topic)
	req.Header.Set(woocommerce.HeaderResource, resource)
	req.Header.Set(woocommerce.HeaderEvent, event)
	req.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook(body, secret))
	req.Header.Set(woocommerce.HeaderWebhookID, itoa(hook.ID))
	req.Header.Set(woocommerce.HeaderDeliveryID, randomHex(16))
	rec := DeliveryRecord{WebhookID: hook.ID, Topic: topic, OrderID: orderID}
	if resp, err := s.hook.Do(req); err == nil {
		resp.Body.Close()
		rec.Status = resp.StatusCode
	}
	s.mu.Lock()
	if rec.Status >= 200 && rec.Status <= 302 {
		h.failures = 0
	} else if h.failures++; h.failures > 5 {
		h.hook.Status = "disabled"
	}
	s.mu.Unlock()
	s.record(rec)
}

func (s *Server) record(rec DeliveryRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, rec)
}

// Deliveries returns the webhook deliveries made so far, pings included.
func (s *Server) Deliveries() []DeliveryRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// WaitWebhooks waits until the deliveries under way are done.
func (s *Server) WaitWebhooks() { s.wg.Wait() }
