// Package ordermgmt runs Dintero order management for a WooCommerce store:
// what the Dintero Checkout plugin does inside WordPress, done from a Go
// service, exactly and safely.
//
// # What happens
//
// The merchant works in WooCommerce as before; the engine makes Dintero
// follow:
//
//	WooCommerce status reached   Dintero state          Action                     Note on the order
//	a capture status (Completed) AUTHORIZED / PARTLY    capture what is left       The Dintero order has been captured. Captured amount: 1234.50 NOK.
//	a capture status             ON_HOLD                none; order to on-hold     The order must be authorized by Dintero before it can be captured.
//	a capture status             CAPTURED already       none                       (the success note, once)
//	a cancel status (Cancelled)  AUTHORIZED / ON_HOLD   void                       The Dintero order has been canceled.
//	a cancel status              CAPTURED, Swish        refund what is left        The Dintero order has been refunded.
//	a cancel status              CAPTURED, other        none                       The Dintero order has been captured, and can therefore no longer be canceled.
//	a refund status (Refunded)   captured, money left   refund what WooCommerce    The Dintero order has been refunded.
//	                                                    had outstanding
//	pending / processing         ON_HOLD                order to manual review
//	manual review                AUTHORIZED             order to processing        The order has been authorized.
//	not cancelled                AUTHORIZATION_VOIDED   order to cancelled         The order was CANCELED in the Dintero.
//	not failed                   DECLINED / FAILED      order to failed            The order was not approved by Dintero.
//
// A capture or void Dintero refuses adds a note with Dintero's message and
// puts the order on hold; a refused refund adds a note and changes no
// status. The statuses that trigger capture, cancel and refund are
// configurable (Settings), as in the plugin.
//
// Engine.Refund is the "Refund via Dintero" button: whole items (tax
// computed), part of an item's sum (with the tax the merchant types),
// shipping, fees, or an amount alone, validated against what is left per
// line, per tax and per order before anything is sent.
//
// # How it stays right
//
// The engine is level-triggered. Engine.Reconcile reads the order, its
// refund records and the Dintero transaction, plans what is missing
// (PlanState, a pure function) and does it. The WooCommerce webhook
// handler, the Dintero callback handler, the poller and the direct calls
// all end there, so an event that is lost, late, repeated or out of order
// never leaves an order wrong.
//
// Money never moves twice: every capture and refund carries a reference
// that names the order and the operation ("wc-1001-capture",
// "wc-1001-refund-1005"), and before and after any uncertain call the
// transaction is read and an event with that reference means "done". Work
// on one order is serialized by a Locker (in-process by default; plug in a
// shared one for several replicas). A refund is recorded in WooCommerce
// first, with a marker, so a crash between the two halves leaves an intent
// that the next Reconcile completes. Notes are written before the meta that
// records them: a crash can repeat a note, never lose one.
//
// All money is decimal or integer minor units: never float64.
//
// # Wiring it
//
//	engine, _ := ordermgmt.New(wcClient, dinteroClient)
//	mux.Handle("/hooks/woocommerce", engine.WebhookHandler(webhookSecret))
//	mux.Handle("/hooks/dintero", engine.CallbackHandler(&dintero.CallbackVerifier{...}))
//	go engine.RunPoller(ctx, time.Now().Add(-time.Hour), time.Minute, 5*time.Minute, 8, logErr)
package ordermgmt
