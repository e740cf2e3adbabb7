// Package wctest runs a WooCommerce REST API (wc/v3) in-process, for tests
// and demos that must not touch a real store.
//
// It is a real HTTP server on loopback, not a mock. It keeps orders with
// items, taxes, shipping, fees, coupons and meta, and answers like
// WooCommerce: money as strings with the store's decimals, raw tax strings,
// a float price, null dates, X-WP-Total and Link headers, partial updates
// with the status applied last, error bodies with WooCommerce's codes (the
// bare-integer data of its refund paths included). It does what WooCommerce
// core does on its own: the "Order status changed from Processing to
// Completed." note, the automatic refund record when an order is set to
// Refunded, and order.updated webhooks signed and encoded as WordPress does.
//
// Requests authenticate with the server's key by HTTP Basic, query string
// or OAuth 1.0a, checked as WooCommerce checks them (timestamps, nonces and
// all). Faults can be injected per route: latency, error statuses, 429 with
// Retry-After, "commit, then drop the connection", and a late commit: the
// request is held until the client gives up and saved afterwards, as PHP
// goes on running a request whose client has gone (WaitLateCommits waits
// for it).
//
//	store := wctest.NewServer()
//	defer store.Close()
//	order := store.SeedOrder(wctest.OrderSpec{Currency: "NOK", ...})
//	client, _ := store.Client()
//
// What it leaves out, on purpose: products and stock, customers, totals
// recalculation on line edits (updates of line items are refused), and the
// Action Scheduler's coalescing of webhook deliveries.
package wctest
