// Package dinterowoo is a Go SDK for running Dintero Checkout order
// management for a WooCommerce store from a Go service.
//
// Today only the Dintero Checkout plugin for WooCommerce, inside WordPress,
// turns order events into money movements: an order set to Completed
// captures the payment, Cancelled voids it, a refund in WooCommerce refunds
// at Dintero. This module gives a Go service the same power, with exact
// money (decimal amounts and integer minor units, never floats) and
// operations that never move money twice.
//
// Start with package ordermgmt: its Engine reconciles an order with its
// Dintero transaction, from WooCommerce webhooks, Dintero callbacks, a
// poller or direct calls (Capture, Cancel, Refund). It stands on two typed
// clients that are useful on their own:
//
//   - dintero: the Dintero Checkout API (token, sessions, transactions,
//     callbacks), with dintero/dinterotest, an in-process Dintero;
//   - woocommerce: the WooCommerce REST API (orders, notes, refunds,
//     webhooks, all three auth modes), with woocommerce/wctest, an
//     in-process WooCommerce.
//
// The in-process servers are real HTTP servers that keep state, enforce the
// APIs' rules and inject faults, so services built on this module can be
// tested, and the examples run, with no account anywhere:
//
//	go run ./examples/quickstart
//
// # Security model
//
// Webhooks and callbacks are verified (HMAC signatures; empty secrets are
// refused when handlers are built; a callback's host is the configured
// public URL's, never the Host header) and then only name an order or a
// transaction, which the engine reads from the APIs. The APIs' answers are
// trusted over https or loopback; plain http elsewhere is refused unless a
// client opts in, and redirects are never followed. In that trusted data
// the engine still checks that a transaction belongs to its order, that an
// authorization covers it, and that WooCommerce's automatic refund record
// is what it looks like, before money moves. Secrets never appear in logs,
// errors or printed values. The README's "Security model" says what
// someone with shop-manager rights can and cannot make the engine do.
//
// Packages under internal hold the shared HTTP and money plumbing and are
// not for import.
package dinterowoo
