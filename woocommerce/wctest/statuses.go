package wctest

import (
	"slices"
	"strings"
)

// statusDef is a registered order status: its slug (without "wc-") and
// the label notes use.
type statusDef struct{ slug, label string }

// coreStatuses are wc_get_order_statuses() of a store with WooCommerce
// Blocks (which adds checkout-draft, "Draft") and the Dintero plugin
// (which adds manual-review, class-dintero-checkout-order-status.php), in
// filter order.
var coreStatuses = []statusDef{
	{"pending", "Pending payment"}, {"processing", "Processing"}, {"on-hold", "On hold"},
	{"completed", "Completed"}, {"cancelled", "Cancelled"}, {"refunded", "Refunded"}, {"failed", "Failed"},
	{"checkout-draft", "Draft"}, {"manual-review", "Manual review"},
}

// WithStatus registers a custom order status, as a plugin does through
// wc_order_statuses and woocommerce_register_shop_order_post_statuses: the
// REST API then accepts the slug (without "wc-"), lists filter on it, and
// status notes use the label ("Order status changed from Processing to
// Shipped."). Registering a slug again changes its label.
func WithStatus(slug, label string) Option {
	return func(c *config) {
		slug = strings.TrimPrefix(slug, "wc-")
		if i := slices.IndexFunc(c.statuses, func(d statusDef) bool { return d.slug == slug }); i >= 0 {
			c.statuses[i].label = label
			return
		}
		c.statuses = append(c.statuses, statusDef{slug, label})
	}
}

func (s *Server) statusKnown(slug string) bool {
	return slices.ContainsFunc(s.cfg.statuses, func(d statusDef) bool { return d.slug == slug })
}

func (s *Server) label(slug string) string {
	for _, d := range s.cfg.statuses {
		if d.slug == slug {
			return d.label
		}
	}
	return slug
}

// writeStatuses is the enum of the status parameter on write: auto-draft,
// then every registered status (O2 1132–1140).
func (s *Server) writeStatuses() []string {
	out := []string{"auto-draft"}
	for _, d := range s.cfg.statuses {
		out = append(out, d.slug)
	}
	return out
}

// wpList joins as wp_sprintf's %l: "a, b, and c"; "a and b" for two.
func wpList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}
