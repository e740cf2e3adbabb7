// Command quickstart plays the life of three orders against an in-process
// Dintero and WooCommerce, and prints what a merchant and Dintero would see
// at each step: payment, capture on Completed, refunds of an item, of part
// of a sum with its tax and of shipping, a payment held for manual review,
// and a cancellation. No account or network is needed.
//
//	go run ./examples/quickstart
//
// With -order and real credentials in the environment (see README.md) it
// instead shows what the engine would do for one order of a real store,
// and does it with -apply.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	orderID := flag.Int64("order", 0, "work on this order of a real store (needs the environment of README.md)")
	apply := flag.Bool("apply", false, "with -order: reconcile the order instead of only showing the plan")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	if *orderID != 0 {
		err = runReal(ctx, os.Stdout, *orderID, *apply)
	} else {
		err = run(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// printer writes the timeline.
type printer struct {
	w    io.Writer
	step int
}

func (p *printer) section(title string) {
	fmt.Fprintf(p.w, "\n== %s\n", title)
}

func (p *printer) stepf(format string, args ...any) {
	p.step++
	fmt.Fprintf(p.w, "%2d. %s\n", p.step, fmt.Sprintf(format, args...))
}

func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(p.w, "      %s\n", fmt.Sprintf(format, args...))
}
