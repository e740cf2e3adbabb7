package ordermgmt

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// WebhookHandler receives WooCommerce order webhooks (order.updated,
// order.created) signed with secret. It answers the ping, verifies the
// signature, and reconciles the order after reading it again: the payload
// is only a hint, so duplicated, late or reordered deliveries, and the
// echoes of the engine's own updates, change nothing.
//
// A verified delivery is always answered 2xx, even when the order cannot
// be reconciled now (WooCommerce, Dintero or this service in trouble): the
// order is then due, and the poller (Poll, PollUntil) reconciles it on its
// next run. WooCommerce never retries a delivery and disables a webhook
// after seven failures in a row, a count that re-activation does not
// reset; our own trouble must not count as one.
//
// An empty secret is refused (woocommerce.ErrNoSecret).
//
// With a Queue (WithQueue) the delivery is answered as soon as the
// order's job is queued. Without one, the order is reconciled before the
// answer, within webhookBudget (20 seconds) plus the read of the delivery,
// well inside WooCommerce's delivery timeout.
func (e *Engine) WebhookHandler(secret string) (http.Handler, error) {
	return woocommerce.WebhookHandler(secret, func(ctx context.Context, d *woocommerce.Delivery) error {
		if d.Resource != "order" || d.Event == "deleted" {
			return nil
		}
		o, err := d.Order()
		if err != nil {
			// Signed by the store, so it is the store's word, in a shape
			// this engine cannot read: an error answer would count toward
			// disabling the webhook, and the poller finds the order
			// changed in any case.
			e.log.Warn("ordermgmt: a verified webhook delivery is not an order this engine can read; answered 2xx, the poller will find the order", "error", err)
			return nil
		}
		if e.queue != nil {
			if err := e.enqueue(ctx, Job{OrderID: o.ID}); err != nil {
				// Still a 2xx: our trouble must not count toward disabling
				// the webhook. The order is due in this process, and the
				// poller finds it changed in any case.
				e.markDue(o.ID, e.now())
				e.log.Warn("ordermgmt: webhook delivery taken, job not queued; the poller will find the order", "order", o.ID, "error", err)
			}
			return nil
		}
		if e.saturated() {
			// Every slot is busy (a burst of deliveries): waiting would
			// only pile connections up until they are refused, which
			// WooCommerce counts as failures. The poller takes it.
			e.markDue(o.ID, e.now())
			return nil
		}
		// WooCommerce waits a minute at most, then counts a failure: the
		// reconcile gets a part of that, and what it did not finish is the
		// poller's (a movement cut short is in doubt, never lost).
		rctx, cancel := context.WithTimeout(ctx, webhookBudget)
		defer cancel()
		if _, err = e.Reconcile(rctx, o.ID); err != nil && !handled(err) {
			e.markDue(o.ID, e.now())
			e.log.Warn("ordermgmt: webhook delivery taken, order not reconciled yet; the poller will", "order", o.ID, "error", err)
		}
		return nil
	})
}

// webhookBudget is how long a webhook delivery may reconcile before it is
// answered.
const webhookBudget = 20 * time.Second

// CallbackHandler receives Dintero's session callbacks, signed: unsigned
// or forged callbacks are refused (400: Dintero does not retry 4xx). The
// verifier must have a secret and the PublicURL whose host Dintero signs
// (dintero.ErrVerifierConfig otherwise). The transaction is read from
// Dintero, and its merchant_reference names the order (OrderReference
// writes it). A callback without a transaction answers 400; an order that
// cannot be found or reconciled answers 500, so that Dintero tries again.
//
// With a Queue (WithQueue), a verified callback that names its
// transaction and order is answered 200 as soon as the job is queued,
// without waiting for Dintero: a change that exists only at Dintero (an
// ON_HOLD payment approved) is then kept even through an outage longer
// than Dintero's retries. The job still reads the transaction and links it
// only to the order it belongs to. A callback that cannot be queued
// answers 500, so that Dintero tries again.
func (e *Engine) CallbackHandler(verifier *dintero.CallbackVerifier) (http.Handler, error) {
	if err := verifier.Check(); err != nil {
		return nil, err
	}
	return e.callbackHandler(verifier), nil
}

// UnsignedCallbackHandler receives Dintero's callbacks without verifying
// them, for an account that has no callback signature secret yet. It is
// an explicit choice, and says so in the engine's log when made: anyone
// who can reach the URL can make the engine read a transaction and
// reconcile its order (never more, since nothing in a callback is
// trusted), which is load, not money, but should be closed with a secret.
func (e *Engine) UnsignedCallbackHandler() http.Handler {
	const warning = "ordermgmt: Dintero callbacks are not verified; create a callback signature secret at Dintero and use CallbackHandler"
	e.log.Warn(warning)
	if !e.log.Enabled(context.Background(), slog.LevelWarn) {
		slog.Warn(warning) // the engine's logger is silent: this must be heard
	}
	return e.callbackHandler(nil)
}

func (e *Engine) callbackHandler(verifier *dintero.CallbackVerifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if verifier != nil {
			if err := verifier.Verify(r); err != nil {
				http.Error(w, "bad signature", http.StatusBadRequest)
				return
			}
		}
		cb, err := dintero.ParseCallback(r)
		if err != nil {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		if e.queue != nil && verifier != nil && cb.TransactionID != "" {
			// Signed by Dintero, so the query is Dintero's word; RunJob
			// checks the transaction belongs to the order all the same.
			if orderID, err := strconv.ParseInt(cb.MerchantReference, 10, 64); err == nil && orderID > 0 {
				if err := e.enqueue(ctx, Job{OrderID: orderID, TransactionID: cb.TransactionID}); err != nil {
					e.log.Warn("ordermgmt: callback not queued; Dintero will try again", "order", orderID, "error", err)
					http.Error(w, "try again", http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
				return
			}
		}
		txID := cb.TransactionID
		if txID == "" {
			sess, _, err := e.dt.Sessions.Get(ctx, cb.SessionID)
			if err != nil && !errors.Is(err, dintero.ErrNotFound) {
				http.Error(w, "try again", http.StatusInternalServerError) // Dintero retries
				return
			}
			if err != nil || sess.TransactionID == "" {
				// An error callback (report_error) for a session never paid,
				// or unknown: nothing to reconcile.
				w.WriteHeader(http.StatusOK)
				return
			}
			txID = sess.TransactionID
		}
		tx, _, err := e.dt.Transactions.Get(ctx, txID, nil)
		if errors.Is(err, dintero.ErrNotFound) {
			http.Error(w, "unknown transaction", http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		orderID, err := strconv.ParseInt(tx.MerchantReference, 10, 64)
		if err != nil || orderID <= 0 {
			http.Error(w, "transaction has no order reference", http.StatusBadRequest)
			return
		}
		if e.queue != nil {
			if err := e.enqueue(ctx, Job{OrderID: orderID, TransactionID: tx.ID}); err != nil {
				http.Error(w, "try again", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		if _, err := e.reconcileTransaction(ctx, orderID, tx.ID, tx); err != nil && !handled(err) {
			http.Error(w, "not reconciled", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// ErrTransactionMismatch is returned when an order's transaction is not
// its payment (see TransactionBelongs), or ReconcileTransaction is asked to
// link a transaction to an order that has another one. Nothing is moved;
// the order gets a note and the failure status.
var ErrTransactionMismatch = errors.New("ordermgmt: transaction and order do not belong together")

// ErrAuthorizationMismatch is returned when an authorization does not
// cover its order: another currency, or less than the order total (less
// Settings.CaptureTolerance). The order is not moved on to the authorized
// status; it gets a note and the failure status.
var ErrAuthorizationMismatch = errors.New("ordermgmt: the authorization does not cover the order")

// ReconcileTransaction links a paid transaction to its order (the order's
// transaction_id, when not set yet) and reconciles the order. It is what a
// callback or a return from the payment page does.
func (e *Engine) ReconcileTransaction(ctx context.Context, orderID int64, txID string) (*Result, error) {
	return e.reconcileTransaction(ctx, orderID, txID, nil)
}

// reconcileTransaction is ReconcileTransaction with the transaction already
// read, if the caller has it (the callback handler has), so that linking
// it does not read it again.
func (e *Engine) reconcileTransaction(ctx context.Context, orderID int64, txID string, tx *dintero.Transaction) (*Result, error) {
	if e.linked(orderID, txID) {
		// Linked already (replays, report_event callbacks): a reconcile
		// of the order, coalesced with the others under way.
		return e.Reconcile(ctx, orderID)
	}
	return underLock(ctx, e, orderID, func(ctx context.Context) (*Result, error) { return e.link(ctx, orderID, txID, tx) })
}

// link is reconcileTransaction under the order's lock.
func (e *Engine) link(ctx context.Context, orderID int64, txID string, tx *dintero.Transaction) (*Result, error) {
	o, _, err := e.wc.Orders.Get(ctx, orderID, &woocommerce.GetOptions{Fields: []string{"id", "number", "transaction_id", "payment_method", "meta_data"}})
	if err != nil {
		return nil, err
	}
	switch {
	case o.PaymentMethod != e.settings.PaymentMethod:
		return &Result{OrderID: orderID, Skipped: "not paid with Dintero"}, nil
	case o.TransactionID == txID:
		e.links.Store(orderID, txID)
	case o.TransactionID != "":
		return nil, ErrTransactionMismatch
	default:
		if tx == nil {
			if tx, _, err = e.dt.Transactions.Get(ctx, txID, nil); err != nil {
				return nil, err
			}
		}
		if !TransactionBelongs(o, tx) {
			return nil, ErrTransactionMismatch
		}
		if _, err := e.updateOrder(ctx, orderID, woocommerce.OrderUpdate{TransactionID: &txID}); err != nil {
			return nil, err
		}
		e.links.Store(orderID, txID)
	}
	return e.reconcile(ctx, orderID)
}

// linked reports whether this engine has seen the order linked to the
// transaction. Only a hint for coalescing: Reconcile reads the order and
// checks the transaction's ownership again.
func (e *Engine) linked(orderID int64, txID string) bool {
	v, ok := e.links.Load(orderID)
	return ok && v.(string) == txID
}

// handled reports errors a delivery must not be answered 5xx for: the
// order is dealt with, and sending the event again changes nothing. A
// movement in doubt is recorded, and the poller comes back when its wait
// ends; a transaction or authorization that does not fit its order has a
// note asking for manual handling. A 5xx would only make Dintero retry, or
// count towards WooCommerce disabling the webhook.
func handled(err error) bool {
	return errors.Is(err, ErrInDoubt) || errors.Is(err, ErrTransactionMismatch) || errors.Is(err, ErrAuthorizationMismatch)
}

// OrderReference is the merchant_reference a session carries for an
// order, and how a callback finds the order again.
func OrderReference(orderID int64) string { return strconv.FormatInt(orderID, 10) }
