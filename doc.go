// Package dinterowoo is a Go SDK for running Dintero Checkout order
// management for a WooCommerce store from a Go service.
//
// Today only the Dintero Checkout plugin for WooCommerce, inside WordPress,
// turns order events into money movements: an order set to Completed
// captures the payment, Cancelled voids it, a refund in WooCommerce refunds
// at Dintero. This module gives a Go service the same power, with exact money
// (decimal amounts and integer minor units, never floats) and operations that
// never move money twice.
//
// The module is organised as:
//
//   - dintero: a typed client for the Dintero Checkout API, with
//     dintero/dinterotest, an in-process Dintero for tests and demos;
//   - woocommerce: a typed client for the WooCommerce REST API (wc/v3), with
//     woocommerce/wctest, an in-process WooCommerce;
//   - ordermgmt: the rules that connect the two;
//   - examples: runnable programs; examples/quickstart runs with no account.
//
// Packages under internal hold the shared HTTP and money plumbing and are
// not for import.
package dinterowoo
