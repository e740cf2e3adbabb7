package dinterotest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
)

// TestCallbackSignatureDocsVector is the vector in Dintero's docs (D-SIG),
// re-computed in dintero_api.md.
func TestCallbackSignatureDocsVector(t *testing.T) {
	u, _ := url.Parse("https://example.com/callback?B=123&A=992")
	got := callbackSignature([]byte("123"), "P00000000", "GET", u, time.Unix(1582236537, 0))
	want := "t=1582236537,v0-hmac-sha256=6bed2ab1b919d460ef7465a20dc6c97260dca73fab6647106ca525f0908df64a"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestCallbackSignatureInterop: what this server signs, the client's
// verifier accepts, for queries that stress the WHATWG serialisation
// (spaces, '*', '~', repeated and unsorted keys, UTF-8), and a changed
// query fails. The two implementations share no code.
func TestCallbackSignatureInterop(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1764500000, 0)
	for _, raw := range []string{
		"https://shop.test/cb?transaction_id=T1&sid=S1&merchant_reference=wc+1&time=2026-11-30T10%3A00%3A00Z",
		"https://shop.test:8443/wp/cb?b=2&a=1&b=1&x=%2A~%7E&y=a+b%20c&z=%C3%A6%C3%B8",
		"http://127.0.0.1:9999/?report_event=CAPTURE&report_event=REFUND&method=POST",
	} {
		u, _ := url.Parse(raw)
		sig := callbackSignature(secret, "T12345678", "POST", u, now)
		v := &dintero.CallbackVerifier{Secret: secret, AccountID: "T12345678", PublicURL: &url.URL{Scheme: u.Scheme, Host: u.Host},
			Now: func() time.Time { return now }}
		r, _ := http.NewRequest("POST", raw, nil)
		r.Header.Set("Dintero-Signature", sig)
		if err := v.Verify(r); err != nil {
			t.Errorf("%s: the client refuses the server's signature: %v", raw, err)
		}
		r2, _ := http.NewRequest("POST", raw+"&extra=1", nil)
		r2.Header.Set("Dintero-Signature", sig)
		if err := v.Verify(r2); err == nil {
			t.Errorf("%s: a changed query still verifies", raw)
		}
	}
}
