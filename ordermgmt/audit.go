package ordermgmt

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// FindingKind names what an audit found wrong, or worth knowing, about an
// order and its payment.
type FindingKind string

// Finding kinds.
const (
	// FindingCompletedNotCaptured: the order reached a capture status and
	// Dintero still holds money authorized and not captured.
	FindingCompletedNotCaptured FindingKind = "completed_not_captured"
	// FindingCapturedNotCompleted: money was captured (in Dintero's
	// Backoffice, say) while the order is not in a capture, cancel or
	// refund status.
	FindingCapturedNotCompleted FindingKind = "captured_not_completed"
	// FindingCancelledButCaptured: the order is cancelled and captured
	// money was not refunded.
	FindingCancelledButCaptured FindingKind = "cancelled_but_captured"
	// FindingRefundMismatch: what Dintero refunded differs from what the
	// store's refund records say went back through Dintero, either way.
	FindingRefundMismatch FindingKind = "refund_mismatch"
	// FindingRefundInDoubt: a refund recorded through dinterowoo whose
	// Dintero half is not confirmed: an attempt that may still land, or an
	// intent Reconcile has not completed.
	FindingRefundInDoubt FindingKind = "refund_in_doubt"
	// FindingManualRefund: a refund record made by hand, money returned
	// outside Dintero (cash, bank transfer); never sent to Dintero.
	FindingManualRefund FindingKind = "manual_refund"
	// FindingAwaitingAuthorization: the payment has waited for
	// authorization (ON_HOLD, INITIATED) longer than
	// AuditOptions.AwaitingAuthorizationAfter.
	FindingAwaitingAuthorization FindingKind = "awaiting_authorization"
	// FindingAuthorizationExpiring: money authorized and not captured whose
	// authorization ends within AuditOptions.ExpiryWarning, on an order not
	// in a capture status.
	FindingAuthorizationExpiring FindingKind = "authorization_expiring"
	// FindingTotalAboveAuthorized: the order total, less refunds, is more
	// than Dintero authorized.
	FindingTotalAboveAuthorized FindingKind = "total_above_authorized"
	// FindingTransactionWithoutOrder: a Dintero transaction in the range
	// that no Dintero-paid order holds.
	FindingTransactionWithoutOrder FindingKind = "transaction_without_order"
	// FindingOrderWithoutTransaction: an order in a paid status, paid with
	// Dintero, with no transaction id.
	FindingOrderWithoutTransaction FindingKind = "order_without_transaction"
	// FindingAuthorizationNotReleased: the order is cancelled or refunded
	// in the store while money is still authorized at Dintero, neither
	// captured nor voided: the customer's funds stay reserved.
	FindingAuthorizationNotReleased FindingKind = "authorization_not_released"
	// FindingStatusBehind: the order's status lags the payment's (an
	// authorization approved after review, a payment voided or declined
	// at Dintero) and Reconcile would move it.
	FindingStatusBehind FindingKind = "status_behind"
	// FindingNeedsAttention: the order is in the failure status (on hold)
	// while money is authorized and not captured at Dintero: a capture or
	// void failed (its note says why), or the order waits for a person.
	FindingNeedsAttention FindingKind = "needs_attention"
	// FindingCurrencyMismatch: the order and its transaction are in
	// different currencies; their amounts are not compared.
	FindingCurrencyMismatch FindingKind = "currency_mismatch"
	// FindingTransactionMismatch: the order's transaction_id names a
	// payment made for another order (TransactionBelongs); nothing is
	// read further and no money may move for it.
	FindingTransactionMismatch FindingKind = "transaction_mismatch"
)

// FindingKinds lists every kind, in the order reports show them.
func FindingKinds() []FindingKind {
	return []FindingKind{FindingCompletedNotCaptured, FindingCancelledButCaptured, FindingAuthorizationNotReleased, FindingTotalAboveAuthorized,
		FindingTransactionMismatch, FindingCurrencyMismatch, FindingRefundMismatch, FindingRefundInDoubt, FindingAuthorizationExpiring,
		FindingAwaitingAuthorization, FindingTransactionWithoutOrder, FindingOrderWithoutTransaction,
		FindingNeedsAttention, FindingStatusBehind, FindingCapturedNotCompleted, FindingManualRefund}
}

// Severity is how much a finding of kind k matters: an error where money
// is wrong or at risk now, a warning where it may become so or needs a
// look, information where both books agree but differ from the usual.
func (k FindingKind) Severity() Severity {
	switch k {
	case FindingCapturedNotCompleted, FindingManualRefund:
		return SeverityInfo
	case FindingRefundInDoubt, FindingAwaitingAuthorization, FindingAuthorizationExpiring, FindingTransactionWithoutOrder,
		FindingOrderWithoutTransaction, FindingStatusBehind, FindingNeedsAttention:
		return SeverityWarning
	}
	return SeverityError
}

// Severity says how much a finding matters.
type Severity int

// Severities, least first.
const (
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "unknown"
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name, so that exported entries can be
// read back.
func (s *Severity) UnmarshalText(b []byte) error {
	for _, v := range []Severity{SeverityInfo, SeverityWarning, SeverityError} {
		if string(b) == v.String() {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("ordermgmt: unknown severity %q", b)
}

// Finding is one thing an audit found about an entry.
type Finding struct {
	Kind     FindingKind `json:"kind"`
	Severity Severity    `json:"severity"`
	// Message says what, with amounts formatted as in notes.
	Message string `json:"message"`
}

// AuditRefund is one WooCommerce refund record.
type AuditRefund struct {
	ID     int64     `json:"id"`
	Amount int64     `json:"amount"` // minor units
	Reason string    `json:"reason,omitempty"`
	Date   time.Time `json:"date"`
	// Via says how the money went back: "dintero" (made by dinterowoo,
	// marked), "automatic" (WooCommerce's record of a status change to
	// Refunded, which dinterowoo refunds at Dintero), "dintero-backoffice"
	// (recorded by hand for a refund of the same amount made at Dintero
	// outside dinterowoo) or "manual".
	Via string `json:"via"`
	// Confirmed is true when Dintero has the refund (dinterowoo's records
	// only).
	Confirmed bool `json:"confirmed,omitempty"`
}

// WooBook is the store's side of an entry. Amounts are minor units of
// Currency.
type WooBook struct {
	Status woocommerce.Status `json:"status"`
	// Counted is whether the order counts in the totals: paid, and not
	// cancelled, failed or waiting for review.
	Counted     bool          `json:"counted"`
	Total       int64         `json:"total"`
	Refunded    int64         `json:"refunded"`
	Refunds     []AuditRefund `json:"refunds,omitempty"`
	Created     time.Time     `json:"created"`
	Modified    time.Time     `json:"modified"`
	Transaction string        `json:"transaction_id,omitempty"`
}

// DinteroBook is Dintero's side of an entry. Amounts are minor units of
// its own Currency (the entry's, unless FindingCurrencyMismatch).
type DinteroBook struct {
	TransactionID      string         `json:"transaction_id"`
	Status             dintero.Status `json:"status"`
	Currency           string         `json:"currency"`
	PaymentProductType string         `json:"payment_product_type,omitempty"`
	Authorized         int64          `json:"authorized"`
	Captured           int64          `json:"captured"`
	Refunded           int64          `json:"refunded"`
	// Pending are operations Dintero accepted (202) and has not completed.
	PendingCapture int64     `json:"pending_capture,omitempty"`
	PendingRefund  int64     `json:"pending_refund,omitempty"`
	PendingVoid    int64     `json:"pending_void,omitempty"`
	Created        time.Time `json:"created"`
	// AuthorizationExpires is when the authorization of what is not
	// captured ends: the time Dintero's transaction states (a provider's
	// authorization_expiration), else the authorization plus
	// AuditOptions.AuthorizationLifetime. Zero when nothing authorized is
	// left to capture.
	AuthorizationExpires time.Time `json:"authorization_expires,omitzero"`
	MerchantReference    string    `json:"merchant_reference,omitempty"`
}

// AuditEntry is one order, or one transaction no order holds, with both
// books, what is wrong and what Reconcile would do.
type AuditEntry struct {
	// OrderID is 0 for a transaction without an order.
	OrderID  int64  `json:"order_id"`
	Number   string `json:"number,omitempty"`
	Currency string `json:"currency"`
	// Woo is nil for a transaction without an order.
	Woo *WooBook `json:"woocommerce,omitempty"`
	// Dintero is nil for an order without a transaction, and for one whose
	// transaction belongs to another order.
	Dintero  *DinteroBook `json:"dintero,omitempty"`
	Findings []Finding    `json:"findings,omitempty"`
	// Plan is what Reconcile would do: money movements, status changes
	// and notes (bookkeeping left out); nil when nothing is due, and for
	// a transaction without an order.
	Plan []string `json:"plan,omitempty"`
	// Blocked is why Reconcile would move no money for the order at all
	// (a transaction of another order, an authorization that does not
	// cover the order), when it would not.
	Blocked string `json:"blocked,omitempty"`
	// Err is why the entry could not be read whole, when it could not.
	Err string `json:"error,omitempty"`
}

// Worst is the highest severity among the findings, or 0.
func (e *AuditEntry) Worst() Severity {
	var s Severity
	for _, f := range e.Findings {
		s = max(s, f.Severity)
	}
	return s
}

// Has reports whether the entry has a finding of kind k.
func (e *AuditEntry) Has(k FindingKind) bool {
	return slices.ContainsFunc(e.Findings, func(f Finding) bool { return f.Kind == k })
}

// AuditOptions choose what an audit covers.
type AuditOptions struct {
	// From and To bound the orders by creation time (by modification
	// with ByModified), both inclusive; zero means open. Transactions
	// without an order are looked for among those created in the same
	// range (with no From: every transaction on the account until To).
	From, To   time.Time
	ByModified bool
	// Concurrency is how many orders are read at once (default 4). The
	// clients' retries and rate-limit handling apply to every call.
	Concurrency int
	// AwaitingAuthorizationAfter is how long a payment may wait for
	// authorization before it is a finding (default 24h).
	AwaitingAuthorizationAfter time.Duration
	// AuthorizationLifetime is how long an authorization lasts when
	// Dintero's transaction does not say (default 7 days, the shortest
	// common card authorization).
	AuthorizationLifetime time.Duration
	// ExpiryWarning is how close to its end an uncaptured authorization
	// becomes a finding (default 48h).
	ExpiryWarning time.Duration
	// SkipTransactions leaves out the search for transactions without an
	// order (one list of Dintero's transactions in the range).
	SkipTransactions bool
}

func (o AuditOptions) withDefaults() AuditOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.AwaitingAuthorizationAfter <= 0 {
		o.AwaitingAuthorizationAfter = 24 * time.Hour
	}
	if o.AuthorizationLifetime <= 0 {
		o.AuthorizationLifetime = 7 * 24 * time.Hour
	}
	if o.ExpiryWarning <= 0 {
		o.ExpiryWarning = 48 * time.Hour
	}
	return o
}

// Audit puts the two books side by side for the Dintero-paid orders in
// the range: for each order, what WooCommerce and Dintero say, what is
// wrong (Findings) and what Reconcile would do (Plan). After the orders it
// yields the transactions in the range that no order holds. It changes
// nothing.
//
// Entries come in order id order. An order that cannot be read is yielded
// with Err set and the audit goes on; an error that stops the audit (the
// order list cannot be read, ctx ends) is yielded once as (nil, err).
// Calls per order: a share of a list page, the refund records when the
// order has refunds, its transaction, and its notes when the plan depends
// on them (a capture note already written, WooCommerce's automatic refund).
//
//	var sum ordermgmt.AuditSummary
//	for entry, err := range engine.Audit(ctx, ordermgmt.AuditOptions{From: since}) {
//		if err != nil { return err }
//		sum.Add(entry)
//	}
func (e *Engine) Audit(ctx context.Context, opts AuditOptions) iter.Seq2[*AuditEntry, error] {
	opts = opts.withDefaults()
	return func(yield func(*AuditEntry, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup // the lister and the readers: none outlives the audit
		defer func() {
			cancel()
			wg.Wait()
		}()
		list := &woocommerce.OrderListOptions{OrderBy: "id", Order: "asc", PerPage: 100, Fields: auditFields}
		// WooCommerce's bounds are exclusive and to the second: widen them
		// by a second so that the range is inclusive.
		var after, before time.Time
		if !opts.From.IsZero() {
			after = opts.From.Truncate(time.Second).Add(-time.Second)
		}
		if !opts.To.IsZero() {
			before = opts.To.Truncate(time.Second).Add(time.Second)
		}
		if opts.ByModified {
			// Only the lower bound goes to WooCommerce: orders modified
			// while the audit reads would otherwise leave the set and
			// shift the pages after them, and be skipped. The set of
			// orders modified after a time only grows; the upper bound is
			// applied here, and an order seen twice is audited once.
			list.ModifiedAfter = after
		} else {
			list.After, list.Before = after, before
		}
		seen := map[int64]bool{}
		// A bounded pipeline that keeps the list's order: each order gets
		// a result channel, queued in order, with at most Concurrency
		// being read.
		type job struct {
			out chan *AuditEntry
			tx  string // the order's transaction id, held even if reading fails
		}
		queue := make(chan job, opts.Concurrency)
		slots := make(chan struct{}, opts.Concurrency) // orders being read
		listErr := make(chan error, 1)
		held := map[string]bool{} // transaction ids orders hold; read after the queue is drained
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(queue)
			for o, err := range e.wc.Orders.ListIter(ctx, list) {
				if err != nil {
					listErr <- err
					return
				}
				if o.PaymentMethod != e.settings.PaymentMethod || seen[o.ID] ||
					opts.ByModified && !opts.To.IsZero() && o.DateModified.After(opts.To) {
					continue
				}
				seen[o.ID] = true
				j := job{out: make(chan *AuditEntry, 1), tx: o.TransactionID}
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					listErr <- ctx.Err()
					return
				}
				select {
				case queue <- j:
				case <-ctx.Done():
					<-slots
					listErr <- ctx.Err()
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					j.out <- e.auditOrder(ctx, o, opts)
				}()
			}
			listErr <- nil
		}()
		for j := range queue {
			entry := <-j.out
			if ctx.Err() != nil {
				break // the reads were cut short: the error says so, once
			}
			if j.tx != "" {
				held[j.tx] = true
			}
			if !yield(entry, nil) {
				return
			}
		}
		if ctx.Err() != nil {
			yield(nil, ctx.Err())
			return
		}
		if err := <-listErr; err != nil {
			yield(nil, err)
			return
		}
		if opts.SkipTransactions {
			return
		}
		for entry, err := range e.auditLooseTransactions(ctx, opts, held) {
			if !yield(entry, err) || err != nil {
				return
			}
		}
	}
}

// auditFields are what the audit reads of an order: the rules' fields and
// the creation date.
var auditFields = append(slices.Clone(orderFields), "date_created_gmt")

// counted reports whether an order's sale stands, for the totals: paid,
// and not cancelled, failed or waiting for review.
func (e *Engine) counted(o *woocommerce.Order) bool {
	s := &e.settings
	return e.paid(o) && !s.isCancel(o.Status) && o.Status != woocommerce.StatusFailed && o.Status != s.ManualReviewStatus
}

// paid reports whether the order was paid: WooCommerce dated the payment,
// or the order is in a status only a payment leads to. On hold alone is
// not one: the engine puts unpaid orders there too.
func (e *Engine) paid(o *woocommerce.Order) bool {
	s := &e.settings
	st := o.Status
	return !o.DatePaid.IsZero() || st == woocommerce.StatusProcessing || st == woocommerce.StatusCompleted ||
		st == s.ManualReviewStatus || s.isCapture(st)
}

// auditOrder reads one order's books and judges them.
func (e *Engine) auditOrder(ctx context.Context, o *woocommerce.Order, opts AuditOptions) *AuditEntry {
	entry := &AuditEntry{OrderID: o.ID, Number: o.Number, Currency: o.Currency}
	woo := &WooBook{Status: o.Status, Counted: e.counted(o), Created: o.DateCreated.Time, Modified: o.DateModified.Time, Transaction: o.TransactionID}
	entry.Woo = woo
	cur, err := money.Lookup(o.Currency)
	if err == nil {
		woo.Total, err = cur.ToMinor(o.Total)
	}
	if err != nil {
		entry.Err = err.Error()
		return entry
	}
	now := e.now()
	st := State{Order: o, Now: now}
	if st.Refunds, err = e.readRefunds(ctx, o); err != nil {
		entry.Err = "reading refunds: " + err.Error()
		return entry
	}
	missing := false
	if o.TransactionID != "" {
		tx, _, err := e.dt.Transactions.Get(ctx, o.TransactionID, nil)
		var apiErr *dintero.APIError
		switch {
		case err == nil:
			st.Transaction = tx
		case errors.As(err, &apiErr) && apiErr.StatusCode == 404:
			// Judged below as an order without its transaction; Reconcile
			// fails on it, so it has no plan.
			missing = true
		default:
			entry.Err = "reading the transaction: " + err.Error()
			return entry
		}
	}
	if mayHaveAutomaticRefund(st, &e.settings) {
		// Only WooCommerce's note tells its automatic refund record from
		// a full refund by hand in the same words, as the plan decides.
		ns, _, err := e.wc.Notes.List(ctx, o.ID, woocommerce.NotesInternal)
		if err != nil {
			entry.Err = "reading notes: " + err.Error()
			return entry
		}
		st.Notes = append([]*woocommerce.Note{}, ns...)
	}
	add := func(k FindingKind, format string, args ...any) {
		entry.Findings = append(entry.Findings, Finding{Kind: k, Severity: k.Severity(), Message: fmt.Sprintf(format, args...)})
	}
	f := cur.Format
	tx := st.Transaction

	// Dintero's refunds that dinterowoo did not make (the Backoffice): a
	// record by hand of the same amount accounts for one of them.
	var outside []int64
	if tx != nil {
		own := "wc-" + strconv.FormatInt(o.ID, 10) + "-"
		for _, ev := range tx.Events {
			if ev.Event == dintero.EventRefund && ev.Success && !strings.HasPrefix(ev.EventReference, own) {
				outside = append(outside, ev.Amount)
			}
		}
	}
	explained := int64(0)

	// The store's refunds, by how the money went back.
	s := &e.settings
	refundedBefore := int64(0)
	viaDintero := int64(0) // what the records say went back through Dintero
	doubtful := map[string]bool{}
	for _, r := range st.Refunds {
		a, err := cur.ToMinor(r.Amount)
		if err != nil {
			entry.Err = err.Error()
			return entry
		}
		ar := AuditRefund{ID: r.ID, Amount: a, Reason: r.Reason, Date: r.DateCreated.Time, Via: "manual"}
		switch {
		case marked(r):
			ar.Via = "dintero"
			ref := RefundReference(o.ID, r.ID)
			ar.Confirmed = tx != nil && tx.FindEvent(dintero.EventRefund, ref) != nil
			if ar.Confirmed {
				viaDintero += a
			} else {
				doubtful[ref] = true
				add(FindingRefundInDoubt, "refund record %d of %s is not confirmed at Dintero", r.ID, f(a))
			}
		case automaticRefund(r, a, refundedBefore, woo.Total, s) && (st.Notes == nil || coreRefundNoted(st.Notes, s)) && !s.NoRefundOnStatusChange:
			ar.Via = "automatic"
			viaDintero += a
		default:
			if i := slices.Index(outside, a); i >= 0 {
				outside = slices.Delete(outside, i, i+1)
				explained += a
				ar.Via = "dintero-backoffice"
				add(FindingManualRefund, "refund record %d of %s was recorded by hand for a refund made at Dintero outside dinterowoo", r.ID, f(a))
				break
			}
			add(FindingManualRefund, "refund record %d of %s was made by hand, not through Dintero", r.ID, f(a))
		}
		refundedBefore += a
		woo.Refunded += a
		woo.Refunds = append(woo.Refunds, ar)
	}

	// Attempts sent whose outcome is not known yet.
	if rec, err := readAttempts(o, now); err == nil {
		refs := slices.Sorted(maps.Keys(rec.refs()))
		for _, ref := range refs {
			refund := strings.Contains(ref, "-refund-") && !strings.Contains(ref, "-refund-create-") || ref == cancelReference(o.ID)
			if refund && !doubtful[ref] && (tx == nil || tx.FindEvent(dintero.EventRefund, ref) == nil) {
				doubtful[ref] = true
				add(FindingRefundInDoubt, "refund %s was sent and its outcome is not known yet", ref)
			}
		}
	}

	switch {
	case o.TransactionID == "" || tx == nil:
		if e.paid(o) {
			what := "no transaction id"
			if o.TransactionID != "" {
				what = "transaction " + o.TransactionID + ", which Dintero does not have"
			}
			add(FindingOrderWithoutTransaction, "the order is %s, paid with Dintero, and has %s", o.Status, what)
		}
	case !TransactionBelongs(o, tx):
		add(FindingTransactionMismatch, "transaction %s was paid for merchant reference %q, not this order", tx.ID, tx.MerchantReference)
		tx = nil // not this order's book; the plan still sees it, to block
	}

	if tx != nil {
		d := &DinteroBook{TransactionID: tx.ID, Status: tx.Status, Currency: tx.Currency, PaymentProductType: tx.PaymentProductType,
			Authorized: tx.Amount, Captured: tx.CapturedAmount(), Refunded: tx.RefundedAmount(),
			PendingCapture: tx.PendingAmount(dintero.EventCapture), PendingRefund: tx.PendingAmount(dintero.EventRefund),
			PendingVoid: tx.PendingAmount(dintero.EventVoid), Created: tx.CreatedAt, MerchantReference: tx.MerchantReference}
		if d.Authorized-d.Captured-d.PendingCapture > 0 && (tx.Status == dintero.StatusAuthorized || tx.Status == dintero.StatusPartiallyCaptured) {
			d.AuthorizationExpires = authorizationExpires(tx, opts.AuthorizationLifetime)
		}
		entry.Dintero = d
	}

	if missing {
		entry.Blocked = "Dintero has no transaction " + o.TransactionID + ": Reconcile cannot act on the order"
		return entry
	}
	p, err := e.plan(ctx, st)
	if err != nil {
		entry.Err = "planning: " + err.Error()
		return entry
	}
	for _, a := range p.Actions {
		if d := describeAction(a, cur); d != "" {
			entry.Plan = append(entry.Plan, d)
		}
	}
	if p.Blocked != nil {
		entry.Blocked = p.Blocked.Error()
	}
	switch d := entry.Dintero; {
	case d == nil:
	case !strings.EqualFold(d.Currency, o.Currency):
		// Amounts in two currencies cannot be compared.
		add(FindingCurrencyMismatch, "the order is in %s and its transaction in %s", o.Currency, d.Currency)
	default:
		// A Swish order cancelled is refunded, not voided, with no
		// record in the store: that refund is expected, whoever made it
		// (this engine's reference, or the plugin's order id).
		if s.isCancel(o.Status) && isSwish(tx) {
			viaDintero = max(viaDintero, min(d.Refunded+d.PendingRefund, d.Captured)-explained)
		} else if ev := tx.FindEvent(dintero.EventRefund, cancelReference(o.ID)); ev != nil {
			viaDintero += ev.Amount
		}
		e.judge(entry, o, tx, d, cur, viaDintero, explained, p, now, opts, add)
	}
	return entry
}

// humanDuration is a duration as an operator reads it: days, else hours,
// else minutes.
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d >= 48*time.Hour:
		return unit(int64((d+12*time.Hour)/(24*time.Hour)), "day")
	case d >= 2*time.Hour:
		return unit(int64((d+30*time.Minute)/time.Hour), "hour")
	}
	return unit(int64((d+30*time.Second)/time.Minute), "minute")
}

// describeAction says what an action does for an operator, money in the
// note format; bookkeeping (meta, note keys) is left out.
func describeAction(a Action, cur money.Currency) string {
	switch a.Kind {
	case ActCapture, ActRefund:
		return fmt.Sprintf("%s %s (%s)", a.Kind, cur.Format(a.Amount), a.Reference)
	case ActVoid:
		return "void"
	case ActSetStatus:
		if a.Status == "" {
			return ""
		}
		return fmt.Sprintf("set status %s", a.Status)
	case ActNote:
		return fmt.Sprintf("note %q", a.Note)
	}
	return ""
}

// judge adds the findings that compare the two books. explained is what
// of Dintero's refunds hand-made records in the store account for.
func (e *Engine) judge(entry *AuditEntry, o *woocommerce.Order, tx *dintero.Transaction, d *DinteroBook, cur money.Currency,
	viaDintero, explained int64, p *Plan, now time.Time, opts AuditOptions, add func(FindingKind, string, ...any)) {
	s := &e.settings
	f := cur.Format
	woo := entry.Woo
	uncaptured := d.Authorized - d.Captured - d.PendingCapture
	authorized := tx.Status == dintero.StatusAuthorized || tx.Status == dintero.StatusPartiallyCaptured
	released := s.isCancel(o.Status) || s.isRefund(o.Status) // the store let the sale go
	// What Reconcile would capture, or has sent and may still land: the
	// engine's own view of what the store wants captured (an authorized
	// rest that refunds before capture made unwanted is not missing).
	var toCapture int64
	for _, a := range p.Actions {
		if a.Kind == ActCapture {
			toCapture += a.Amount
		}
	}
	for _, w := range p.Waiting {
		if w.Action.Kind == ActCapture {
			toCapture += w.Action.Amount
		}
	}
	if toCapture == 0 && tx.Status == dintero.StatusAuthorized && d.Captured == 0 && d.PendingCapture == 0 {
		toCapture = uncaptured // blocked plans capture nothing, yet nothing was taken
	}
	switch {
	case s.isCapture(o.Status) && authorized && toCapture > 0:
		add(FindingCompletedNotCaptured, "the order is %s and %s is authorized and not captured", o.Status, f(toCapture))
	case s.isCapture(o.Status) && (tx.Status == dintero.StatusOnHold || tx.Status == dintero.StatusInitiated):
		add(FindingCompletedNotCaptured, "the order is %s and its payment is %s at Dintero: not authorized, nothing can be captured", o.Status, tx.Status)
	case s.isCapture(o.Status) && d.Captured == 0 && (tx.Status == dintero.StatusAuthorizationVoided || tx.Status == dintero.StatusFailed ||
		tx.Status == dintero.StatusDeclined):
		add(FindingCompletedNotCaptured, "the order is %s and its payment is %s at Dintero: nothing was or can be captured", o.Status, tx.Status)
	case s.isCancel(o.Status) && d.Captured-d.Refunded-d.PendingRefund > 0:
		add(FindingCancelledButCaptured, "the order is %s and %s captured is not refunded", o.Status, f(d.Captured-d.Refunded-d.PendingRefund))
	case d.Captured > 0 && !s.isCapture(o.Status) && !released && !isSwish(tx):
		// Swish captures at payment: a processing Swish order is normal.
		add(FindingCapturedNotCompleted, "%s was captured at Dintero while the order is %s", f(d.Captured), o.Status)
	}
	if o.Status == s.FailureStatus && authorized && uncaptured > 0 && d.PendingVoid == 0 && len(entry.Findings) == 0 {
		add(FindingNeedsAttention, "the order is %s with %s authorized and not captured: a capture or void failed (see the order's notes), or it waits for a person",
			o.Status, f(uncaptured))
	}
	if released && authorized && uncaptured > 0 && d.PendingVoid == 0 {
		add(FindingAuthorizationNotReleased, "the order is %s and %s is still authorized at Dintero, neither captured nor voided",
			o.Status, f(uncaptured))
	}
	// Refunds: what Dintero returned against what the store's records say
	// went back through it. With nothing captured there is nothing to
	// refund: an unreleased authorization is the finding then.
	if diff := d.Refunded + d.PendingRefund - viaDintero - explained; diff != 0 && !(diff < 0 && d.Captured == 0) {
		switch {
		case diff > 0:
			add(FindingRefundMismatch, "Dintero refunded %s more than the store's refund records say (%s against %s)",
				f(diff), f(d.Refunded+d.PendingRefund), f(viaDintero+explained))
		default:
			add(FindingRefundMismatch, "Dintero refunded %s less than the store's refund records say (%s against %s)",
				f(-diff), f(d.Refunded+d.PendingRefund), f(viaDintero+explained))
		}
	}
	live := tx.Status != dintero.StatusAuthorizationVoided && tx.Status != dintero.StatusFailed && tx.Status != dintero.StatusDeclined
	if want := woo.Total - woo.Refunded; live && !released && want > d.Authorized+s.CaptureTolerance {
		add(FindingTotalAboveAuthorized, "the order asks %s and Dintero authorized %s", f(want), f(d.Authorized))
	}
	if tx.Status == dintero.StatusOnHold || tx.Status == dintero.StatusInitiated {
		if waited := now.Sub(tx.CreatedAt); waited > opts.AwaitingAuthorizationAfter {
			add(FindingAwaitingAuthorization, "the payment has waited for authorization (%s) for %s", tx.Status, humanDuration(waited))
		}
	}
	if authorized && uncaptured > 0 && !s.isCapture(o.Status) && !released && !d.AuthorizationExpires.IsZero() {
		if left := d.AuthorizationExpires.Sub(now); left < opts.ExpiryWarning {
			when := "ends in " + humanDuration(left)
			if left <= 0 {
				when = "ended " + humanDuration(-left) + " ago"
			}
			add(FindingAuthorizationExpiring, "the authorization of %s not captured %s", f(uncaptured), when)
		}
	}
	// The store's status behind Dintero's (a callback lost, say): the
	// plan moves it, and no other finding says so.
	for _, a := range p.Actions {
		if a.Kind == ActSetStatus && a.Status != "" && a.Status != s.FailureStatus && a.Status != o.Status && len(entry.Findings) == 0 {
			add(FindingStatusBehind, "the order is %s while Dintero's payment is %s: Reconcile would set it to %s", o.Status, tx.Status, a.Status)
			break
		}
	}
}

// authorizationExpires is when tx's authorization ends: the latest
// expiration a provider wrote on the transaction or its events
// ("klarna:authorization_expiration", "…:authorization_expires_at"), else
// the last successful authorization plus lifetime.
func authorizationExpires(tx *dintero.Transaction, lifetime time.Duration) time.Time {
	var stated, authorized time.Time
	read := func(m dintero.Metadata) {
		for k, v := range m {
			if !strings.Contains(k, "authorization_expir") {
				continue
			}
			if s, ok := v.(string); ok {
				if t, err := time.Parse(time.RFC3339, s); err == nil && t.After(stated) {
					stated = t
				}
			}
		}
	}
	read(tx.Metadata)
	for _, ev := range tx.Events {
		read(ev.Metadata)
		if ev.Event == dintero.EventAuthorize && ev.Success {
			authorized = ev.CreatedAt
		}
	}
	switch {
	case !stated.IsZero():
		return stated
	case !authorized.IsZero():
		return authorized.Add(lifetime)
	}
	return time.Time{}
}

// auditLooseTransactions yields the transactions created in the range
// that no Dintero-paid order holds: money or an authorization with no
// order to account for it.
func (e *Engine) auditLooseTransactions(ctx context.Context, opts AuditOptions, held map[string]bool) iter.Seq2[*AuditEntry, error] {
	return func(yield func(*AuditEntry, error) bool) {
		list := &dintero.ListOptions{Limit: 100, CreatedFrom: opts.From, CreatedTo: opts.To,
			Statuses: []dintero.Status{dintero.StatusAuthorized, dintero.StatusOnHold, dintero.StatusCaptured,
				dintero.StatusPartiallyCaptured, dintero.StatusPartiallyCapturedRefunded, dintero.StatusPartiallyRefunded, dintero.StatusRefunded}}
		for tx, err := range e.dt.Transactions.ListIter(ctx, list) {
			if err != nil {
				yield(nil, err)
				return
			}
			if held[tx.ID] {
				continue
			}
			// Outside the range, an order may still hold it: ask the one
			// its merchant reference names.
			readErr, found, named := "", false, ""
			// The references name the order by id (or by number, which is
			// the id unless a plugin renumbers orders).
			for _, ref := range slices.Compact([]string{tx.MerchantReference, tx.MerchantReference2}) {
				id, err := strconv.ParseInt(ref, 10, 64)
				if err != nil || id <= 0 || found {
					continue
				}
				o, _, err := e.wc.Orders.Get(ctx, id, &woocommerce.GetOptions{Fields: []string{"id", "number", "payment_method", "transaction_id", "meta_data"}})
				var apiErr *woocommerce.APIError
				switch {
				case err == nil && o.PaymentMethod == e.settings.PaymentMethod && o.TransactionID == tx.ID && TransactionBelongs(o, tx):
					found = true
				case err == nil:
					named = fmt.Sprintf("; order %d, which its reference names, holds %q and is paid with %q", o.ID, o.TransactionID, o.PaymentMethod)
				case err != nil && !(errors.As(err, &apiErr) && apiErr.Status == 404):
					// Not knowing is not "no order".
					readErr = fmt.Sprintf("reading order %d: %v", id, err)
				}
			}
			if found {
				continue
			}
			entry := &AuditEntry{Currency: tx.Currency, Err: readErr, Dintero: &DinteroBook{TransactionID: tx.ID, Status: tx.Status, Currency: tx.Currency,
				PaymentProductType: tx.PaymentProductType, Authorized: tx.Amount, Captured: tx.CapturedAmount(),
				Refunded: tx.RefundedAmount(), PendingCapture: tx.PendingAmount(dintero.EventCapture),
				PendingRefund: tx.PendingAmount(dintero.EventRefund), PendingVoid: tx.PendingAmount(dintero.EventVoid),
				Created: tx.CreatedAt, MerchantReference: tx.MerchantReference}}
			f := func(n int64) string { return strconv.FormatInt(n, 10) }
			if cur, err := money.Lookup(tx.Currency); err == nil {
				f = cur.Format
			}
			if readErr == "" {
				entry.Findings = []Finding{{Kind: FindingTransactionWithoutOrder, Severity: FindingTransactionWithoutOrder.Severity(),
					Message: fmt.Sprintf("transaction %s (%s, %s authorized, merchant reference %q) belongs to no Dintero-paid order%s",
						tx.ID, tx.Status, f(tx.Amount), tx.MerchantReference, named)}}
			}
			if !yield(entry, nil) {
				return
			}
		}
	}
}

// BookTotals are one currency's sums over audited entries, in minor units.
type BookTotals struct {
	Orders       int `json:"orders"` // counted orders (WooBook.Counted)
	Transactions int `json:"transactions"`
	// The store: totals and refunds recorded of the counted orders.
	WooTotal    int64 `json:"woocommerce_total"`
	WooRefunded int64 `json:"woocommerce_refunded"`
	// Dintero: authorized (of payments not voided, failed or declined),
	// captured and refunded.
	DinteroAuthorized int64 `json:"dintero_authorized"`
	DinteroCaptured   int64 `json:"dintero_captured"`
	DinteroRefunded   int64 `json:"dintero_refunded"`
}

// Difference is what the store's books keep (totals less refunds) less
// what Dintero kept (captured less refunded): positive when the store
// counts money Dintero has not taken (orders paid and not captured yet),
// negative when the store returned money outside Dintero (refunds by hand).
func (b BookTotals) Difference() int64 {
	return (b.WooTotal - b.WooRefunded) - (b.DinteroCaptured - b.DinteroRefunded)
}

// AuditSummary adds up an audit: entries, findings per kind and severity,
// and the books' totals per currency.
type AuditSummary struct {
	Entries int                    `json:"entries"`
	Failed  int                    `json:"failed"` // entries with Err
	ByKind  map[FindingKind]int    `json:"by_kind"`
	BySev   map[Severity]int       `json:"by_severity"`
	Totals  map[string]*BookTotals `json:"totals"` // by currency
}

// Add counts an entry in the summary.
func (s *AuditSummary) Add(e *AuditEntry) {
	if s.ByKind == nil {
		s.ByKind, s.BySev, s.Totals = map[FindingKind]int{}, map[Severity]int{}, map[string]*BookTotals{}
	}
	s.Entries++
	for _, f := range e.Findings {
		s.ByKind[f.Kind]++
		s.BySev[f.Severity]++
	}
	if e.Err != "" {
		// Half-read books would skew the totals.
		s.Failed++
		return
	}
	totals := func(cur string) *BookTotals {
		t := s.Totals[cur]
		if t == nil {
			t = &BookTotals{}
			s.Totals[cur] = t
		}
		return t
	}
	if e.Woo != nil && e.Woo.Counted {
		t := totals(e.Currency)
		t.Orders++
		t.WooTotal += e.Woo.Total
		t.WooRefunded += e.Woo.Refunded
	}
	if d := e.Dintero; d != nil {
		t := totals(d.Currency)
		t.Transactions++
		switch d.Status {
		case dintero.StatusAuthorizationVoided, dintero.StatusFailed, dintero.StatusDeclined:
			// Nothing is authorized any more.
		default:
			t.DinteroAuthorized += d.Authorized
		}
		t.DinteroCaptured += d.Captured
		t.DinteroRefunded += d.Refunded
	}
}
