package woocommerce

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// WebhooksService manages webhook subscriptions. Reach it through
// Client.Webhooks.
type WebhooksService service

// Webhook is a webhook subscription.
type Webhook struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Status       string   `json:"status"` // active, paused or disabled
	Topic        string   `json:"topic"`  // such as order.updated
	Resource     string   `json:"resource"`
	Event        string   `json:"event"`
	Hooks        []string `json:"hooks"`
	DeliveryURL  string   `json:"delivery_url"`
	DateCreated  Time     `json:"date_created_gmt"`
	DateModified Time     `json:"date_modified_gmt"`
}

// WebhookRequest creates or updates a webhook. Always give a Secret of
// your own: WooCommerce generates one otherwise and never shows it.
type WebhookRequest struct {
	Name        string `json:"name,omitempty"`
	Status      string `json:"status,omitempty"`
	Topic       string `json:"topic,omitempty"`
	DeliveryURL string `json:"delivery_url,omitempty"`
	Secret      string `json:"secret,omitempty"`
}

// Create subscribes a URL to a topic. WooCommerce pings the URL with a
// form-encoded webhook_id right after; WebhookHandler answers it.
//
// WooCommerce API docs: POST /wp-json/wc/v3/webhooks
func (s *WebhooksService) Create(ctx context.Context, req *WebhookRequest) (*Webhook, *Response, error) {
	const op = "woocommerce.Webhooks.Create"
	if req == nil || req.Topic == "" || req.DeliveryURL == "" {
		return nil, nil, invalid(op, "topic and delivery_url are required")
	}
	if u, err := url.Parse(req.DeliveryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, nil, invalid(op, "delivery_url must be an http(s) URL")
	}
	w := new(Webhook)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPost, route: "webhooks", body: req}, w)
	if err != nil {
		return nil, resp, err
	}
	return w, resp, nil
}

// List returns a page of webhooks.
//
// WooCommerce API docs: GET /wp-json/wc/v3/webhooks
func (s *WebhooksService) List(ctx context.Context, opts *ListOptions) ([]*Webhook, *Response, error) {
	const op = "woocommerce.Webhooks.List"
	q := url.Values{}
	if opts != nil {
		if opts.Page > 0 {
			q.Set("page", strconv.Itoa(opts.Page))
		}
		if opts.PerPage > 0 {
			q.Set("per_page", strconv.Itoa(opts.PerPage))
		}
	}
	var hooks []*Webhook
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: "webhooks", query: q}, &hooks)
	if err != nil {
		return nil, resp, err
	}
	return hooks, resp, nil
}

// Get reads a webhook.
func (s *WebhooksService) Get(ctx context.Context, id int64) (*Webhook, *Response, error) {
	const op = "woocommerce.Webhooks.Get"
	if id <= 0 {
		return nil, nil, invalid(op, "webhook id %d", id)
	}
	w := new(Webhook)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodGet, route: "webhooks/" + strconv.FormatInt(id, 10)}, w)
	if err != nil {
		return nil, resp, err
	}
	return w, resp, nil
}

// Update changes a webhook; set Status "active" to revive one WooCommerce
// disabled after repeated delivery failures.
func (s *WebhooksService) Update(ctx context.Context, id int64, req *WebhookRequest) (*Webhook, *Response, error) {
	const op = "woocommerce.Webhooks.Update"
	if id <= 0 || req == nil {
		// Never the request itself: it holds the webhook's secret.
		return nil, nil, invalid(op, "webhook id %d, request given: %t", id, req != nil)
	}
	w := new(Webhook)
	resp, err := s.c.do(ctx, call{op: op, method: http.MethodPut, route: "webhooks/" + strconv.FormatInt(id, 10), body: req}, w)
	if err != nil {
		return nil, resp, err
	}
	return w, resp, nil
}

// Delete removes a webhook for good.
func (s *WebhooksService) Delete(ctx context.Context, id int64) (*Response, error) {
	const op = "woocommerce.Webhooks.Delete"
	if id <= 0 {
		return nil, invalid(op, "webhook id %d", id)
	}
	return s.c.do(ctx, call{op: op, method: http.MethodDelete, route: "webhooks/" + strconv.FormatInt(id, 10),
		query: url.Values{"force": {"true"}}}, nil)
}
