package ordermgmt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// Settings are the plugin's Order Management settings. The zero value
// means the defaults, which are the plugin's; merchants change the
// statuses, so every set is configurable.
type Settings struct {
	// CaptureStatuses capture the payment when an order reaches them
	// (default: completed).
	CaptureStatuses []woocommerce.Status
	// CancelStatuses void the authorization (default: cancelled).
	CancelStatuses []woocommerce.Status
	// RefundStatuses refund what is left when an order reaches them and
	// refunding on status change is on (default: refunded).
	RefundStatuses []woocommerce.Status
	// NoRefundOnStatusChange turns off "Refund by changing order status",
	// which is on by default as in the plugin.
	NoRefundOnStatusChange bool
	// AuthorizedStatus is the status an order takes once Dintero has
	// authorized it (default: processing).
	AuthorizedStatus woocommerce.Status
	// ManualReviewStatus is the status of an order Dintero holds for review,
	// ON_HOLD (default: manual-review).
	ManualReviewStatus woocommerce.Status
	// FailureStatus is where an order goes when a capture or void fails
	// (default: on-hold).
	FailureStatus woocommerce.Status
	// PaymentMethod marks the orders paid with Dintero; others are left
	// alone (default: dintero_checkout).
	PaymentMethod string
	// AutomaticRefundReasons are the exact reasons WooCommerce gives the
	// refund record it makes by itself when an order is set to Refunded
	// ("Order fully refunded." in English, always known). WooCommerce
	// translates it: a store in another language adds its text here. The
	// engine must tell that record from a refund made by hand, which is
	// never sent to Dintero; the reason alone never decides (see the
	// package documentation).
	AutomaticRefundReasons []string
	// AutomaticRefundNotes are the exact texts of the note WooCommerce adds
	// after making its automatic refund record ("Order status set to
	// refunded. To return funds to the customer you will need to issue a
	// refund through your payment gateway." in English, always known); a
	// store in another language adds its translation. A record shaped like
	// the automatic one without this note is money returned by hand.
	AutomaticRefundNotes []string
	// CaptureTolerance is how many minor units the order total may exceed
	// what Dintero has left to capture, for rounding; the capture is then
	// of what Dintero has left (default 0).
	CaptureTolerance int64
	// InDoubtWait is how long a capture, refund or void whose outcome is
	// unknown stays in doubt (default DefaultInDoubtWait). Dintero has no
	// idempotency keys and may complete a request after its caller gave
	// up, so while no event with the attempt's reference has appeared and
	// less than this has passed since the attempt started, Reconcile only
	// reads; afterwards it may send the movement again.
	InDoubtWait time.Duration

	// noWait turns the waiting period off, and shortWait allows one under
	// MinInDoubtWait: test-only switches (export_test.go), for the soak
	// (whose servers commit late in real time) and its mutation check,
	// which shows that it sees double movements without the wait.
	noWait, shortWait bool
}

// automaticRefundReason is WooCommerce's reason for its automatic refund
// record (wc_order_fully_refunded), in English.
const automaticRefundReason = "Order fully refunded."

// automaticRefundNote is the note WooCommerce adds after its automatic
// refund record (wc_order_fully_refunded), in English.
const automaticRefundNote = "Order status set to refunded. To return funds to the customer you will need to issue a refund through your payment gateway."

// DefaultInDoubtWait is the default Settings.InDoubtWait: the Dintero
// client's 30-second attempt timeout plus a generous bound on how long
// Dintero may take to finish a request under load. See the package
// documentation ("Money in doubt") for why a time bound, and what is left
// at risk past it.
const DefaultInDoubtWait = 15 * time.Minute

// MinInDoubtWait is the shortest InDoubtWait accepted: twice the Dintero
// client's default attempt timeout. A shorter wait (a mistyped 15, read as
// 15 ns) would turn the protection off.
const MinInDoubtWait = time.Minute

// withDefaults fills zero fields and checks that the status sets do not
// overlap, which would make one status change mean two things.
func (s Settings) withDefaults() (Settings, error) {
	// The plugin's settings spell statuses as WooCommerce stores them,
	// "wc-shipped"; the REST API, and so every order read, has "shipped".
	s.CaptureStatuses = unprefixed(s.CaptureStatuses)
	s.CancelStatuses = unprefixed(s.CancelStatuses)
	s.RefundStatuses = unprefixed(s.RefundStatuses)
	for _, st := range []*woocommerce.Status{&s.AuthorizedStatus, &s.ManualReviewStatus, &s.FailureStatus} {
		if *st != "" {
			*st = unprefix(*st)
		}
	}
	if len(s.CaptureStatuses) == 0 {
		s.CaptureStatuses = []woocommerce.Status{woocommerce.StatusCompleted}
	}
	if len(s.CancelStatuses) == 0 {
		s.CancelStatuses = []woocommerce.Status{woocommerce.StatusCancelled}
	}
	if len(s.RefundStatuses) == 0 {
		s.RefundStatuses = []woocommerce.Status{woocommerce.StatusRefunded}
	}
	if s.AuthorizedStatus == "" {
		s.AuthorizedStatus = woocommerce.StatusProcessing
	}
	if s.ManualReviewStatus == "" {
		s.ManualReviewStatus = woocommerce.StatusManualReview
	}
	if s.FailureStatus == "" {
		s.FailureStatus = woocommerce.StatusOnHold
	}
	if s.InDoubtWait < 0 {
		return s, errors.New("ordermgmt: negative InDoubtWait")
	}
	if s.InDoubtWait > 0 && s.InDoubtWait < MinInDoubtWait && !s.shortWait {
		return s, fmt.Errorf("ordermgmt: InDoubtWait %s is shorter than %s: Dintero could complete a request after the wait, and it would be sent twice (in tests, step over the wait with WithClock)",
			s.InDoubtWait, MinInDoubtWait)
	}
	if s.InDoubtWait == 0 {
		s.InDoubtWait = DefaultInDoubtWait
	}
	if s.PaymentMethod == "" {
		s.PaymentMethod = "dintero_checkout"
	}
	s.AutomaticRefundReasons = slices.Clone(s.AutomaticRefundReasons)
	for i, r := range s.AutomaticRefundReasons {
		s.AutomaticRefundReasons[i] = strings.TrimSpace(r)
	}
	if !slices.Contains(s.AutomaticRefundReasons, automaticRefundReason) {
		s.AutomaticRefundReasons = append(s.AutomaticRefundReasons, automaticRefundReason)
	}
	s.AutomaticRefundNotes = slices.Clone(s.AutomaticRefundNotes)
	for i, n := range s.AutomaticRefundNotes {
		s.AutomaticRefundNotes[i] = strings.TrimSpace(n)
	}
	if !slices.Contains(s.AutomaticRefundNotes, automaticRefundNote) {
		s.AutomaticRefundNotes = append(s.AutomaticRefundNotes, automaticRefundNote)
	}
	if s.CaptureTolerance < 0 {
		return s, errors.New("ordermgmt: negative capture tolerance")
	}
	sets := map[string][]woocommerce.Status{"capture": s.CaptureStatuses, "cancel": s.CancelStatuses, "refund": s.RefundStatuses}
	seen := map[woocommerce.Status]string{}
	for name, set := range sets {
		for _, st := range set {
			if st == "" {
				return s, fmt.Errorf("ordermgmt: empty status in the %s statuses", name)
			}
			if st == "wc-" {
				return s, fmt.Errorf(`ordermgmt: status "wc-" in the %s statuses names no status`, name)
			}
			if other, ok := seen[st]; ok {
				return s, fmt.Errorf("ordermgmt: status %q is both a %s and a %s status", st, other, name)
			}
			seen[st] = name
		}
	}
	for _, st := range []woocommerce.Status{s.AuthorizedStatus, s.ManualReviewStatus, s.FailureStatus} {
		if st == "wc-" {
			return s, errors.New(`ordermgmt: status "wc-" names no status`)
		}
		if name, ok := seen[st]; ok {
			return s, fmt.Errorf("ordermgmt: status %q is also a %s status", st, name)
		}
	}
	return s, nil
}

// unprefixed is a copy of statuses without WooCommerce's stored "wc-"
// prefix.
func unprefixed(statuses []woocommerce.Status) []woocommerce.Status {
	if statuses == nil {
		return nil
	}
	out := make([]woocommerce.Status, len(statuses))
	for i, st := range statuses {
		out[i] = unprefix(st)
	}
	return out
}

// unprefix is a status as the REST API spells it: WooCommerce's slugs are
// lower case, and stored with a "wc-" prefix.
func unprefix(st woocommerce.Status) woocommerce.Status {
	s := strings.ToLower(strings.TrimSpace(string(st)))
	if rest, ok := strings.CutPrefix(s, "wc-"); ok {
		if rest == "" {
			return "wc-" // refused by the caller, by name
		}
		s = rest
	}
	return woocommerce.Status(s)
}

func (s *Settings) isCapture(st woocommerce.Status) bool {
	return slices.Contains(s.CaptureStatuses, st)
}
func (s *Settings) isCancel(st woocommerce.Status) bool { return slices.Contains(s.CancelStatuses, st) }
func (s *Settings) isRefund(st woocommerce.Status) bool { return slices.Contains(s.RefundStatuses, st) }
