package main

import (
	"bytes"
	"strings"
	"testing"
)

func runTool(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestShowsDemoOrder(t *testing.T) {
	code, out, _ := runTool("")
	if code != 0 || !strings.Contains(out, "Order 101 (completed): 3398.01 NOK") || !strings.Contains(out, "102  2 × Chair") {
		t.Errorf("code %d\n%s", code, out)
	}
}

func TestRefundsWithConfirmation(t *testing.T) {
	code, out, errOut := runTool("y\n", "-item", "102", "-qty", "1")
	if code != 0 || !strings.Contains(out, "Refund 1250.00 NOK on order 101 via Dintero:") ||
		!strings.Contains(out, "Refunded 1250.00 NOK") || !strings.Contains(out, "partially refunded. Refunded amount: 1250.00 NOK.") {
		t.Errorf("code %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runTool("n\n", "-amount", "100")
	if code != 1 || !strings.Contains(out, "Nothing was refunded.") {
		t.Errorf("declined: code %d\n%s", code, out)
	}
	code, out, _ = runTool("", "-item", "105", "-total", "79.20", "-tax", "19.80", "-yes")
	if code != 0 || !strings.Contains(out, "Refunded 99.00 NOK") {
		t.Errorf("shipping: code %d\n%s", code, out)
	}
}

func TestRefusesBadInput(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown order":    {"-order", "9999", "-amount", "10", "-yes"},
		"more than left":   {"-item", "102", "-qty", "3", "-yes"},
		"above the order":  {"-amount", "5000", "-yes"},
		"negative amount":  {"-amount", "-5", "-yes"},
		"over-precise":     {"-amount", "10.005", "-yes"},
		"not a number":     {"-amount", "ten", "-yes"},
		"unknown item":     {"-item", "1", "-qty", "1", "-yes"},
		"negative qty":     {"-item", "102", "-qty", "-1", "-yes"},
		"item and amount":  {"-item", "102", "-qty", "1", "-amount", "1", "-yes"},
		"tax without sum":  {"-item", "102", "-tax", "1", "-yes"},
		"nothing":          {"-reason", "x"},
		"real needs order": {"-real", "-amount", "1"},
	} {
		code, out, errOut := runTool("", args...)
		lines := strings.Count(strings.TrimSpace(errOut), "\n") + 1
		if code == 0 || lines != 1 || !strings.HasPrefix(errOut, "refund: ") || strings.Contains(out, "Refunded") {
			t.Errorf("%s: code %d, stderr %q, stdout %q", name, code, errOut, out)
		}
	}
}
