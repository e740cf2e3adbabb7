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
// Captures and refunds name the lines the customer's session had, by the
// line ids the plugin stored (NewLines says which, in the plugin's order:
// for a pick-up point, the order's shipping line id before the shipping
// item's own). Lines that do not add up to the amount get one balancing
// "rounding-fee" item, on refunds as on captures, because some payment
// products (Instabank) need items on every operation; an amount alone has
// no line to name and goes without. A negative fee, such as a gift card
// applied as a fee, is a negative gift_card line.
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
// on one order is serialized by a Locker (in-process by default;
// pgstore.Locker for several replicas on PostgreSQL), and work under the
// lock uses the lock's context, which ends if the lock is lost. A refund is recorded in WooCommerce
// first, with a marker, so a crash between the two halves leaves an intent
// that the next Reconcile completes. Notes are written before the meta that
// records them: a crash can repeat a note, never lose one.
//
// # Money in doubt
//
// Dintero has no idempotency keys, and may complete a capture, refund or
// void after its caller gave up (a deadline, a shutdown, a crash, a cut
// connection): reading the transaction and finding no event with the
// reference proves nothing for a while. So before a movement is sent, its
// attempt is recorded in WooCommerce, which every restart and every
// replica reads: the order meta MetaInFlightPrefix+reference holds the time
// it started (one key per reference, so a late or repeated write of one
// record never undoes another), and a refund record made by Refund is
// itself the record of its refund (MetaAttemptAt). While an attempt is in
// doubt, that is while Dintero shows no successful or accepted event with
// its reference and less than Settings.InDoubtWait has passed, Reconcile
// only reads: the movement is listed in Result.Waiting (and Plan.Waiting)
// with the time the wait ends, and Poll comes back to the order then. After
// the wait, if the reference is still absent, the movement is sent again.
// An event with the reference ends the doubt; so does a refusal from
// Dintero, or a 401 or 429 (answered without doing anything, for a
// Refund too: its record then stays as the intent, no longer in doubt). A refund
// record create whose outcome is unknown (WooCommerce, too, finishes
// requests whose client has gone) blocks further refunds on the order
// with ErrInDoubt until the record shows or the wait ends, so that one
// request never leaves two records.
//
// Why a time bound: nothing else can tell "not done" from "not done yet".
// The default, DefaultInDoubtWait (15 minutes), is the Dintero client's
// 30-second attempt timeout plus a generous bound on Dintero's processing
// under load. The cost is latency only where an outcome was unknown: such a
// capture goes up to 15 minutes later. What is left at risk is a request
// Dintero completes more than the wait after it was sent, if a new attempt
// was made meanwhile. Dintero's own checks cap that risk: a capture never
// exceeds what is left of the authorization and a refund never what is
// captured and not refunded, in total and, when lines are sent, per line;
// a void of a voided authorization is refused. So a capture of all that is
// left of the authorization cannot be doubled, and a doubled partial
// capture or refund is bounded by what is left. The in-flight record costs
// one order update before each movement: five calls for a capture instead
// of four. The wait also holds a refund whose record exists but whose
// Dintero half was never sent (a crash between the two, or a record that
// WooCommerce saved after its caller gave up): nothing tells "never sent"
// from "sent, answer lost", so such a refund goes up to InDoubtWait later.
//
// An error matching ErrInDoubt means: do not repeat the operation. The
// movement is recorded; Reconcile completes it, or finds it done, once the
// doubt is over. A Refund called again, even after the wait, is a new
// refund: look at the order's refund records first.
//
// Movements of another kind are not held back by one in doubt: an order
// cancelled while its capture is in doubt is voided at once, and Dintero's
// state decides which lands (a capture after the void is refused; a void
// after the capture is refused, noted, and the order goes on hold).
// Replicas must keep their clocks in step: the wait is measured from a
// time one process wrote, on another's clock.
//
// Upgrading: with the manual-review status equal to the failure status,
// only orders carrying MetaAwaitingAuthorization are promoted when Dintero
// authorizes. The plugin writes it; orders that an earlier dinterowoo put
// in review did not get it, and need a merchant to move them on.
//
// All money is decimal or integer minor units: never float64.
//
// # Wiring it
//
//	engine, _ := ordermgmt.New(wcClient, dinteroClient)
//	webhooks, err := engine.WebhookHandler(webhookSecret) // "" is refused
//	callbacks, err := engine.CallbackHandler(&dintero.CallbackVerifier{Secret: s, AccountID: id, PublicURL: u})
//	mux.Handle("/hooks/woocommerce", webhooks)
//	mux.Handle("/hooks/dintero", callbacks)
//	// A day back covers a process that was down for hours; with a
//	// Checkpoint (pgstore.Checkpoint) the poller resumes where it ended.
//	go engine.RunPollerWith(ctx, ordermgmt.PollerConfig{Since: time.Now().Add(-24 * time.Hour), OnError: logErr})
//
// # Several replicas
//
// Package pgstore runs the engine on PostgreSQL: a Locker shared by every
// replica, a Checkpoint for the poller (run it under Lead, so that one
// replica polls), and Jobs, a durable queue (WithQueue). With a Queue the
// handlers answer as soon as the order's job is queued, the poller only
// queues what it finds, and a worker runs each job with RunJob, retried
// with backoff while it fails; no failing order holds the poller back.
package ordermgmt
