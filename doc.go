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
// Packages under internal hold the shared HTTP and money plumbing and are
// not for import.
package dinterowoo
