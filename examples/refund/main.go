// Command refund is the operator's "Refund via Dintero": it refunds items,
// part of an item's sum with its tax, shipping, or an amount alone on one
// order, shows what would be sent and asks before doing it.
//
// By default it works on an in-process store and Dintero with one captured
// demo order, so it can be tried with no account:
//
//	go run ./examples/refund                       # show the demo order
//	go run ./examples/refund -item 102 -qty 1      # refund one chair
//	go run ./examples/refund -item 104 -total 50 -tax 7.50 -yes
//	go run ./examples/refund -amount 100 -reason "goodwill"
//
// With -real it works on a real store and Dintero account from the
// environment (WC_URL, WC_KEY, WC_SECRET, DINTERO_ACCOUNT_ID,
// DINTERO_CLIENT_ID, DINTERO_CLIENT_SECRET) and needs -order.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/shopspring/decimal"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// options are the command line.
type options struct {
	order              int64
	item               int64
	qty                int64
	total, tax, amount string
	reason             string
	yes, real          bool
}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("refund", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.Int64Var(&o.order, "order", 0, "the order to refund (default: the demo order)")
	fs.Int64Var(&o.item, "item", 0, "the order item (product, fee or shipping line id) to refund")
	fs.Int64Var(&o.qty, "qty", 0, "whole units of -item to refund; the tax is computed")
	fs.StringVar(&o.total, "total", "", "net amount of -item to refund (tax excluded), as in WooCommerce's form")
	fs.StringVar(&o.tax, "tax", "", "tax to refund with -total")
	fs.StringVar(&o.amount, "amount", "", "refund this amount alone (tax included), without items")
	fs.StringVar(&o.reason, "reason", "", "the refund's reason")
	fs.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
	fs.BoolVar(&o.real, "real", false, "use a real store and Dintero account from the environment")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

// request turns the flags into a refund request, refusing what cannot be
// a refund before anything is read.
func (o *options) request() (ordermgmt.RefundRequest, error) {
	num := func(name, v string) (*decimal.Decimal, error) {
		if v == "" {
			return nil, nil
		}
		d, err := decimal.NewFromString(v)
		if err != nil {
			return nil, fmt.Errorf("-%s %q is not a number", name, v)
		}
		if d.IsNegative() {
			return nil, fmt.Errorf("-%s %s is negative", name, v)
		}
		return &d, nil
	}
	req := ordermgmt.RefundRequest{Reason: o.reason}
	amount, err := num("amount", o.amount)
	if err != nil {
		return req, err
	}
	total, err := num("total", o.total)
	if err != nil {
		return req, err
	}
	tax, err := num("tax", o.tax)
	if err != nil {
		return req, err
	}
	switch {
	case amount != nil && o.item != 0:
		return req, errors.New("give -amount or -item, not both")
	case amount != nil:
		req.Amount = *amount
	case o.item != 0:
		if o.qty < 0 {
			return req, fmt.Errorf("-qty %d is negative", o.qty)
		}
		req.Items = []ordermgmt.RefundItem{{ItemID: o.item, Quantity: o.qty, Total: total, Tax: tax}}
	default:
		return req, errors.New("nothing to refund: give -item with -qty or -total/-tax, or -amount")
	}
	return req, nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "refund:", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	o, err := parse(args, stderr)
	if err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env, err := setup(ctx, o.real)
	if err != nil {
		return fail(err)
	}
	defer env.close()
	if o.order == 0 {
		if o.real {
			return fail(errors.New("-real needs -order"))
		}
		o.order = env.demoOrder
	}
	if o.item == 0 && o.amount == "" && o.qty == 0 && o.total == "" && o.tax == "" && o.reason == "" {
		if err := env.show(ctx, stdout, o.order); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "\nRefund with -item ID and -qty N (or -total X -tax Y), or -amount X; see -h.")
		return 0
	}
	req, err := o.request()
	if err != nil {
		return fail(err)
	}
	pv, err := env.engine.PreviewRefund(ctx, o.order, req)
	if err != nil {
		return fail(err)
	}
	cur, err := money.Lookup(pv.Currency)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "Refund %s on order %d via Dintero:\n", cur.Format(pv.Amount), o.order)
	for _, it := range pv.Items {
		fmt.Fprintf(stdout, "  %-24s %14s incl. %s VAT (%s %%)\n", it.Description, cur.Format(it.Amount), cur.Format(it.VATAmount), it.VAT)
	}
	if len(pv.Items) == 0 {
		fmt.Fprintln(stdout, "  (an amount alone, without lines)")
	}
	fmt.Fprintf(stdout, "WooCommerce will have %s left to refund.\n", cur.Format(pv.LeftAfter))
	if !o.yes {
		fmt.Fprint(stdout, "Go ahead? [y/N] ")
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "Nothing was refunded.")
			return 1
		}
	}
	res, err := env.engine.Refund(ctx, o.order, req)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "Refunded %s: WooCommerce refund %d, Dintero refund %s.\nNote: %s\n", cur.Format(res.Amount), res.RefundID, res.Reference, res.Note)
	return 0
}
