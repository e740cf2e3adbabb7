package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar on a terminal and nothing elsewhere, so that a log
// or a pipe gets only the summary.
type progress struct {
	w              io.Writer
	on             bool
	total, n, hits int
	started, drawn time.Time
}

// newProgress draws on w only when w is a terminal. total is the number of
// orders expected (0 when unknown: a counter instead of a bar).
func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, on: isTerminal(w), total: total, started: time.Now()}
}

// isTerminal reports whether w is a character device (a TTY).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// step counts one entry and its findings, redrawing at most 20 times a
// second.
func (p *progress) step(findings int) {
	p.n++
	p.hits += findings
	if p.on && time.Since(p.drawn) > 50*time.Millisecond {
		p.draw()
	}
}

func (p *progress) draw() {
	p.drawn = time.Now()
	elapsed := time.Since(p.started).Round(100 * time.Millisecond)
	if p.total <= 0 || p.n > p.total {
		fmt.Fprintf(p.w, "\r\033[Kaudited %d, %d findings, %s", p.n, p.hits, elapsed)
		return
	}
	const width = 30
	filled := p.n * width / p.total
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %3d%% of %d orders listed, %d findings, %s",
		strings.Repeat("#", filled), strings.Repeat("-", width-filled), p.n*100/p.total, p.total, p.hits, elapsed)
}

// done draws the last state and ends the line. The total counts orders of
// every payment method and the audit only Dintero's, so the bar is filled
// when the list is done.
func (p *progress) done() {
	if !p.on {
		return
	}
	if p.total > 0 {
		p.n = max(p.n, p.total)
	}
	p.draw()
	fmt.Fprintln(p.w)
}
