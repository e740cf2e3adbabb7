package money

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownCurrency is wrapped by every error caused by a currency code
// that is not in the ISO 4217 table.
var ErrUnknownCurrency = errors.New("money: unknown currency")

// Currency is an ISO 4217 currency: its code and the number of decimals its
// minor unit has (2 for NOK, 0 for JPY, 3 for KWD).
type Currency struct {
	Code     string
	Exponent int32
}

// exponents maps every active ISO 4217 code to its number of decimals.
var exponents = buildExponents()

func buildExponents() map[string]int32 {
	m := map[string]int32{
		// No minor unit.
		"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
		"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
		"XAF": 0, "XOF": 0, "XPF": 0,
		// Three decimals.
		"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
		// Four decimals (units of account).
		"CLF": 4, "UYW": 4,
	}
	for _, code := range strings.Fields(twoDecimals) {
		m[code] = 2
	}
	return m
}

const twoDecimals = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB " +
	"BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK " +
	"DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG " +
	"HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL " +
	"MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD " +
	"PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS " +
	"SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS " +
	"VES VED WST XCD XCG YER ZAR ZMW ZWG"

// Lookup returns the currency for an ISO 4217 code. Codes are matched
// exactly as ISO writes them (upper case); WooCommerce and Dintero both
// send them that way, so a lower-case code points at a bug upstream.
func Lookup(code string) (Currency, error) {
	exp, ok := exponents[code]
	if !ok {
		return Currency{}, fmt.Errorf("%w %q", ErrUnknownCurrency, code)
	}
	return Currency{Code: code, Exponent: exp}, nil
}
