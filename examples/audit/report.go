package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/ordermgmt"
)

// report is an audit's entries and summary, ready to be written.
type report struct {
	Entries    []*ordermgmt.AuditEntry
	Summary    *ordermgmt.AuditSummary
	AdminURL   string // wp-admin, for links to orders
	Generated  time.Time
	From, To   time.Time
	ByModified bool
	Took       time.Duration
}

// amount formats minor units of a currency as notes do ("1234.50 NOK");
// an unknown currency shows the minor units.
func amount(minor int64, currency string) string {
	if s, err := money.Format(minor, currency); err == nil {
		return s
	}
	return strconv.FormatInt(minor, 10) + " (minor units) " + currency
}

// decimalAmount is minor units as a plain decimal, for CSV ("1234.50").
func decimalAmount(minor int64, currency string) string {
	if d, err := money.FromMinor(minor, currency); err == nil {
		cur, _ := money.Lookup(currency)
		return d.StringFixed(cur.Exponent)
	}
	return strconv.FormatInt(minor, 10)
}

func (r *report) rangeText() string {
	by := "created"
	if r.ByModified {
		by = "modified"
	}
	day := func(t time.Time, open string) string {
		if t.IsZero() {
			return open
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	return fmt.Sprintf("orders %s from %s to %s", by, day(r.From, "the first"), day(r.To, "now"))
}

// writeSummary prints the table the operator reads at the end: every kind
// with its count, and the books' totals per currency.
func (r *report) writeSummary(w io.Writer) {
	s := r.Summary
	orders, loose := 0, 0
	for _, e := range r.Entries {
		if e.OrderID == 0 {
			loose++
		} else {
			orders++
		}
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	}
	fmt.Fprintf(w, "Audited %s and %s without an order (%s, %d unreadable) in %s.\n\n", plural(orders, "order", "orders"),
		plural(loose, "transaction", "transactions"), r.rangeText(), s.Failed, r.Took.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FINDING\tSEVERITY\tCOUNT")
	for _, k := range ordermgmt.FindingKinds() {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", k, k.Severity(), s.ByKind[k])
	}
	tw.Flush()
	if s.Failed > 0 {
		fmt.Fprintf(w, "\nUNREADABLE (left out of the totals):\n")
		for _, e := range r.Entries {
			if e.Err != "" {
				fmt.Fprintf(w, "  %s: %s\n", label(e), e.Err)
			}
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CURRENCY\tORDERS\tWOO TOTAL\tWOO REFUNDED\tDINTERO CAPTURED\tDINTERO REFUNDED\tDIFFERENCE\t")
	for _, cur := range slices.Sorted(maps.Keys(s.Totals)) {
		t := s.Totals[cur]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", cur, t.Orders, decimalAmount(t.WooTotal, cur), decimalAmount(t.WooRefunded, cur),
			decimalAmount(t.DinteroCaptured, cur), decimalAmount(t.DinteroRefunded, cur), decimalAmount(t.Difference(), cur))
	}
	tw.Flush()
}

var csvHeader = []string{"order_id", "number", "currency", "woo_status", "woo_total", "woo_refunded", "transaction_id",
	"dintero_status", "authorized", "captured", "refunded", "pending_capture", "pending_refund", "kind", "severity", "message", "plan", "blocked", "error"}

// cell keeps a text cell from being read as a formula by a spreadsheet
// (a reason or number that starts with =, +, -, @, tab or CR), as OWASP
// advises: a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeCSV writes one row per finding, and one for an entry without any,
// amounts as decimals of the entry's currency; text cells are guarded
// against formula injection.
func (r *report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, e := range r.Entries {
		base := make([]string, 0, len(csvHeader))
		order := ""
		if e.OrderID != 0 {
			order = strconv.FormatInt(e.OrderID, 10)
		}
		base = append(base, order, cell(e.Number), e.Currency)
		if e.Woo != nil {
			base = append(base, string(e.Woo.Status), decimalAmount(e.Woo.Total, e.Currency), decimalAmount(e.Woo.Refunded, e.Currency))
		} else {
			base = append(base, "", "", "")
		}
		if d := e.Dintero; d != nil {
			base = append(base, cell(d.TransactionID), string(d.Status), decimalAmount(d.Authorized, d.Currency), decimalAmount(d.Captured, d.Currency),
				decimalAmount(d.Refunded, d.Currency), decimalAmount(d.PendingCapture, d.Currency), decimalAmount(d.PendingRefund, d.Currency))
		} else {
			tx := ""
			if e.Woo != nil {
				tx = e.Woo.Transaction
			}
			base = append(base, cell(tx), "", "", "", "", "", "")
		}
		plan := cell(strings.Join(e.Plan, "; "))
		if len(e.Findings) == 0 {
			cw.Write(append(base, "", "", "", plan, cell(e.Blocked), cell(e.Err)))
		}
		for _, f := range e.Findings {
			cw.Write(append(slices.Clone(base), string(f.Kind), f.Severity.String(), cell(f.Message), plan, cell(e.Blocked), cell(e.Err)))
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSONL writes each entry as one line of JSON (amounts in minor
// units, as the library gives them).
func (r *report) writeJSONL(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, e := range r.Entries {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// kindGroup is one kind's entries in the HTML report.
type kindGroup struct {
	Kind     ordermgmt.FindingKind
	Severity ordermgmt.Severity
	Rows     []kindRow
}

type kindRow struct {
	Entry   *ordermgmt.AuditEntry
	Finding ordermgmt.Finding
	Link    string
	Label   string
}

type totalsRow struct {
	Currency                                                    string
	Orders                                                      int
	WooTotal, WooRefunded, Captured, Refunded, Authorized, Diff string
}

// writeHTML writes one self-contained page: no scripts, no external
// assets; the charts are inline SVG.
func (r *report) writeHTML(w io.Writer) error {
	var groups []kindGroup
	for _, k := range ordermgmt.FindingKinds() {
		g := kindGroup{Kind: k, Severity: k.Severity()}
		for _, e := range r.Entries {
			for _, f := range e.Findings {
				if f.Kind == k {
					g.Rows = append(g.Rows, kindRow{Entry: e, Finding: f, Link: r.link(e), Label: label(e)})
				}
			}
		}
		groups = append(groups, g)
	}
	var totals []totalsRow
	for _, cur := range slices.Sorted(maps.Keys(r.Summary.Totals)) {
		t := r.Summary.Totals[cur]
		totals = append(totals, totalsRow{Currency: cur, Orders: t.Orders, WooTotal: amount(t.WooTotal, cur), WooRefunded: amount(t.WooRefunded, cur),
			Authorized: amount(t.DinteroAuthorized, cur), Captured: amount(t.DinteroCaptured, cur), Refunded: amount(t.DinteroRefunded, cur),
			Diff: amount(t.Difference(), cur)})
	}
	var unreadable []kindRow
	for _, e := range r.Entries {
		if e.Err != "" {
			unreadable = append(unreadable, kindRow{Entry: e, Link: r.link(e), Label: label(e)})
		}
	}
	data := map[string]any{
		"Unreadable": unreadable,
		"Title":      "Audit: WooCommerce and Dintero side by side", "Generated": r.Generated.Format("2006-01-02 15:04 UTC"),
		"Range": r.rangeText(), "Entries": len(r.Entries), "Summary": r.Summary, "Groups": groups, "Totals": totals,
		"Charts": r.charts(),
	}
	return reportTemplate.Execute(w, data)
}

// link is the order's admin page, or "" for a transaction without one.
func (r *report) link(e *ordermgmt.AuditEntry) string {
	if e.OrderID == 0 || r.AdminURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/post.php?post=%d&action=edit", r.AdminURL, e.OrderID)
}

func label(e *ordermgmt.AuditEntry) string {
	if e.OrderID == 0 {
		if e.Dintero != nil {
			return "transaction " + e.Dintero.TransactionID
		}
		return "transaction"
	}
	return "order #" + strconv.FormatInt(e.OrderID, 10)
}

// chart is one inline SVG with its caption.
type chart struct {
	ID, Caption string
	SVG         template.HTML
}

// charts draws findings by kind, and per currency and day (of the order's
// creation) what was completed against what was captured, and what each
// book refunded.
func (r *report) charts() []chart {
	var out []chart
	var bars []bar
	for _, k := range ordermgmt.FindingKinds() {
		bars = append(bars, bar{Label: string(k), Values: []int64{int64(r.Summary.ByKind[k])}})
	}
	out = append(out, chart{ID: "chart-findings", Caption: "Findings by kind", SVG: barChart(bars, []string{"findings"}, func(v int64) string { return strconv.FormatInt(v, 10) })})
	type day struct{ completed, captured, wooRefunded, dinteroRefunded int64 }
	perCur := map[string]map[string]*day{}
	for _, e := range r.Entries {
		if e.Woo == nil || e.Err != "" {
			continue // as the totals: half-read books are left out
		}
		if perCur[e.Currency] == nil {
			perCur[e.Currency] = map[string]*day{}
		}
		key := e.Woo.Created.UTC().Format("2006-01-02")
		d := perCur[e.Currency][key]
		if d == nil {
			d = &day{}
			perCur[e.Currency][key] = d
		}
		if e.Woo.Status == "completed" {
			d.completed += e.Woo.Total
		}
		d.wooRefunded += e.Woo.Refunded
		if e.Dintero != nil {
			d.captured += e.Dintero.Captured
			d.dinteroRefunded += e.Dintero.Refunded
		}
	}
	for _, cur := range slices.Sorted(maps.Keys(perCur)) {
		days := slices.Sorted(maps.Keys(perCur[cur]))
		var cap, ref []bar
		for _, k := range days {
			d := perCur[cur][k]
			cap = append(cap, bar{Label: k, Values: []int64{d.completed, d.captured}})
			ref = append(ref, bar{Label: k, Values: []int64{d.wooRefunded, d.dinteroRefunded}})
		}
		f := func(v int64) string { return amount(v, cur) }
		out = append(out,
			chart{ID: "chart-captured-" + cur, Caption: "Completed orders against Dintero captures per day, " + cur,
				SVG: barChart(cap, []string{"completed in WooCommerce", "captured at Dintero"}, f)},
			chart{ID: "chart-refunds-" + cur, Caption: "Refunds per book per day, " + cur,
				SVG: barChart(ref, []string{"refunded in WooCommerce", "refunded at Dintero"}, f)})
	}
	return out
}

// bar is one group of horizontal bars.
type bar struct {
	Label  string
	Values []int64
}

var seriesColours = []string{"#2f6fb0", "#e08a1e", "#3a9a5b"}

// barChart draws grouped horizontal bars with a legend, scaled to the
// largest value, as an SVG element.
func barChart(bars []bar, series []string, format func(int64) string) template.HTML {
	const labelW, plotW, valueW, rowH, barH = 220, 420, 170, 8, 14
	var maxV int64 = 1
	for _, b := range bars {
		for _, v := range b.Values {
			maxV = max(maxV, v)
		}
	}
	groupH := len(series)*barH + rowH
	height := 30 + len(bars)*groupH
	width := labelW + plotW + valueW
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, width, height, width, height)
	for i, s := range series {
		x := labelW + i*200
		fmt.Fprintf(&sb, `<rect x="%d" y="6" width="12" height="12" fill="%s"/><text x="%d" y="16" class="legend">%s</text>`,
			x, seriesColours[i%len(seriesColours)], x+16, html.EscapeString(s))
	}
	for i, b := range bars {
		y := 30 + i*groupH
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="label" text-anchor="end">%s</text>`, labelW-8, y+barH*len(series)/2+4, html.EscapeString(b.Label))
		for j, v := range b.Values {
			w := int(v * plotW / maxV)
			if v > 0 && w == 0 {
				w = 1
			}
			by := y + j*barH
			fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %s</title></rect>`,
				labelW, by, w, barH-2, seriesColours[j%len(seriesColours)], html.EscapeString(series[j]), html.EscapeString(format(v)))
			fmt.Fprintf(&sb, `<text x="%d" y="%d" class="value">%s</text>`, labelW+w+6, by+barH-4, html.EscapeString(format(v)))
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // built from escaped text only
}

var reportTemplate = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #1d2327; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccd0d4; }
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev { font-weight: 600; border-radius: 3px; padding: 0 .4em; }
.sev-error { background: #fbe3e4; color: #8a1f11; } .sev-warning { background: #fff3cd; color: #7a5b00; } .sev-info { background: #e7f1fb; color: #1d4f7c; }
.meta { color: #646970; } .zero { color: #a7aaad; }
details.kind { margin: .8em 0; } details.kind summary { cursor: pointer; font-weight: 600; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2327; } figure { margin: 1em 0; } figcaption { color: #646970; }
ul.plan { margin: 0; padding-left: 1.2em; } p.blocked { margin: 0; color: #8a1f11; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="meta">Generated {{.Generated}} · {{.Range}} · {{.Entries}} entries</p>
</header>
<section id="summary">
<h2>Summary</h2>
<table class="kinds">
<thead><tr><th>Finding</th><th>Severity</th><th class="num">Count</th></tr></thead>
<tbody>
{{range .Groups}}<tr{{if not .Rows}} class="zero"{{end}}><td><a href="#kind-{{.Kind}}">{{.Kind}}</a></td><td><span class="sev sev-{{.Severity}}">{{.Severity}}</span></td><td class="num">{{len .Rows}}</td></tr>
{{end}}</tbody>
</table>
<table class="totals">
<thead><tr><th>Currency</th><th class="num">Orders</th><th class="num">WooCommerce total</th><th class="num">WooCommerce refunded</th><th class="num">Dintero authorized</th><th class="num">Dintero captured</th><th class="num">Dintero refunded</th><th class="num">Difference</th></tr></thead>
<tbody>
{{range .Totals}}<tr><td>{{.Currency}}</td><td class="num">{{.Orders}}</td><td class="num">{{.WooTotal}}</td><td class="num">{{.WooRefunded}}</td><td class="num">{{.Authorized}}</td><td class="num">{{.Captured}}</td><td class="num">{{.Refunded}}</td><td class="num">{{.Diff}}</td></tr>
{{end}}</tbody>
</table>
<p class="meta">Difference is what the store keeps (totals less refunds) less what Dintero kept (captured less refunded): orders not yet captured make it positive, money returned by hand makes it negative.</p>
{{if .Unreadable}}<h3 id="unreadable">Unreadable ({{len .Unreadable}}), left out of the totals</h3>
<table class="unreadable">
<thead><tr><th>Entry</th><th>Why</th></tr></thead>
<tbody>
{{range .Unreadable}}<tr><td>{{if .Link}}<a href="{{.Link}}">{{.Label}}</a>{{else}}{{.Label}}{{end}}</td><td>{{.Entry.Err}}</td></tr>
{{end}}</tbody>
</table>
{{end}}</section>
<section id="charts">
<h2>Charts</h2>
{{range .Charts}}<figure class="chart" id="{{.ID}}">{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</section>
<section id="findings">
<h2>Findings by kind</h2>
{{range .Groups}}{{if .Rows}}<details class="kind" id="kind-{{.Kind}}" open>
<summary>{{.Kind}} ({{len .Rows}})</summary>
<table>
<thead><tr><th>Entry</th><th>Severity</th><th>Finding</th><th>WooCommerce</th><th>Dintero</th><th>Reconcile would</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td>{{if .Link}}<a href="{{.Link}}">{{.Label}}</a>{{else}}{{.Label}}{{end}}</td><td><span class="sev sev-{{.Finding.Severity}}">{{.Finding.Severity}}</span></td><td>{{.Finding.Message}}</td><td>{{with .Entry.Woo}}{{.Status}}{{end}}</td><td>{{with .Entry.Dintero}}{{.Status}}{{end}}</td><td>{{if .Entry.Plan}}<ul class="plan">{{range .Entry.Plan}}<li>{{.}}</li>{{end}}</ul>{{end}}{{with .Entry.Blocked}}<p class="blocked">no money moves: {{.}}</p>{{end}}</td></tr>
{{end}}</tbody>
</table>
</details>
{{else}}<p class="zero" id="kind-{{.Kind}}">{{.Kind}}: none</p>
{{end}}{{end}}</section>
</body>
</html>
`))
