// Package woocommerce is a typed client for the WooCommerce REST API
// (wc/v3) made for order management: orders, notes, refunds, webhooks.
//
// # Creating a client
//
//	c, err := woocommerce.New("https://shop.example/", "ck_...", "cs_...")
//
// The store URL is the site's home URL as WordPress has it (www or not).
// It must be https, or loopback: over plain http the credentials travel in
// clear text, and OAuth 1.0a signs requests but not answers, so anyone on
// the path could rewrite what the store says. WithInsecureHTTP opts in for
// a link you trust. Redirects are never followed (ErrRedirect). New does
// no I/O.
//
// # Authentication
//
// All three of WooCommerce's modes are supported. Over HTTPS the default
// is HTTP Basic. Over plain HTTP it is one-legged OAuth 1.0a with
// HMAC-SHA256 (HMAC-SHA1 on request), signed exactly as WooCommerce checks:
// every query parameter signed, RFC 3986 encoding, WooCommerce's key order.
// WithAuth(AuthQueryString) puts the key in the query for hosts that strip
// the Authorization header. Stores with plain permalinks need
// WithQueryRouting; a custom REST prefix WithRESTPrefix.
//
// # Money
//
// Amounts are decimal.Decimal, decoded from WooCommerce's strings or
// numbers exactly; never float64. LineItem.Price is WooCommerce's float
// total/quantity and must not be used for money. Refund amounts are sent
// as strings and line totals as numbers, as WooCommerce reads them.
//
// # Refunds and the gateway
//
// WooCommerce's refund create calls the payment gateway unless told not
// to. Here RefundRequest.Gateway is a required choice: RecordOnly records
// a refund made elsewhere (at Dintero, say); RefundAtGateway asks the
// gateway. Refund creates are never repeated once they may have reached
// the store; on ErrOutcomeUnknown, list the order's refunds and look for
// the marker you put in MetaData.
//
// # Errors
//
// WooCommerce's errors become *APIError with its code, message and raw
// data (an object, or on its refund paths a bare number; the HTTP status is
// what counts). Sentinels match by status (ErrNotFound, ErrUnauthorized)
// or by code (ErrInvalidOrderID, ErrRefundRefused, ErrInvalidParam).
//
// # Lists
//
// List returns one page with X-WP-Total, X-WP-TotalPages and the next page
// in Response; ListIter walks every page holding one page in memory. Times
// in filters are sent in UTC with dates_are_gmt=true.
//
// # Webhooks
//
// WebhookHandler answers WooCommerce's unsigned ping, verifies
// X-WC-Webhook-Signature over the raw body and hands the delivery to your
// function; Delivery.Order decodes an order payload. A delivery is a hint:
// WooCommerce never retries a failed one, so back it with a poller.
//
// # Testing
//
// Package wctest runs an in-process WooCommerce to test against.
package woocommerce
