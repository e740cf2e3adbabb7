package wctest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type webhookState struct {
	id                  int64
	name, status, topic string
	deliveryURL, secret string
	failures            int
	pendingDelivery     bool
	created, modified   time.Time
}

// DeliveryRecord is one webhook delivery (or ping) the store made, with
// the exact request it sent, so that a test can replay or reorder it
// (see Resend).
type DeliveryRecord struct {
	WebhookID int64
	Topic     string
	OrderID   int64
	Status    int // the receiver's answer; 0 when unreachable
	Ping      bool
	URL       string
	Header    http.Header
	Body      []byte
	At        time.Time
}

func (s *Server) webhookJSON(h *webhookState) map[string]any {
	resource, event, _ := strings.Cut(h.topic, ".")
	hooks := []string{}
	if h.topic == "order.updated" {
		hooks = []string{"woocommerce_update_order", "woocommerce_order_refunded"} // WH 973–976
	}
	return map[string]any{"id": h.id, "name": h.name, "status": h.status, "topic": h.topic, "resource": resource,
		"event": event, "hooks": hooks, "delivery_url": h.deliveryURL,
		"date_created": wcDate(h.created), "date_created_gmt": wcDate(h.created),
		"date_modified": wcDate(h.modified), "date_modified_gmt": wcDate(h.modified),
		"_links": links("self", s.restURL("webhooks/"+itoa(h.id)), "collection", s.restURL("webhooks"))}
}

// validTopic is WooCommerce's topic check (WH1, wc_is_webhook_valid_topic).
func validTopic(t string) bool {
	resource, event, ok := strings.Cut(t, ".")
	if !ok {
		return false
	}
	if resource == "action" {
		return strings.HasPrefix(event, "woocommerce_") || strings.HasPrefix(event, "wc_")
	}
	return slices.Contains([]string{"coupon", "customer", "order", "product"}, resource) &&
		slices.Contains([]string{"created", "updated", "deleted", "restored"}, event)
}

func validDeliveryURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// refuseWebhookInput writes WooCommerce's 400 for a topic or delivery URL
// it does not take and says whether it did; an empty value is checked
// only when required (a create).
func refuseWebhookInput(w http.ResponseWriter, topic, deliveryURL string, required bool) bool {
	switch {
	case (required || topic != "") && !validTopic(topic):
		wpError(w, http.StatusBadRequest, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid.", 400)
	case (required || deliveryURL != "") && !validDeliveryURL(deliveryURL):
		wpError(w, http.StatusBadRequest, "woocommerce_rest_webhook_invalid_delivery_url", "Webhook delivery URL must be a valid URL starting with http:// or https://.", 400)
	default:
		return false
	}
	return true
}

func (s *Server) createWebhook(w http.ResponseWriter, r *request) {
	topic, _ := r.str("topic")
	deliveryURL, _ := r.str("delivery_url")
	name, _ := r.str("name")
	secret, _ := r.str("secret")
	if refuseWebhookInput(w, topic, deliveryURL, true) {
		return
	}
	if secret == "" {
		secret = randomHex(25) // 50 characters
	}
	now := s.cfg.now().UTC()
	s.mu.Lock()
	// REST create forces the status to active, whatever was asked (WH1
	// 330–382, 525), and pings at once.
	h := &webhookState{id: s.newID(), name: name, status: "active", topic: topic, deliveryURL: deliveryURL,
		secret: secret, pendingDelivery: true, created: now, modified: now}
	s.webhooks[h.id] = h
	s.mu.Unlock()
	s.ping(h)
	s.mu.Lock()
	out := s.webhookJSON(h)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// ping posts webhook_id=N as WooCommerce does (WH 612–646): form-encoded,
// unsigned, with no topic headers. Only an answer of exactly 200 clears
// the webhook's pending delivery; until then every save pings again.
func (s *Server) ping(h *webhookState) {
	s.mu.Lock()
	target := h.deliveryURL
	s.delivering++
	s.mu.Unlock()
	body := []byte("webhook_id=" + itoa(h.id))
	header := http.Header{}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	header.Set("User-Agent", userAgent)
	rec := DeliveryRecord{WebhookID: h.id, Topic: h.topic, Ping: true, URL: target, Header: header, Body: body, At: s.cfg.now()}
	rec.Status = s.send(context.Background(), target, header, body, 5*time.Second)
	s.mu.Lock()
	if rec.Status == http.StatusOK {
		h.pendingDelivery = false
	}
	s.deliveries = append(s.deliveries, rec)
	s.delivering--
	s.mu.Unlock()
}

const userAgent = "WooCommerce/10.5.0 Hookshot (WordPress/6.9.1)"

// send posts body and returns the answer's status, 0 when unreachable.
func (s *Server) send(ctx context.Context, target string, header http.Header, body []byte, timeout time.Duration) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header = header.Clone()
	resp, err := s.hook.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	ids := make([]int64, 0, len(s.webhooks))
	for id := range s.webhooks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, s.webhookJSON(s.webhooks[ids[i]]))
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(len(out)))
	w.Header().Set("X-WP-TotalPages", "1")
	writeJSON(w, http.StatusOK, out)
}

// webhookOr404 finds the webhook; WooCommerce's code names its post type,
// shop_webhook (WH1). The caller holds s.mu.
func (s *Server) webhookOr404(w http.ResponseWriter, r *request) (*webhookState, bool) {
	id, _ := r.id(1)
	h, ok := s.webhooks[id]
	if !ok {
		wpError(w, http.StatusNotFound, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.", 404)
	}
	return h, ok
}

func (s *Server) getWebhook(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.webhookOr404(w, r); ok {
		writeJSON(w, http.StatusOK, s.webhookJSON(h))
	}
}

// updateWebhook changes a webhook. Setting it active again does not reset
// its failure count (WH1 390–455), so one more failure disables it again.
func (s *Server) updateWebhook(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	h, ok := s.webhookOr404(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	topic, _ := r.str("topic")
	deliveryURL, _ := r.str("delivery_url")
	if refuseWebhookInput(w, topic, deliveryURL, false) {
		s.mu.Unlock()
		return
	}
	if topic != "" {
		h.topic = topic
	}
	if deliveryURL != "" {
		h.deliveryURL = deliveryURL
	}
	if v, ok := r.str("name"); ok && v != "" {
		h.name = v
	}
	if v, ok := r.str("status"); ok && slices.Contains([]string{"active", "paused", "disabled"}, v) {
		h.status = v
	}
	if v, ok := r.str("secret"); ok && v != "" {
		h.secret = v
	}
	h.modified = s.cfg.now().UTC()
	repings := h.pendingDelivery && h.status == "active"
	s.mu.Unlock()
	if repings {
		s.ping(h) // each save of an active, pending webhook pings (WHDS 120, 162–164)
	}
	s.mu.Lock()
	out := s.webhookJSON(h)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *request) {
	if force, valid := r.boolParam("force", false); !valid || !force {
		wpError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.webhookOr404(w, r); ok {
		delete(s.webhooks, h.id)
		writeJSON(w, http.StatusOK, s.webhookJSON(h))
	}
}

// fireWebhooks delivers topic for the order to every active webhook
// subscribed to it, in the background (WooCommerce queues deliveries for
// after the request). The payload is the order as GET shows it at
// delivery time (WH 383–453).
func (s *Server) fireWebhooks(topic string, orderID int64) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	var targets []*webhookState
	for _, h := range s.webhooks {
		if h.status == "active" && h.topic == topic {
			targets = append(targets, h)
		}
	}
	if len(targets) == 0 {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.firing++
	s.delivering += len(targets)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			if s.firing--; s.firing == 0 {
				s.quiet.Broadcast()
			}
			s.mu.Unlock()
		}()
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

// signWebhook is base64(HMAC-SHA256(body, secret)) with the secret
// through wp_specialchars_decode (WH 461–466).
func signWebhook(body []byte, secret string) string {
	secret = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#039;", "'", "&amp;", "&").Replace(secret)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// deliver posts one delivery as WooCommerce does (WH 324–371, 544–577):
// the body is trim(wp_json_encode(payload)), signed; success is 200 ≤
// status < 303 and resets the failure count; a failure counts up while
// the count is at most 5, and once it is above 5 the webhook is disabled,
// so the 7th consecutive failure disables it. No retries.
func (s *Server) deliver(h *webhookState, topic string, orderID int64) {
	s.mu.Lock()
	var payload any = map[string]any{"id": orderID}
	if o, ok := s.orders[orderID]; ok {
		payload = s.renderOrder(o, s.cfg.dp)
	}
	target, secret, id := h.deliveryURL, h.secret, h.id
	s.mu.Unlock()
	body, err := phpJSON(payload)
	if err != nil {
		body = []byte("{}")
	}
	resource, event, _ := strings.Cut(topic, ".")
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("User-Agent", userAgent)
	header.Set("X-WC-Webhook-Source", s.URL)
	header.Set("X-WC-Webhook-Topic", topic)
	header.Set("X-WC-Webhook-Resource", resource)
	header.Set("X-WC-Webhook-Event", event)
	header.Set("X-WC-Webhook-Signature", signWebhook(body, secret))
	header.Set("X-WC-Webhook-ID", itoa(id))
	header.Set("X-WC-Webhook-Delivery-ID", randomHex(16))
	rec := DeliveryRecord{WebhookID: id, Topic: topic, OrderID: orderID, URL: target, Header: header, Body: body, At: s.cfg.now()}
	rec.Status = s.send(context.Background(), target, header, body, 60*time.Second)
	s.mu.Lock()
	switch {
	case rec.Status >= 200 && rec.Status < 303:
		h.failures = 0
	case h.failures > 5:
		h.status = "disabled"
	default:
		h.failures++
	}
	repings := h.pendingDelivery && h.status == "active"
	s.deliveries = append(s.deliveries, rec)
	s.delivering--
	s.mu.Unlock()
	if repings {
		s.ping(h)
	}
}

// Deliveries returns the webhook deliveries made so far, pings included,
// with the requests as sent.
func (s *Server) Deliveries() []DeliveryRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.deliveries)
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// Resend sends a recorded delivery again, byte for byte (headers and
// signature included), to the URL it went to, and returns the receiver's
// status (0 when unreachable). A test replays duplicates or old payloads,
// or reorders deliveries, this way. It does not count toward the
// webhook's failures and is not recorded.
func (s *Server) Resend(ctx context.Context, rec DeliveryRecord) int {
	s.mu.Lock()
	s.delivering++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.delivering--
		s.mu.Unlock()
	}()
	return s.send(ctx, rec.URL, rec.Header, rec.Body, 60*time.Second)
}

func (s *Server) deliveriesIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivering == 0
}

// WaitWebhooks waits until the deliveries of order events under way
// (and the pings they trigger) are done. It is safe while the receiver
// makes requests that trigger further deliveries; it returns at a moment
// when none is under way.
func (s *Server) WaitWebhooks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.firing > 0 {
		s.quiet.Wait()
	}
}
