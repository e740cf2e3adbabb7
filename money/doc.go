// Package money converts between decimal amounts and integer minor units
// for ISO 4217 currencies, and formats amounts for order notes.
//
// Dintero counts money in minor units (33890 is 338.90 NOK); WooCommerce
// sends decimal strings ("338.90"). Every crossing between the two goes
// through this package so that one rounding rule (half away from zero) and
// one exponent table apply everywhere, and an unknown currency is an error
// rather than a silent guess of two decimals.
//
// Nothing here uses float64, and nothing touches the decimal package's
// process-wide settings.
package money
