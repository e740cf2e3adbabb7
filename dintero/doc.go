// Package dintero is a typed client for the Dintero Checkout API: sessions,
// transactions (get, list, capture, refund, void, authorization updates) and
// the callbacks Dintero sends.
//
// # Creating a client
//
// A client works for one account. The account id's prefix selects the
// environment: T12345678 is a test account, P12345678 production; both use
// the same hosts.
//
//	c, err := dintero.New("T12345678", clientID, clientSecret,
//		dintero.WithSystem("woocommerce", "9.1.0"))
//
// New does no I/O. Create one client and share it: it is safe for concurrent
// use and caches its access token.
//
// # Authentication
//
// The client fetches a client-credentials token on first use, keeps it until
// shortly before it expires (five minutes, or half the lifetime of a short
// token), and refreshes it with a single request however many goroutines
// need it at once. If Dintero answers 401 the token is dropped, a new one is
// fetched and the call is repeated once; a 401 means the call was refused,
// so repeating it cannot move money twice.
//
// # Money
//
// Every amount is an int64 in the currency's minor units: 33890 is 338.90
// NOK. Item.Amount is gross (VAT included) and Item.VATAmount is the VAT in
// it; Item.VAT is the rate in percent, a Number so that 12.5 stays exact.
// Transaction has helpers for what a caller needs to decide: CapturedAmount,
// RefundedAmount, RemainingToCapture, RemainingToRefund, FindEvent.
//
// # Retries and the outcome-unknown rule
//
// Reads and updates are retried on connection errors, 429 (Retry-After is
// obeyed, capped), 502, 503 and 504, with jittered exponential backoff; a
// cancelled context stops the wait at once.
//
// Capture, Refund and Void move money, and Dintero has no idempotency keys.
// They are retried only when the connection could not be opened at all. If
// the request may have arrived (the connection broke afterwards, Dintero
// answered 5xx, or answered 200 with a body that cannot be read), the error
// matches ErrOutcomeUnknown:
//
//	tx, resp, err := c.Transactions.Capture(ctx, id, &dintero.CaptureRequest{
//		Amount: 33890, CaptureReference: "order-1001-capture"})
//	if errors.Is(err, dintero.ErrOutcomeUnknown) {
//		tx, _, err = c.Transactions.Get(ctx, id, nil)
//		if err == nil && tx.FindEvent(dintero.EventCapture, "order-1001-capture") != nil {
//			// it happened
//		}
//	}
//
// That is why every capture and refund should carry a reference unique to
// the operation. A 202 Accepted answer is not an error: Response.Pending is
// set, and the operation completes later with an event whose
// CorrelationRequestID is Response.EventRequestID.
//
// # Errors
//
// Dintero's error answers become *APIError, which matches the sentinels
// ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict,
// ErrRateLimited and ErrUnavailable through errors.Is. Requests that break
// Dintero's rules (no amount, items that do not add up to it, metadata keys
// without ext_) fail with ErrInvalidRequest before anything is sent. Error
// texts and log records carry operation names and paths only: never tokens,
// credentials or headers.
//
// # Callbacks
//
// ParseCallback reads what Dintero sends to a session's callback_url, and
// CallbackVerifier checks its Dintero-Signature header. A callback is a hint:
// read the transaction before acting. VerifyWebhookSignature checks account
// webhook deliveries.
//
// # Testing
//
// Package dinterotest runs an in-process Dintero that this client, and any
// service built on it, can be tested against with no account.
package dintero
