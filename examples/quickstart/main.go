// Command quickstart will play one order's life (payment, capture, refunds,
// manual review, cancellation) against in-process Dintero and WooCommerce
// servers. Until the ordermgmt engine exists it shows the money rules the
// SDK is built on, computed by the same code the clients use.
package main

import (
	"fmt"
	"os"

	"github.com/dinterowoo/dinterowoo/internal/money"
	"github.com/shopspring/decimal"
)

func main() {
	fmt.Println("dinterowoo quickstart")
	fmt.Println("The order engine is not built yet; this is how its money is counted.")
	fmt.Println()
	for _, c := range []struct{ amount, code string }{
		{"1234.50", "NOK"}, {"0.005", "NOK"}, {"-0.005", "NOK"}, {"1499.5", "JPY"}, {"1.2345", "KWD"},
	} {
		d := decimal.RequireFromString(c.amount)
		minor, err := money.ToMinor(d, c.code)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		note, _ := money.Format(minor, c.code)
		fmt.Printf("  WooCommerce %-8s %s  ->  Dintero amount %7d  ->  note %q\n", c.amount, c.code, minor, note)
	}
	if _, err := money.ToMinor(decimal.NewFromInt(10), "XYZ"); err != nil {
		fmt.Printf("  an unknown currency is refused: %v\n", err)
	}
}
