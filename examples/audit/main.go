// Command audit puts a WooCommerce store's books and its Dintero account's
// side by side: orders completed and never captured, refunds recorded and
// never made, captures made in Dintero's Backoffice, authorizations about
// to expire, and more (ordermgmt.FindingKinds). It changes nothing unless
// asked to reconcile.
//
//	go run ./examples/audit -demo -html report.html
//	WC_URL=… WC_KEY=… WC_SECRET=… DINTERO_ACCOUNT_ID=… DINTERO_CLIENT_ID=… DINTERO_CLIENT_SECRET=… \
//	    go run ./examples/audit -from 2026-11-01 -csv audit.csv -html report.html
//
// A progress bar goes to stderr when it is a terminal; the summary goes to
// stdout. -csv, -jsonl and -html write the entries; -reconcile shows what
// Reconcile would do for each order with a finding and, once confirmed (or
// with -yes), does it.
//
// Exit status: 0 done; 1 an error, or entries that could not be read
// (they are listed, and left out of the totals); 2 bad flags; 3 findings at
// or above -fail-on.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// config is what the flags ask for.
type config struct {
	demo, byModified, reconcile, yes bool
	from, to                         time.Time
	concurrency                      int
	csvPath, jsonlPath, htmlPath     string
	adminURL                         string
	failOn                           string
}

// errUsage marks a flag error (exit status 2). The flag package prints
// its own; the others say what is wrong.
var errUsage = errors.New("usage")

// usage is a flag error of our own: printed, exit status 2.
func usage(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "audit:", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		}
		os.Exit(2)
	case errors.Is(err, errFindings):
		fmt.Fprintln(os.Stderr, "audit:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "audit:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	var from, to string
	fs.BoolVar(&c.demo, "demo", false, "audit in-process servers seeded with every kind of finding")
	fs.StringVar(&from, "from", "", "orders created (or modified, with -modified) from this day (UTC) or time (YYYY-MM-DD or RFC 3339)")
	fs.StringVar(&to, "to", "", "orders created (or modified) until this day (UTC, inclusive) or time")
	fs.BoolVar(&c.byModified, "modified", false, "select orders by modification time instead of creation")
	fs.IntVar(&c.concurrency, "concurrency", 4, "orders read at once")
	fs.StringVar(&c.csvPath, "csv", "", "write the entries as CSV, one row per finding, to this file")
	fs.StringVar(&c.jsonlPath, "jsonl", "", "write the entries as JSON Lines to this file")
	fs.StringVar(&c.htmlPath, "html", "", "write a self-contained HTML report to this file")
	fs.StringVar(&c.adminURL, "admin", "", "the store's wp-admin URL, for links to orders (default: $WC_URL/wp-admin)")
	fs.BoolVar(&c.reconcile, "reconcile", false, "show the plans and, once confirmed, reconcile the orders that have one")
	fs.BoolVar(&c.yes, "yes", false, "with -reconcile: do not ask")
	fs.StringVar(&c.failOn, "fail-on", "none", "exit with status 3 when a finding is at least this severe: error, warning, info or none (for cron and CI)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage // printed with the usage already
	}
	if fs.NArg() > 0 {
		return nil, usage("unexpected arguments %q (flags only; see -h)", fs.Args())
	}
	if c.yes && !c.reconcile {
		return nil, usage("-yes only goes with -reconcile")
	}
	var err error
	if c.from, err = parseDay(from, false); err != nil {
		return nil, usage("-from: %v", err)
	}
	if c.to, err = parseDay(to, true); err != nil {
		return nil, usage("-to: %v", err)
	}
	if !c.from.IsZero() && !c.to.IsZero() && c.to.Before(c.from) {
		return nil, usage("-to is before -from")
	}
	if c.concurrency < 1 || c.concurrency > 64 {
		return nil, usage("-concurrency must be 1 to 64")
	}
	if _, ok := failLevels[c.failOn]; !ok {
		return nil, usage("-fail-on %q: use error, warning, info or none", c.failOn)
	}
	seen := map[string]bool{}
	for _, p := range []string{c.csvPath, c.jsonlPath, c.htmlPath} {
		if p == "" {
			continue
		}
		abs, _ := filepath.Abs(p)
		if seen[abs] {
			return nil, usage("%s is given for two outputs", p)
		}
		seen[abs] = true
	}
	return c, nil
}

// parseDay reads a day (the whole day when it ends a range) or a time.
func parseDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not YYYY-MM-DD or RFC 3339", s)
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

// setup is the store and account to audit: the demo, or the real ones
// named by the environment.
func setup(ctx context.Context, c *config) (wc *woocommerce.Client, engine *ordermgmt.Engine, adminURL string, closeFn func(), err error) {
	if c.demo {
		d, err := newDemo(ctx)
		if err != nil {
			return nil, nil, "", nil, err
		}
		return d.wc, d.engine, d.store.URL + "/wp-admin", d.close, nil
	}
	get := os.Getenv
	for _, k := range []string{"WC_URL", "WC_KEY", "WC_SECRET", "DINTERO_ACCOUNT_ID", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET"} {
		if get(k) == "" {
			return nil, nil, "", nil, fmt.Errorf("%s is not set (or use -demo)", k)
		}
	}
	if wc, err = woocommerce.New(get("WC_URL"), get("WC_KEY"), get("WC_SECRET")); err != nil {
		return nil, nil, "", nil, err
	}
	dc, err := dintero.New(get("DINTERO_ACCOUNT_ID"), get("DINTERO_CLIENT_ID"), get("DINTERO_CLIENT_SECRET"))
	if err != nil {
		return nil, nil, "", nil, err
	}
	if engine, err = ordermgmt.New(wc, dc); err != nil {
		return nil, nil, "", nil, err
	}
	return wc, engine, strings.TrimSuffix(get("WC_URL"), "/") + "/wp-admin", func() {}, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// The outputs are created first, as temporary files beside their
	// names: a typo in a path should not cost a whole audit, and a file
	// already there is replaced only by a complete new one.
	outputs := map[string]*os.File{}
	defer func() {
		for _, f := range outputs {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	for _, path := range []string{c.csvPath, c.jsonlPath, c.htmlPath} {
		if path == "" {
			continue
		}
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
		if err != nil {
			return err
		}
		outputs[path] = f
	}
	wc, engine, adminURL, closeFn, err := setup(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	if c.adminURL != "" {
		adminURL = strings.TrimSuffix(c.adminURL, "/")
	}

	bar := newProgress(stderr, countOrders(ctx, wc, c))
	var entries []*ordermgmt.AuditEntry
	var sum ordermgmt.AuditSummary
	started := time.Now()
	opts := ordermgmt.AuditOptions{From: c.from, To: c.to, ByModified: c.byModified, Concurrency: c.concurrency}
	var auditErr error
	for entry, err := range engine.Audit(ctx, opts) {
		if err != nil {
			auditErr = err // what was read is still written, then the error
			break
		}
		entries = append(entries, entry)
		sum.Add(entry)
		bar.step(len(entry.Findings))
	}
	bar.done()

	rep := &report{Entries: entries, Summary: &sum, AdminURL: adminURL, Generated: time.Now().UTC(),
		From: c.from, To: c.to, ByModified: c.byModified, Took: time.Since(started)}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{c.csvPath, rep.writeCSV}, {c.jsonlPath, rep.writeJSONL}, {c.htmlPath, rep.writeHTML}} {
		if out.path == "" {
			continue
		}
		f := outputs[out.path]
		if err := writeTo(f, out.write); err != nil {
			return fmt.Errorf("%s: %w", out.path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", out.path, err)
		}
		dest := out.path
		if auditErr != nil {
			// A report of part of the range never replaces a whole one.
			dest += ".partial"
		}
		if err := os.Rename(f.Name(), dest); err != nil {
			return err
		}
		delete(outputs, out.path)
	}
	rep.writeSummary(stdout)
	if auditErr != nil {
		return fmt.Errorf("the audit stopped after %d entries (summarised above, written to .partial files): %w", len(entries), auditErr)
	}
	for _, p := range []string{c.csvPath, c.jsonlPath, c.htmlPath} {
		if p != "" && auditErr != nil {
			fmt.Fprintf(stdout, "wrote %s.partial (the audit stopped; %s is unchanged)\n", p, p)
		} else if p != "" {
			fmt.Fprintf(stdout, "wrote %s\n", p)
		}
	}
	if c.reconcile {
		if err := reconcile(ctx, engine, entries, c.yes, stdin, stdout); err != nil {
			return err
		}
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d entries could not be read whole; the report lists them, and its totals leave them out", sum.Failed)
	}
	if lvl := failLevels[c.failOn]; lvl > 0 {
		n := 0
		for sev, count := range sum.BySev {
			if sev >= lvl {
				n += count
			}
		}
		if n > 0 {
			return fmt.Errorf("%w: %d findings of severity %s or worse", errFindings, n, c.failOn)
		}
	}
	return nil
}

// errFindings makes the command exit with status 3 (-fail-on).
var errFindings = errors.New("findings")

var failLevels = map[string]ordermgmt.Severity{"none": 0, "info": ordermgmt.SeverityInfo,
	"warning": ordermgmt.SeverityWarning, "error": ordermgmt.SeverityError}

// countOrders asks the store how many orders the range holds, for the
// progress bar (one call; 0 when unknown).
func countOrders(ctx context.Context, wc *woocommerce.Client, c *config) int {
	opts := &woocommerce.OrderListOptions{PerPage: 1, Fields: []string{"id"}}
	if c.byModified {
		opts.ModifiedAfter, opts.ModifiedBefore = c.from, c.to
	} else {
		opts.After, opts.Before = c.from, c.to
	}
	_, resp, err := wc.Orders.List(ctx, opts)
	if err != nil {
		return 0
	}
	return resp.Total
}

func writeTo(f *os.File, write func(io.Writer) error) error {
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// reconcile shows each plan and, once confirmed, runs Reconcile on the
// orders that have a finding and a plan. Orders without a finding are left
// alone even when Reconcile would act (an abandoned checkout cancelled in
// the store, say): the audit is about what is wrong.
func reconcile(ctx context.Context, engine *ordermgmt.Engine, entries []*ordermgmt.AuditEntry, yes bool, stdin io.Reader, stdout io.Writer) error {
	var todo []*ordermgmt.AuditEntry
	for _, e := range entries {
		if e.OrderID != 0 && len(e.Findings) > 0 && len(e.Plan) > 0 && e.Err == "" {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		fmt.Fprintln(stdout, "Nothing to reconcile.")
		return nil
	}
	fmt.Fprintf(stdout, "\nReconcile would act on %d orders:\n", len(todo))
	for _, e := range todo {
		fmt.Fprintf(stdout, "  order %d: %s\n", e.OrderID, strings.Join(e.Plan, "; "))
	}
	if !yes {
		fmt.Fprint(stdout, "Run Reconcile on these orders? [y/N] ")
		answer, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil {
			fmt.Fprintln(stdout) // no newline came: end the prompt's line
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "Nothing done.")
			return nil
		}
	}
	failed := 0
	for _, e := range todo {
		res, err := engine.Reconcile(ctx, e.OrderID)
		switch {
		case errors.Is(err, ordermgmt.ErrTransactionMismatch) || errors.Is(err, ordermgmt.ErrAuthorizationMismatch):
			// Reconcile noted it on the order; a person takes it from here.
			fmt.Fprintf(stdout, "  order %d: noted on the order, no money moved: %v\n", e.OrderID, err)
		case err != nil:
			failed++
			fmt.Fprintf(stdout, "  order %d: %v\n", e.OrderID, err)
		default:
			var done []string
			for _, a := range res.Done {
				done = append(done, describe(a, e.Currency))
			}
			fmt.Fprintf(stdout, "  order %d: done %s\n", e.OrderID, strings.Join(slices.Compact(done), "; "))
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d orders could not be reconciled", failed, len(todo))
	}
	return nil
}

// describe says what Reconcile did, money in the note format.
func describe(a ordermgmt.Action, currency string) string {
	switch a.Kind {
	case ordermgmt.ActCapture, ordermgmt.ActRefund:
		return fmt.Sprintf("%s %s (%s)", a.Kind, amount(a.Amount, currency), a.Reference)
	case ordermgmt.ActUpdateMeta, ordermgmt.ActRecordNote:
		return "bookkeeping"
	}
	return a.String()
}
