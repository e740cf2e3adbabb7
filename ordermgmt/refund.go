package ordermgmt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// Errors of Refund besides ErrInvalidRefund.
var (
	// ErrNotDintero: the order was not paid with Dintero.
	ErrNotDintero = errors.New("ordermgmt: the order was not paid with Dintero")
	// ErrNotCaptured: nothing has been captured, so nothing can be
	// refunded; cancel the order instead.
	ErrNotCaptured = errors.New("ordermgmt: refunds are only possible for orders that have been captured; cancel the order instead")
	// ErrRefundRefused: Dintero refused the refund; the WooCommerce record
	// was removed again.
	ErrRefundRefused = errors.New("ordermgmt: Dintero refused the refund")
)

// RefundResult is a refund made by Refund.
type RefundResult struct {
	// RefundID is the WooCommerce refund record.
	RefundID int64
	// Reference is the refund_reference at Dintero.
	Reference string
	// Amount is what was refunded, in minor units, and Items its lines.
	Amount int64
	Items  []dintero.Item
	// Pending is set when Dintero accepted the refund to complete it later.
	Pending bool
	// Note is the note written on the order.
	Note string
}

// Refund is "Refund via Dintero": it refunds whole items (tax computed),
// parts of an item's sum (with the tax the caller gives), shipping, fees,
// or an amount alone, on a captured order. Nothing is sent unless the
// request fits what is left per line, per tax and per order in WooCommerce
// and at Dintero.
//
// The refund is recorded in WooCommerce first (with api_refund false and a
// marker in its meta), then made at Dintero with a refund_reference named
// after that record, then noted on the order. If Dintero refuses, the
// record is removed again, as WooCommerce does when a gateway refuses, and
// the error wraps ErrRefundRefused. If the process stops between the two
// (a crash, an outcome that stays unknown), the next Reconcile completes
// the refund: it is never lost and never made twice.
//
// What Dintero gets: the amount, and the record's lines as items named by
// the line ids the session had (see NewLines). When those items do not add
// up to the amount (an amount alone has none; WooCommerce's per-line
// rounding can leave a minor unit), one "rounding-fee" item carries the
// difference, as on captures: Instabank refuses refunds without items, so
// the items are never dropped. An amount alone has no line to name and goes
// without items (refund lines instead on an Instabank order). A gift card's
// share of an order was never paid through Dintero: refunds reach at most
// what Dintero captured, and the gift card is settled outside it.
func (e *Engine) Refund(ctx context.Context, orderID int64, req RefundRequest) (*RefundResult, error) {
	return underLock(ctx, e, orderID, func(ctx context.Context) (*RefundResult, error) { return e.refund(ctx, orderID, req) })
}

// refund is Refund under the order's lock.
func (e *Engine) refund(ctx context.Context, orderID int64, req RefundRequest) (*RefundResult, error) {
	pr, err := e.prepareRefund(ctx, orderID, req)
	if err != nil {
		return nil, err
	}
	st := pr.state
	o, tx, ls, plan, total, orderLeft := st.Order, st.Transaction, pr.lines, pr.plan, pr.total, pr.orderLeft
	wait := e.settings.InDoubtWait
	recorded, err := readAttempts(o, st.Now)
	if err != nil {
		return nil, err
	}
	reason := req.Reason
	if reason == "" {
		reason = RefundReason
	}
	// The create's in-flight record goes first: WooCommerce may save a
	// record after its caller gave up, and until that is settled another
	// create could leave two records, and two refunds, for one request.
	marker := newMarker()
	createRef := createPrefix(o.ID) + marker
	recorded.prune(st, st.Now, wait)
	started := e.now()
	recorded.set(createRef, started)
	if _, err := e.updateOrder(ctx, o.ID, woocommerce.OrderUpdate{MetaData: recorded.meta()}); err != nil {
		return nil, err
	}
	recorded.written()
	wreq := plan.wooRefund(ls, reason, marker)
	// The record is also the in-flight record of its refund at Dintero.
	wreq.MetaData = append(wreq.MetaData, woocommerce.MetaString(MetaAttemptAt, e.now().UTC().Format(time.RFC3339Nano)))
	rec, err := e.recordRefund(ctx, o.ID, wreq, marker)
	if err != nil {
		if errors.Is(err, woocommerce.ErrOutcomeUnknown) {
			doubt := &InDoubtError{OrderID: o.ID, What: "a refund record create", Since: started, Until: started.Add(wait)}
			// If the record lands, its refund waits as long: come back then.
			e.noteDue(o.ID, []InDoubt{{Action: Action{Kind: ActRefund, Reason: reason}, Since: started, Until: doubt.Until}})
			return nil, fmt.Errorf("%w (if the record appears, Reconcile refunds it at Dintero): %w", doubt, err)
		}
		// WooCommerce said no (or the request never left): no record will
		// appear, and the create's doubt is over. Best effort: a record
		// left behind only delays refunds until its wait ends.
		var apiErr *woocommerce.APIError
		if errors.As(err, &apiErr) && !apiErr.OutcomeUnknown {
			recorded.clear(createRef, e.now())
			e.updateOrder(ctx, o.ID, woocommerce.OrderUpdate{MetaData: recorded.meta()})
		}
		return nil, err
	}
	recorded.clear(createRef, e.now())
	ref := RefundReference(o.ID, rec.ID)
	amount, items, err := refundItems(ls, rec)
	if err != nil {
		return nil, err
	}
	res := &RefundResult{RefundID: rec.ID, Reference: ref, Amount: amount, Items: items}
	_, resp, err := e.dt.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: amount, RefundReference: ref, Reason: reason, Items: items})
	if err != nil {
		if ok, ferr := e.refundFailed(ctx, o.ID, tx.ID, rec.ID, ref, err, started.Add(wait)); !ok {
			if notProcessed(err) {
				// Turned away unread: not in doubt. The record stays as
				// the intent, and Reconcile makes the refund at once.
				recorded.clear(ref, e.now())
				e.updateOrder(ctx, o.ID, woocommerce.OrderUpdate{MetaData: recorded.meta()})
				e.markDue(o.ID, e.now())
				return nil, fmt.Errorf("ordermgmt: Dintero did not take refund %s now; its record stays, and Reconcile (the poller) makes it: %w", ref, err)
			}
			if !errors.Is(ferr, ErrRefundRefused) {
				// In doubt: the poller comes back when the wait is over,
				// and Refund takes no other refund on the order till then.
				a := Action{Kind: ActRefund, Amount: amount, Items: items, Reference: ref, Reason: reason, RefundRecord: rec.ID}
				e.noteDue(o.ID, []InDoubt{{Action: a, Since: started, Until: started.Add(wait)}})
				doubt := &InDoubtError{OrderID: o.ID, What: "refund " + ref, Since: started, Until: started.Add(wait)}
				return nil, fmt.Errorf("%w: %w", doubt, ferr)
			}
			// Refused: the record is gone, and so is the create's doubt,
			// or the next refund would wait for nothing. Best effort.
			e.updateOrder(ctx, o.ID, woocommerce.OrderUpdate{MetaData: recorded.meta()})
			return nil, ferr
		}
	} else {
		res.Pending = resp.Pending
	}
	refunded := total - orderLeft + amount
	res.Note = refundNote(ls.Currency, rec, refunded, total)
	if _, _, err := e.wc.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: res.Note}); err != nil {
		return res, fmt.Errorf("ordermgmt: the refund was made, but its note was not written (Reconcile will): %w", err)
	}
	keys := noted(o)
	keys["refund:"+ref] = true
	if _, err := e.updateOrder(ctx, o.ID, woocommerce.OrderUpdate{MetaData: append([]woocommerce.Meta{notedMeta(keys)}, recorded.meta()...)}); err != nil {
		return res, fmt.Errorf("ordermgmt: the refund was made, but its note was not recorded: %w", err)
	}
	return res, nil
}

// preparedRefund is a validated refund request and the state it was
// validated against.
type preparedRefund struct {
	state     State
	lines     *Lines
	plan      *refundPlan
	total     int64 // the order total, minor units
	orderLeft int64 // what WooCommerce has left to refund
}

func (e *Engine) prepareRefund(ctx context.Context, orderID int64, req RefundRequest) (*preparedRefund, error) {
	st, err := e.read(ctx, orderID)
	if err != nil {
		return nil, err
	}
	o, tx := st.Order, st.Transaction
	switch {
	case o.PaymentMethod != e.settings.PaymentMethod:
		return nil, ErrNotDintero
	case tx == nil:
		return nil, fmt.Errorf("%w: the order has no transaction id", ErrNotDintero)
	case !TransactionBelongs(o, tx):
		return nil, fmt.Errorf("%w: order %d, transaction %s", ErrTransactionMismatch, o.ID, tx.ID)
	case !strings.EqualFold(tx.Currency, o.Currency):
		return nil, fmt.Errorf("%w: order %d in %s, transaction %s in %s", ErrAuthorizationMismatch, o.ID, o.Currency, tx.ID, tx.Currency)
	case !tx.Status.CanRefund():
		return nil, fmt.Errorf("%w (Dintero status %s)", ErrNotCaptured, tx.Status)
	}
	recorded, err := readAttempts(o, st.Now)
	if err != nil {
		return nil, err
	}
	if err := createInDoubt(st, recorded, st.Now, e.settings.InDoubtWait); err != nil {
		return nil, err
	}
	if err := recordInDoubt(st, recorded, st.Now, e.settings.InDoubtWait); err != nil {
		return nil, err
	}
	ls, err := NewLines(o, st.Refunds)
	if err != nil {
		return nil, err
	}
	ls.alignTo(st.Transaction.Items)
	total, err := ls.Currency.ToMinor(o.Total)
	if err != nil {
		return nil, err
	}
	orderLeft := total
	for _, r := range st.Refunds {
		a, err := ls.Currency.ToMinor(r.Amount)
		if err != nil {
			return nil, err
		}
		orderLeft -= a
	}
	plan, err := planRefund(ls, req, orderLeft, tx.RemainingToRefund())
	if err != nil {
		return nil, err
	}
	return &preparedRefund{state: st, lines: ls, plan: plan, total: total, orderLeft: orderLeft}, nil
}

// RefundPreview is what a refund would send, computed and validated as
// Refund does, with nothing moved.
type RefundPreview struct {
	// Amount is the refund in minor units, Currency its currency.
	Amount   int64
	Currency string
	// Items are the lines Dintero would get.
	Items []dintero.Item
	// LeftAfter is what WooCommerce would have left to refund afterwards.
	LeftAfter int64
}

// PreviewRefund validates req as Refund would and returns what it would
// send, without recording or moving anything: the confirmation step of a
// refund tool.
func (e *Engine) PreviewRefund(ctx context.Context, orderID int64, req RefundRequest) (*RefundPreview, error) {
	pr, err := e.prepareRefund(ctx, orderID, req)
	if err != nil {
		return nil, err
	}
	pv := &RefundPreview{Amount: pr.plan.amount, Currency: pr.lines.Currency.Code, LeftAfter: pr.orderLeft - pr.plan.amount}
	for _, pl := range pr.plan.lines {
		pv.Items = append(pv.Items, pl.line.item(pl.quantity, pl.gross, pl.tax))
	}
	return pv, nil
}

// recordRefund creates the WooCommerce record. If the outcome is unknown,
// the record is looked for by its marker: found, it is used; not found,
// nothing happened and the error is returned.
func (e *Engine) recordRefund(ctx context.Context, orderID int64, req *woocommerce.RefundRequest, marker string) (*woocommerce.Refund, error) {
	rec, _, err := e.wc.Refunds.Create(ctx, orderID, req)
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, woocommerce.ErrOutcomeUnknown) {
		return nil, err
	}
	for page := 1; ; page++ {
		rs, resp, lerr := e.wc.Refunds.List(ctx, orderID, &woocommerce.ListOptions{Page: page, PerPage: 100})
		if lerr != nil {
			return nil, fmt.Errorf("%w (and listing refunds failed: %v)", err, lerr)
		}
		for _, r := range rs {
			if m, ok := r.Meta(MetaRefundMarker); ok && m.StringValue() == marker {
				return r, nil
			}
		}
		if resp.TotalPages <= page || len(rs) == 0 {
			return nil, err
		}
	}
}

// refundFailed handles a Dintero refund error. It returns true when the
// refund happened after all (found by its reference), false with the
// error to return otherwise; a definite refusal deletes the record and
// notes why.
func (e *Engine) refundFailed(ctx context.Context, orderID int64, txID string, recordID int64, ref string, err error, until time.Time) (bool, error) {
	msg, definite := refusal(err)
	if now, _, gerr := e.dt.Transactions.Get(ctx, txID, nil); gerr == nil && now.FindEvent(dintero.EventRefund, ref) != nil {
		return true, nil
	}
	if !definite {
		// Unknown, or not a decision: the record stays as the intent, and
		// Reconcile completes it once the doubt is over, unless Dintero
		// completed this request meanwhile.
		return false, fmt.Errorf("ordermgmt: refund %s not confirmed; do not refund it again: Reconcile completes it after %s if Dintero has not: %w",
			ref, until.UTC().Format(time.RFC3339), err)
	}
	if _, _, nerr := e.wc.Notes.Create(ctx, orderID, &woocommerce.NoteRequest{Note: fmt.Sprintf(NoteRefundFailed, msg)}); nerr != nil {
		return false, errors.Join(fmt.Errorf("%w: %s", ErrRefundRefused, msg), nerr)
	}
	if _, derr := e.wc.Refunds.Delete(ctx, orderID, recordID); derr != nil {
		return false, errors.Join(fmt.Errorf("%w: %s", ErrRefundRefused, msg), derr)
	}
	return false, fmt.Errorf("%w: %s", ErrRefundRefused, msg)
}

func newMarker() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
