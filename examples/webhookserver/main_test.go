package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	old := os.Stdout
	r, w, _ := os.Pipe()
	os.Stdout = w
	err := runDemo(context.Background(), log)
	w.Close()
	os.Stdout = old
	out, _ := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	for _, want := range []string{
		"WooCommerce completed, Dintero CAPTURED (captured 259900, refunded 0)",
		"WooCommerce cancelled, Dintero AUTHORIZATION_VOIDED (captured 0, refunded 0)",
		"WooCommerce refunded, Dintero REFUNDED (captured 259900, refunded 259900)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"shutting down"`) || strings.Contains(logs.String(), "secret") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestConfigFromEnvNamesWhatIsMissing(t *testing.T) {
	for _, k := range []string{"WC_URL", "WC_KEY", "WC_SECRET", "WC_WEBHOOK_SECRET", "DINTERO_ACCOUNT_ID", "DINTERO_CLIENT_ID", "DINTERO_CLIENT_SECRET"} {
		t.Setenv(k, "")
	}
	t.Setenv("WC_URL", "https://shop.example")
	_, err := configFromEnv()
	if err == nil || !strings.Contains(err.Error(), "WC_KEY is not set") || !strings.Contains(err.Error(), "DINTERO_CLIENT_SECRET is not set") {
		t.Errorf("err = %v", err)
	}
}
