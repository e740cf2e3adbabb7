package ordermgmt

import (
	"context"
	"fmt"
	"strings"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// WebhookHealth is the state of the store's order webhooks that deliver
// to the service.
type WebhookHealth struct {
	// Webhooks are the order webhooks whose delivery URL is the
	// service's.
	Webhooks []*woocommerce.Webhook
	// Inactive lists those not active (WooCommerce disables one after
	// seven failed deliveries in a row; a person may pause one).
	Inactive []*woocommerce.Webhook
	// Reactivated lists those CheckWebhooks set active again.
	Reactivated []*woocommerce.Webhook
}

// Healthy reports whether at least one order webhook delivers to the
// service and none is inactive.
func (h *WebhookHealth) Healthy() bool { return len(h.Webhooks) > 0 && len(h.Inactive) == 0 }

// String says what an operator needs to know, in one line.
func (h *WebhookHealth) String() string {
	switch {
	case len(h.Webhooks) == 0:
		return "no order webhook delivers to the service: the poller carries all the load"
	case len(h.Inactive) == 0:
		return fmt.Sprintf("%d order webhooks active", len(h.Webhooks))
	}
	var names []string
	for _, w := range h.Inactive {
		names = append(names, fmt.Sprintf("#%d %s (%s)", w.ID, w.Topic, w.Status))
	}
	s := "inactive order webhooks: " + strings.Join(names, ", ") + "; the poller carries their load"
	if len(h.Reactivated) > 0 {
		s += fmt.Sprintf("; %d set active again (WooCommerce keeps their failure count: the next failure disables them again)", len(h.Reactivated))
	}
	return s
}

// CheckWebhooks reads the store's webhooks and reports the order webhooks
// that deliver to deliveryURL (the URL WebhookHandler is served at). With
// reactivate, those WooCommerce disabled are set active again; paused
// ones are a person's choice and stay paused.
//
// Re-activation does not reset WooCommerce's count of failed deliveries,
// so one more failure disables a webhook again. WebhookHandler answers
// every verified delivery 2xx, whatever happens after, which keeps this
// service's trouble from counting; a webhook that is disabled again means
// the deliveries do not reach it (a proxy, DNS, TLS, a wrong secret).
func (e *Engine) CheckWebhooks(ctx context.Context, deliveryURL string, reactivate bool) (*WebhookHealth, error) {
	h := &WebhookHealth{}
	for page := 1; ; page++ {
		hooks, resp, err := e.wc.Webhooks.List(ctx, &woocommerce.ListOptions{Page: page, PerPage: 100})
		if err != nil {
			return nil, err
		}
		for _, w := range hooks {
			if !strings.HasPrefix(w.Topic, "order.") || !sameURL(w.DeliveryURL, deliveryURL) {
				continue
			}
			h.Webhooks = append(h.Webhooks, w)
			if w.Status == "active" {
				continue
			}
			h.Inactive = append(h.Inactive, w)
			if reactivate && w.Status == "disabled" {
				got, _, err := e.wc.Webhooks.Update(ctx, w.ID, &woocommerce.WebhookRequest{Status: "active"})
				if err != nil {
					return h, fmt.Errorf("ordermgmt: setting webhook %d active again: %w", w.ID, err)
				}
				h.Reactivated = append(h.Reactivated, got)
			}
		}
		if resp == nil || resp.TotalPages <= page || len(hooks) == 0 {
			break
		}
	}
	return h, nil
}

// sameURL compares delivery URLs as WooCommerce stores them: scheme and
// host without case, the rest exactly, a trailing slash ignored.
func sameURL(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimSuffix(strings.TrimSpace(s), "/")
		if i := strings.Index(s, "://"); i >= 0 {
			rest := s[i+3:]
			host, path, _ := strings.Cut(rest, "/")
			s = strings.ToLower(s[:i+3]+host) + "/" + path
		}
		return s
	}
	return norm(a) == norm(b)
}
