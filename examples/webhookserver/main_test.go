package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
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

// Callbacks are verified unless the operator says otherwise, in so many
// words; a verifier needs the public URL (security review, finding 7).
func TestConfigRefusesUnverifiedCallbacksByDefault(t *testing.T) {
	set := func(kv map[string]string) {
		for _, k := range []string{"WC_URL", "WC_KEY", "WC_SECRET", "WC_WEBHOOK_SECRET", "DINTERO_ACCOUNT_ID", "DINTERO_CLIENT_ID",
			"DINTERO_CLIENT_SECRET", "DINTERO_CALLBACK_SECRET", "DINTERO_CALLBACKS_UNSIGNED", "PUBLIC_URL"} {
			t.Setenv(k, kv[k])
		}
	}
	base := map[string]string{"WC_URL": "https://shop.example", "WC_KEY": "ck_x", "WC_SECRET": "cs_x", "WC_WEBHOOK_SECRET": "w",
		"DINTERO_ACCOUNT_ID": "T12345678", "DINTERO_CLIENT_ID": "id", "DINTERO_CLIENT_SECRET": "s"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		env  map[string]string
		want string // "" for accepted
	}{
		{base, "DINTERO_CALLBACK_SECRET is not set"},
		{with(map[string]string{"DINTERO_CALLBACK_SECRET": "c"}), "PUBLIC_URL is not set"},
		{with(map[string]string{"DINTERO_CALLBACK_SECRET": "c", "PUBLIC_URL": "https://hooks.shop.example"}), ""},
		{with(map[string]string{"DINTERO_CALLBACKS_UNSIGNED": "1"}), ""},
	} {
		set(tc.env)
		_, err := configFromEnv()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: err = %v, want %q", tc.env, err, tc.want)
		}
	}
}

// TestStoreNames: a store is named by its URL's host and path, so that the
// stores of one WordPress multisite do not share locks, jobs and a
// checkpoint; STORE_NAME wins; a bad WC_WEBHOOK_URL is refused.
func TestStoreNames(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://shop.example", "shop.example"},
		{"https://shop.example/", "shop.example"},
		{"https://Shop.Example/no/", "shop.example/no"},
		{"https://shop.example/se", "shop.example/se"},
		{"http://127.0.0.1:8080/wp/", "127.0.0.1:8080/wp"},
		{"shop.example", ""},
		{"", ""},
	} {
		if got := storeNameOf(tc.url); got != tc.want {
			t.Errorf("storeNameOf(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
	env := map[string]string{"WC_URL": "https://shop.example/no/", "WC_KEY": "ck_x", "WC_SECRET": "cs_x", "WC_WEBHOOK_SECRET": "w",
		"DINTERO_ACCOUNT_ID": "T12345678", "DINTERO_CLIENT_ID": "id", "DINTERO_CLIENT_SECRET": "s", "DINTERO_CALLBACKS_UNSIGNED": "1",
		"DATABASE_URL": "postgres://db/x", "STORE_NAME": "", "WC_WEBHOOK_URL": ""}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := configFromEnv()
	if err != nil || cfg.storeName != "shop.example/no" {
		t.Fatalf("store %q, %v", cfg.storeName, err)
	}
	t.Setenv("STORE_NAME", "norway")
	if cfg, _ := configFromEnv(); cfg.storeName != "norway" {
		t.Errorf("STORE_NAME: %q", cfg.storeName)
	}
	t.Setenv("WC_WEBHOOK_URL", "/hooks/woocommerce")
	if _, err := configFromEnv(); err == nil || !strings.Contains(err.Error(), "WC_WEBHOOK_URL") {
		t.Errorf("a relative WC_WEBHOOK_URL: %v", err)
	}
}

// Every phase of a connection has a limit, and the work under way is
// bounded (finding 8).
func TestServiceLimits(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes == 0 {
		t.Fatalf("unbounded: %+v", srv)
	}
	// A body over the limit is refused before it is read.
	reached := false
	h := limited(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	r := httptest.NewRequest(http.MethodPost, "/hooks/woocommerce", strings.NewReader(strings.Repeat("x", 10)))
	r.ContentLength = maxBodyBytes + 1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge || reached {
		t.Fatalf("oversized body: %d, handler reached %v", rec.Code, reached)
	}
	// Connections beyond the limit are closed at once.
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &connLimit{Listener: inner, slots: make(chan struct{}, 1)}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c // held open: the slot stays taken
		}
	}()
	first, _ := net.Dial("tcp", inner.Addr().String())
	defer first.Close()
	second, _ := net.Dial("tcp", inner.Addr().String())
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection over the limit was kept: %v", err)
	}
}
