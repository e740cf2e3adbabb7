// Package dinterotest runs a Dintero Checkout API in-process, for tests and
// demos that must not touch a real account.
//
// It is a real HTTP server on loopback (like net/http/httptest), not a mock:
// it issues and checks tokens, keeps sessions and transactions, enforces
// Dintero's rules, records events with their references and request
// headers, and answers errors in Dintero's shape.
//
//	srv := dinterotest.NewServer()
//	defer srv.Close()
//	client, _ := srv.Client()
//	created, _, _ := client.Sessions.CreateFromProfile(ctx, req, nil)
//	tx, _ := srv.Pay(ctx, created.ID, dinterotest.Authorized)
//	client.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount})
//
// # A witness, not a mirror
//
// The server is written from Dintero's API definition (the spec behind
// Dintero's official Node and Python SDKs), not from package dintero. Its
// request and response structures, its validation and its callback signer
// are its own; no file on its wire path imports the client, and a test
// (TestWirePathIsIndependent) keeps it so. A wrong JSON tag, rule or
// signature in the client therefore fails a test instead of being copied.
// Only the accessors for test code (Client, Transaction, Transactions,
// Session, Pay, PayWith, ResolveOnHold) return the client's types, and they
// build them by decoding the server's own JSON with the client's decoder:
// every accessor call checks that decoder too, and DecodeError reports a
// failure.
//
// # What it does as the spec says
//
//   - Bodies: field names are matched exactly (Go's decoder would take
//     "Amount" for "amount"; a client with a wrong tag must fail), a key
//     repeated in one object is refused, and an integer may be written
//     100, 1e2 or 100.0, as a JSON Schema validator reads it.
//   - Token: client credentials with an audience that is a grant of the
//     client: https://api.dintero.com/v1/accounts/{aid}, its userinfo form,
//     or this server's own host (what the Python SDK sends). The bearer
//     scheme is case-insensitive.
//   - Sessions: line_id is optional (unique when given; required with
//     Instabank or Collector in an inline configuration), gift_card lines
//     may be negative, shipping_option needs id, line_id, amount, title and
//     operator. order.amount must equal items plus shipping only with the
//     Dintero-Feature-Toggles: strict-session-amounts header, and always on
//     PUT. A PUT needs the session locked for paying (LockSession plays the
//     customer opening the page) or update_without_lock=true. Cancel voids
//     an initiated or authorized transaction and is refused otherwise.
//   - Reads: includes=session embeds the session, events.success.true drops
//     failed events; initiating_system_request_headers and each event's
//     request_headers (lower-cased Dintero-System-* headers and user-agent)
//     are always included, as Dintero has done since 2023-09.
//   - List: a bare array, newest first, limit 1–100 (default 10),
//     starting_after, and every filter: id, status, payment_product,
//     payment_product_type, card_brand, merchant_reference(_2), session_id,
//     store_id, payout_correlation_id, currency, amount(.gte/.lte),
//     created_at/captured_at/refunded_at (.gte/.lte), search,
//     payment_operation, customer_id, payout_destination_id, token_id.
//   - Capture and refund: amount required (int32), metadata keys must start
//     with ext_ (key ≤ 128, value ≤ 256 characters), items need line_id and
//     amount, and Instabank needs items on every capture and refund.
//     final_capture (dintero_psp only) voids the rest: the status becomes
//     CAPTURED and no capture follows, nor while it is pending. The rest of
//     a PARTIALLY_CAPTURED_REFUNDED transaction can be captured.
//   - Void: before capture; after a part capture only for payex.creditcard,
//     payex.mobilepay, payex.vipps, payex.applepay, payex.clicktopay,
//     payex.googlepay, vipps, klarna.klarna and klarna.billie.
//   - Authorization: authorizes ON_HOLD (an amount or items sent must match
//     the order); a new amount is positive, needs items that add up to it
//     when the transaction has items (keeping every line captured), grows a
//     dintero_psp pre-authorization unless final_authorization is true, and
//     is a 409 below what is captured or being captured, or in a final
//     status.
//
// # Not specified; dinterotest does X
//
// Where the spec is silent (dintero_spec.md §9), the server answers as the
// evidence suggests. Choices (WithChoices) switches the answers a test may
// need the other way.
//
//   - An unknown line_id in capture or refund items: 400
//     (Choices.AcceptUnknownLines accepts it).
//   - Items that do not add up to the amount: 400
//     (Choices.AcceptItemsNotAddingUp).
//   - The plugin's "rounding-fee" line: accepted on captures and refunds,
//     with any sign, whether or not the session had it
//     (Choices.RefuseRoundingLine refuses it when the session did not).
//   - A line taken beyond what is left of it (captured twice, or refunded
//     beyond what was captured of it when every capture named its lines):
//     400. Negative lines (gift cards) are compared by size, in their sign.
//   - Session create with amounts that differ and no toggle: accepted
//     (Choices.StrictSessionAmounts refuses it).
//   - Status after a void of a part-captured transaction: CAPTURED
//     (Choices.PartialVoidStatus).
//   - Status after capturing the rest of PARTIALLY_CAPTURED_REFUNDED:
//     PARTIALLY_REFUNDED. After final_capture: CAPTURED, amount unchanged.
//   - final_capture on a product other than dintero_psp: ignored.
//   - Operations in the wrong status, amounts ≤ 0 or above what is left: 400
//     INVALID_REQUEST_PARAMETER (409 only on /authorization).
//   - List: newest first; an unknown starting_after is a 400. captured_at and
//     refunded_at match when one successful capture (refund) event lies in
//     the range; search matches whole values, case-insensitively. Filters on
//     data the server does not model (card_brand, token_id, payment_operation,
//     payout ids) match nothing.
//   - Duplicate capture or refund references: accepted; Dintero has no
//     idempotency.
//   - An order.amount of 0 is accepted; a negative one is a 400.
//   - A line of amount 0 (a 100 % discount) may be named with amount 0.
//   - A session cancelled twice: 200, unchanged.
//   - A void of an ON_HOLD transaction: accepted ("at any time before
//     capture", N:271-275), though the status table lists no action.
//   - A body over 1 MiB: 400, like any validation failure.
//
// # Differences on purpose
//
// Callback URLs may be plain HTTP on loopback (Dintero only calls HTTPS),
// and callbacks are delivered at once (Pay returns after the delivery)
// instead of after delay_callback.
//
// # Faults
//
// Faults can be injected per route: latency, error statuses, 429 with
// Retry-After, 202 Accepted that completes later, "commit the change, then
// drop the connection", a late commit (the request is held until the
// client gives up, and the change lands afterwards, as Dintero finishing a
// request nobody waits for), and a change whose event reads show only
// after a delay. Those are the cases that prove a client never captures or
// refunds twice; WaitLateCommits waits for the held work.
package dinterotest
