package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// runReal works on one order of a real store with a real Dintero account,
// from the environment: WC_URL, WC_KEY, WC_SECRET, DINTERO_ACCOUNT_ID,
// DINTERO_CLIENT_ID, DINTERO_CLIENT_SECRET. It prints the plan, and does it
// only with apply.
func runReal(ctx context.Context, out io.Writer, orderID int64, apply bool) error {
	env := func(k string) (string, error) {
		v := os.Getenv(k)
		if v == "" {
			return "", fmt.Errorf("%s is not set (see README.md)", k)
		}
		return v, nil
	}
	var vals [6]string
	for i, k := range []string{"WC_URL", "WC_KEY", "WC_SECRET", "DINTERO_ACCOUNT_ID", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET"} {
		v, err := env(k)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	wc, err := woocommerce.New(vals[0], vals[1], vals[2])
	if err != nil {
		return err
	}
	dc, err := dintero.New(vals[3], vals[4], vals[5])
	if err != nil {
		return err
	}
	engine, err := ordermgmt.New(wc, dc)
	if err != nil {
		return err
	}
	plan, err := engine.Plan(ctx, orderID)
	if err != nil {
		return err
	}
	if plan.Skipped != "" {
		fmt.Fprintf(out, "order %d is not managed: %s\n", orderID, plan.Skipped)
		return nil
	}
	if len(plan.Actions) == 0 {
		fmt.Fprintf(out, "order %d agrees with Dintero: nothing to do\n", orderID)
		return nil
	}
	for _, a := range plan.Actions {
		fmt.Fprintf(out, "would %s\n", a)
	}
	if !apply {
		fmt.Fprintln(out, "run again with -apply to do it")
		return nil
	}
	res, err := engine.Reconcile(ctx, orderID)
	if err != nil {
		return err
	}
	for _, a := range res.Done {
		fmt.Fprintf(out, "did %s\n", a)
	}
	fmt.Fprintf(out, "order %d is now %s\n", orderID, res.Status)
	return nil
}
