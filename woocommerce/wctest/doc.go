// Package wctest runs a WooCommerce REST API (wc/v3) in-process, for tests
// and demos that must not touch a real store.
//
// It is a real HTTP server on loopback, not a mock, and it behaves as
// WooCommerce 10.5 does, source line by source line
// (woocommerce_behaviour.md in the project's reference; each rule in the
// code names the WooCommerce or WordPress lines it follows, and
// TestWooCommerceConformance checks them with hand-written requests).
//
// # A witness, not a mirror
//
// The store shares nothing with the client on its wire path: it keeps its
// own model of orders, renders and parses JSON with its own code, parses
// parameters as PHP fills $_GET (k[]=, k[0]=, last of repeated keys, "."
// in names as "_"), checks OAuth 1.0a with its own implementation of
// WooCommerce's check_oauth_signature, and signs webhooks itself. A wrong
// tag, rule or signature in the client therefore fails against it. The Go
// accessors (Order, SeedOrder, Notes, Refunds) return the client's types,
// built by decoding the store's own JSON with the client's decoder, so
// every accessor call checks that decoder too (see DecodeError).
//
// # What it does as WooCommerce does
//
//   - Money as strings with the store's decimals (dp, half away from zero
//     as number_format), item taxes[] included; a float price; raw coupon
//     and fee amounts; addresses with every key; null dates.
//   - Tax rounded per line, WooCommerce's default, HALF_DOWN when prices
//     include tax; WithTaxRoundAtSubtotal for the other setting.
//   - Lists: filters with comma, k[] and k[0] arrays, X-WP-Total and
//     X-WP-TotalPages, a Link header echoing the request's parameters
//     unencoded with prev clamped, _fields.
//   - Updates: status last, "Order status changed from {Label} to
//     {Label}." notes, set_paid only when the order needs payment
//     ("Payment complete." and no status note), date_paid and
//     date_completed, meta_data rules (duplicates deleted, null deletes),
//     custom statuses registered with WithStatus.
//   - Refunds: amount 0 accepted, unknown items skipped, quantities
//     unchecked, api_refund read as WordPress reads booleans, the gateway
//     (WithGateway) called unless api_refund is false, a refused refund
//     deleted and answered 500 with a bare-integer data, negative
//     tax_lines and _links on the refund. Setting an order to Refunded
//     adds WooCommerce's amount-only automatic refund ("Order fully
//     refunded.") and its note.
//   - Authentication: Basic and query-string keys over SSL (the default;
//     WithoutSSL for plain HTTP), OAuth 1.0a from the query, a form body
//     or an "Authorization: OAuth" header, with the real verb signed, the
//     900-second window and nonce replay checked, no WWW-Authenticate.
//     Every permalink mode: /wp-json/, ?rest_route= (as WooCommerce 11.1+;
//     WithWooCommerce10Auth for 10.x, which never authenticates there), a
//     subdirectory (WithHomePath) and a custom prefix (WithRESTPrefix).
//   - Webhooks: order.updated deliveries signed over the exact bytes
//     wp_json_encode writes, an unsigned form-encoded ping on create, no
//     retries, disabled on the 7th consecutive failure with a count that
//     survives reactivation. Deliveries are kept with body and headers
//     (Deliveries) and can be replayed byte for byte (Resend).
//
// Faults can be injected per route: latency, error statuses, 429 with
// Retry-After, "commit, then drop the connection", and a late commit: the
// request is held until the client gives up and saved afterwards, as PHP
// goes on running a request whose client has gone (WaitLateCommits waits
// for it). WaitQuiet waits until the store and any other party (the
// dinterotest server, a test's receiver) have all been idle at once.
//
//	store := wctest.NewServer()
//	defer store.Close()
//	order := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", ...})
//	client, _ := store.Client()
//
// # Not specified here, or left out on purpose
//
//   - Products, stock and customers; order create (use SeedOrder); edits
//     of order lines and the totals recalculation they start (refused with
//     wctest_lines_not_editable).
//   - The Action Scheduler's coalescing of webhook deliveries (one per
//     webhook and order within 600 s): every event delivers.
//   - wp_safe_remote_post's refusal of private addresses and ports other
//     than 80, 443 and 8080, which would refuse every loopback receiver a
//     test starts.
//   - API key permissions (the key is read_write) and
//     Application Passwords.
package wctest
