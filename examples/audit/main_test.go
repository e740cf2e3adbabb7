package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// audit runs the library call on a demo world.
func audit(t *testing.T, d *demo) []*ordermgmt.AuditEntry {
	t.Helper()
	var entries []*ordermgmt.AuditEntry
	for e, err := range d.engine.Audit(context.Background(), ordermgmt.AuditOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	return entries
}

func newTestDemo(t *testing.T) *demo {
	t.Helper()
	d, err := newDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.close)
	return d
}

// TestDemoFindsEveryKindAndNothingElse: the demo seeds one case of every
// kind and one order in order; the audit finds exactly those.
func TestDemoFindsEveryKindAndNothingElse(t *testing.T) {
	d := newTestDemo(t)
	entries := audit(t, d)
	seen := map[ordermgmt.FindingKind]bool{}
	orders := 0
	for _, e := range entries {
		if e.Err != "" {
			t.Errorf("entry %d: %s", e.OrderID, e.Err)
		}
		var got []ordermgmt.FindingKind
		for _, f := range e.Findings {
			got = append(got, f.Kind)
			seen[f.Kind] = true
		}
		var want []ordermgmt.FindingKind
		if e.OrderID != 0 {
			orders++
			want = d.want[e.OrderID]
		} else {
			want = d.wantLoose[e.Dintero.TransactionID]
		}
		if !slices.Equal(got, want) {
			t.Errorf("entry %d (%s): found %v, want %v: %+v", e.OrderID, txOf(e), got, want, e.Findings)
		}
	}
	if orders != len(d.want) || len(entries) != len(d.want)+len(d.wantLoose) {
		t.Errorf("%d entries (%d orders), want %d orders and %d loose transactions", len(entries), orders, len(d.want), len(d.wantLoose))
	}
	for _, k := range ordermgmt.FindingKinds() {
		if !seen[k] {
			t.Errorf("the demo has no %s", k)
		}
	}
}

func txOf(e *ordermgmt.AuditEntry) string {
	if e.Dintero != nil {
		return e.Dintero.TransactionID
	}
	return "no transaction"
}

// volatile are the parts of a report that change from run to run:
// transaction and session ids, times and dates.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`T12345678\.[1-9A-HJ-NP-Za-km-z]{22}`), "T12345678.<id>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "<time>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d( \d\d:\d\d( UTC)?)?`), "<date>"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "<host>"},
}

func normalise(b []byte) []byte {
	for _, v := range volatile {
		b = v.re.ReplaceAll(b, []byte(v.with))
	}
	return b
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	got = normalise(got)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./examples/audit -run Golden -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got  %s\n want %s\n(-update rewrites it after a deliberate change)", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: %d lines, want %d", name, len(gl), len(wl))
	}
}

// demoReport is the demo's report with a fixed generation time.
func demoReport(t *testing.T) *report {
	d := newTestDemo(t)
	entries := audit(t, d)
	var sum ordermgmt.AuditSummary
	for _, e := range entries {
		sum.Add(e)
	}
	return &report{Entries: entries, Summary: &sum, AdminURL: d.store.URL + "/wp-admin", Generated: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
}

func TestGoldenReports(t *testing.T) {
	r := demoReport(t)
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"audit.csv.golden", func(b *bytes.Buffer) error { return r.writeCSV(b) }},
		{"audit.jsonl.golden", func(b *bytes.Buffer) error { return r.writeJSONL(b) }},
		{"report.html.golden", func(b *bytes.Buffer) error { return r.writeHTML(b) }},
		{"summary.txt.golden", func(b *bytes.Buffer) error { r.writeSummary(b); return nil }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, f.name, b.Bytes())
	}
}

// TestHTMLIsSelfContained: no script, no external asset, every kind
// listed, every order linked to its admin page.
func TestHTMLIsSelfContained(t *testing.T) {
	r := demoReport(t)
	var b bytes.Buffer
	if err := r.writeHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "src=\"http", "href=\"http://", "@import", "url("} {
		if bad == "href=\"http://" {
			// Links to the store's admin pages are the only URLs.
			page = strings.ReplaceAll(page, "href=\""+r.AdminURL, "href=\"ADMIN")
		}
		if strings.Contains(page, bad) {
			t.Errorf("the report contains %q", bad)
		}
	}
	for _, k := range ordermgmt.FindingKinds() {
		if !strings.Contains(page, `id="kind-`+string(k)+`"`) {
			t.Errorf("no section for %s", k)
		}
	}
	if n := strings.Count(page, "<svg"); n < 3 {
		t.Errorf("%d charts", n)
	}
	if !strings.Contains(page, "ADMIN/post.php?post=") {
		t.Error("no link to an order's admin page")
	}
}

// TestRunDemoAndReconcile runs the command as an operator would: the
// summary lists every kind, nothing goes to stderr when it is not a
// terminal, and -reconcile -yes acts on the orders with a plan.
func TestRunDemoAndReconcile(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-demo", "-csv", filepath.Join(dir, "a.csv"), "-jsonl", filepath.Join(dir, "a.jsonl"), "-html", filepath.Join(dir, "r.html"), "-reconcile", "-yes"}
	if err := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, k := range ordermgmt.FindingKinds() {
		if !strings.Contains(out, string(k)) {
			t.Errorf("the summary does not list %s", k)
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr is not a terminal, yet got %q", stderr.String())
	}
	if !strings.Contains(out, "capture 3098.00 NOK") || !strings.Contains(out, "done") {
		t.Errorf("reconcile did not show and run the capture:\n%s", out)
	}
	for _, f := range []string{"a.csv", "a.jsonl", "r.html"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestReconcileAsksFirst: without -yes, anything but "y" changes nothing.
func TestReconcileAsksFirst(t *testing.T) {
	d := newTestDemo(t)
	entries := audit(t, d)
	var out bytes.Buffer
	if err := reconcile(context.Background(), d.engine, entries, false, strings.NewReader("n\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[y/N]") || !strings.Contains(out.String(), "Nothing done.") {
		t.Errorf("output %q", out.String())
	}
	after := audit(t, d)
	for i := range entries {
		if !slices.Equal(entries[i].Plan, after[i].Plan) {
			t.Errorf("order %d changed without consent", entries[i].OrderID)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-from", "2026-11-01", "-to", "2026-11-30"}, true},
		{[]string{"-from", "2026-11-01T10:00:00Z"}, true},
		{[]string{"-from", "yesterday"}, false},
		{[]string{"-from", "2026-11-30", "-to", "2026-11-01"}, false},
		{[]string{"-concurrency", "0"}, false},
		{[]string{"-yes"}, false},
		{[]string{"-demo", "stray"}, false},
		{[]string{"-reconcile", "-yes"}, true},
	} {
		_, err := parseFlags(tt.args, &bytes.Buffer{})
		if (err == nil) != tt.ok {
			t.Errorf("%v: %v", tt.args, err)
		}
	}
	c, _ := parseFlags([]string{"-to", "2026-11-30"}, &bytes.Buffer{})
	if want := time.Date(2026, 11, 30, 23, 59, 59, 999999999, time.UTC); !c.to.Equal(want) {
		t.Errorf("-to a day ends at %s", c.to)
	}
}

// TestRunRefusesBadOutputsFirst: an output path that cannot be written
// fails before the audit runs; -h is not an error.
func TestRunRefusesBadOutputsFirst(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-demo", "-csv", filepath.Join(t.TempDir(), "missing", "a.csv")}, strings.NewReader(""), &out, &errOut)
	if err == nil || out.Len() != 0 {
		t.Errorf("err %v, output %q", err, out.String())
	}
	if err := run(context.Background(), []string{"-h"}, strings.NewReader(""), &out, &errOut); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

// TestCSVGuardsFormulas: text that a spreadsheet would run is quoted.
func TestCSVGuardsFormulas(t *testing.T) {
	r := &report{Entries: []*ordermgmt.AuditEntry{{OrderID: 7, Number: "=HYPERLINK(\"http://evil\")", Currency: "NOK",
		Findings: []ordermgmt.Finding{{Kind: ordermgmt.FindingManualRefund, Severity: ordermgmt.SeverityInfo, Message: "+1"}}}},
		Summary: &ordermgmt.AuditSummary{}}
	var b bytes.Buffer
	if err := r.writeCSV(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `'=HYPERLINK`) || !strings.Contains(b.String(), ",'+1,") {
		t.Errorf("csv %s", b.String())
	}
}

// TestUnreadableEntriesAreReported: an entry that could not be read shows
// in the summary and the HTML, is left out of the totals, and makes the
// command fail.
func TestUnreadableEntriesAreReported(t *testing.T) {
	d := newTestDemo(t)
	d.dt.InjectFault(dinterotest.RouteGetTransaction, dinterotest.Fault{Status: 400, Times: 1})
	entries := audit(t, d)
	var sum ordermgmt.AuditSummary
	failed := 0
	for _, e := range entries {
		sum.Add(e)
		if e.Err != "" {
			failed++
		}
	}
	if failed != 1 || sum.Failed != 1 {
		t.Fatalf("failed %d, summary %d", failed, sum.Failed)
	}
	counted := 0
	for _, e := range entries {
		if e.Err == "" && e.Woo != nil && e.Woo.Counted && e.Currency == "NOK" {
			counted++
		}
	}
	if sum.Totals["NOK"].Orders != counted || counted == 0 {
		t.Errorf("totals count %d orders, want the %d counted and readable", sum.Totals["NOK"].Orders, counted)
	}
	r := &report{Entries: entries, Summary: &sum}
	var page, text bytes.Buffer
	r.writeHTML(&page)
	r.writeSummary(&text)
	if !strings.Contains(page.String(), `id="unreadable"`) || !strings.Contains(text.String(), "UNREADABLE") {
		t.Error("the unreadable entry is not shown")
	}
}

// TestOutputsReplacedOnlyWhenComplete: a run that fails leaves a report
// already there as it was.
func TestOutputsReplacedOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.html")
	os.WriteFile(keep, []byte("yesterday's report"), 0o644)
	t.Setenv("WC_URL", "") // a real run without its settings fails
	err := run(context.Background(), []string{"-html", keep}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("a run without settings succeeded")
	}
	if b, _ := os.ReadFile(keep); string(b) != "yesterday's report" {
		t.Errorf("the old report became %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".keep.html.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := parseFlags([]string{"-csv", "x.out", "-html", "./x.out"}, &bytes.Buffer{}); err == nil {
		t.Error("one path for two outputs was accepted")
	}
}

// TestFailOn: -fail-on error makes a run with error findings fail with
// errFindings (exit status 3); the default does not.
func TestFailOn(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-demo"}, strings.NewReader(""), &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("default: %v", err)
	}
	err := run(context.Background(), []string{"-demo", "-fail-on", "error"}, strings.NewReader(""), &out, &bytes.Buffer{})
	if !errors.Is(err, errFindings) {
		t.Errorf("-fail-on error: %v", err)
	}
	if _, err := parseFlags([]string{"-fail-on", "sometimes"}, &bytes.Buffer{}); err == nil {
		t.Error("a bad -fail-on was accepted")
	}
}
