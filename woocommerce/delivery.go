package woocommerce

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Webhook delivery headers.
const (
	HeaderSignature  = "X-WC-Webhook-Signature"
	HeaderTopic      = "X-WC-Webhook-Topic"
	HeaderResource   = "X-WC-Webhook-Resource"
	HeaderEvent      = "X-WC-Webhook-Event"
	HeaderWebhookID  = "X-WC-Webhook-ID"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID"
	HeaderSource     = "X-WC-Webhook-Source"
)

// Errors of webhook verification.
var (
	ErrSignatureMissing = errors.New("woocommerce: webhook signature missing")
	ErrSignatureInvalid = errors.New("woocommerce: webhook signature invalid")
	ErrBadDelivery      = errors.New("woocommerce: bad webhook delivery")
	ErrDeliveryTooLarge = errors.New("woocommerce: webhook delivery too large")
	// ErrNoSecret: an empty webhook secret would accept anything signed
	// with the empty key.
	ErrNoSecret = errors.New("woocommerce: the webhook secret is empty")
)

// VerifyWebhookSignature checks X-WC-Webhook-Signature: base64 of
// HMAC-SHA256 of the raw body with the webhook's secret (not the API
// consumer secret). Verify the bytes as received: WooCommerce escapes "/"
// and non-ASCII in its JSON, so re-encoded JSON never matches.
func VerifyWebhookSignature(body []byte, signature, secret string) error {
	if secret == "" {
		return ErrNoSecret
	}
	if signature == "" {
		return ErrSignatureMissing
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return fmt.Errorf("%w: not base64", ErrSignatureInvalid)
	}
	m := hmac.New(sha256.New, []byte(specialCharsDecode(secret)))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignatureInvalid
	}
	return nil
}

// specialCharsDecode is wp_specialchars_decode(secret, ENT_QUOTES), which
// WooCommerce applies to the secret before signing (class-wc-webhook.php
// 461–466): a secret saved with "&amp;" in it signs with "&".
func specialCharsDecode(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&amp;", "&", "&#038;", "&", "&#x26;", "&", "&lt;", "<", "&#060;", "<", "&gt;", ">", "&#062;", ">",
		"&quot;", `"`, "&#034;", `"`, "&#x22;", `"`, "&#039;", "'", "&#x27;", "'").Replace(s)
}

// SignWebhook returns the X-WC-Webhook-Signature WooCommerce sends for
// body; for tests and the in-process store.
func SignWebhook(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(specialCharsDecode(secret)))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Delivery is one webhook delivery.
type Delivery struct {
	Topic, Resource, Event string
	WebhookID              int64
	DeliveryID             string
	Source                 string
	// Ping is set for the form-encoded "webhook_id=N" WooCommerce posts
	// when a webhook is created; it carries no signature and no data.
	Ping bool
	// Body is the raw payload.
	Body []byte
}

// Order decodes the payload of an order topic. For order.deleted only the
// ID is set.
func (d *Delivery) Order() (*Order, error) {
	if d.Resource != "order" {
		return nil, fmt.Errorf("%w: resource %q is not order", ErrBadDelivery, d.Resource)
	}
	var o Order
	if err := (orderBody{&o}).DecodeBody(d.Body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDelivery, err)
	}
	if o.ID <= 0 {
		return nil, fmt.Errorf("%w: payload has no order id", ErrBadDelivery)
	}
	return &o, nil
}

// DefaultMaxWebhookBytes bounds a delivery's body in ParseDelivery.
const DefaultMaxWebhookBytes = 4 << 20

// ParseDelivery reads a delivery, verifying its signature with secret. A
// ping is recognised and returned with Ping set and no verification,
// because WooCommerce sends it unsigned. Bodies over maxBytes (<= 0 means
// DefaultMaxWebhookBytes) are refused.
func ParseDelivery(r *http.Request, secret string, maxBytes int64) (*Delivery, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxWebhookBytes
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %v", ErrBadDelivery, err)
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrDeliveryTooLarge, maxBytes)
	}
	d := &Delivery{
		Topic: r.Header.Get(HeaderTopic), Resource: r.Header.Get(HeaderResource), Event: r.Header.Get(HeaderEvent),
		DeliveryID: r.Header.Get(HeaderDeliveryID), Source: r.Header.Get(HeaderSource), Body: body,
	}
	d.WebhookID, _ = strconv.ParseInt(r.Header.Get(HeaderWebhookID), 10, 64)
	if r.Header.Get(HeaderSignature) == "" && isPing(r, body) {
		d.Ping = true
		if q, err := url.ParseQuery(string(body)); err == nil {
			d.WebhookID, _ = strconv.ParseInt(q.Get("webhook_id"), 10, 64)
		}
		return d, nil
	}
	if err := VerifyWebhookSignature(body, r.Header.Get(HeaderSignature), secret); err != nil {
		return nil, err
	}
	if d.Resource == "" && d.Topic != "" {
		d.Resource, d.Event, _ = strings.Cut(d.Topic, ".")
	}
	return d, nil
}

func isPing(r *http.Request, body []byte) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && !bytes.HasPrefix(body, []byte("webhook_id=")) {
		return false
	}
	q, err := url.ParseQuery(string(body))
	return err == nil && len(q) == 1 && q.Get("webhook_id") != ""
}

// maxPingBytes bounds the body of an unsigned delivery, which can only be
// WooCommerce's ping ("webhook_id=123").
const maxPingBytes = 256

// WebhookHandler returns an http.Handler for WooCommerce deliveries: it
// answers pings 200, refuses unsigned or forged deliveries with 401,
// oversized ones with 413, and passes the rest to fn. An error from fn
// answers 500 (WooCommerce does not retry, so a poller should back the
// handler up). A delivery without a signature is refused before its body
// is read, unless it is small enough to be a ping. An empty secret is
// refused here, with ErrNoSecret: it would accept anything signed with the
// empty key (as os.Getenv of an unset variable gives).
func WebhookHandler(secret string, fn func(context.Context, *Delivery) error) (http.Handler, error) {
	if secret == "" {
		return nil, ErrNoSecret
	}
	if fn == nil {
		return nil, fmt.Errorf("%w: nil delivery func", ErrInvalidRequest)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		max := int64(DefaultMaxWebhookBytes)
		if r.Header.Get(HeaderSignature) == "" {
			// Only a ping comes unsigned: nothing larger is read.
			if r.ContentLength > maxPingBytes {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			max = maxPingBytes
		}
		d, err := ParseDelivery(r, secret, max)
		switch {
		case errors.Is(err, ErrSignatureMissing), errors.Is(err, ErrSignatureInvalid):
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		case errors.Is(err, ErrDeliveryTooLarge):
			http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "bad delivery", http.StatusBadRequest)
			return
		case d.Ping:
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := fn(r.Context(), d); err != nil {
			http.Error(w, "delivery not processed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}), nil
}
