package dinterotest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
)

// The conformance table speaks raw HTTP with JSON written here, never the
// client, and checks each answer against dintero_spec.md. Each case names
// its source there: N:<line> is Dintero's API definition, § a section.

// specHarness holds a server, a token and helpers to make transactions
// in a given state.
type specHarness struct {
	t     *testing.T
	srv   *dinterotest.Server
	base  string // ends in /v1/
	token string
}

func newSpecHarness(t *testing.T, opts ...dinterotest.Option) *specHarness {
	h := &specHarness{t: t, srv: dinterotest.NewServer(opts...)}
	t.Cleanup(h.srv.Close)
	h.base = h.srv.URL
	status, body := h.do("POST", "accounts/"+dinterotest.DefaultAccountID+"/auth/token",
		map[string]string{"Authorization": basic(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret)},
		`{"grant_type":"client_credentials","audience":"https://api.dintero.com/v1/accounts/T12345678"}`)
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	h.token = jsonPath(t, body, "access_token").(string)
	return h
}

func basic(id, secret string) string {
	r, _ := http.NewRequest("GET", "http://x", nil)
	r.SetBasicAuth(id, secret)
	return r.Header.Get("Authorization")
}

// do sends one request; headers without Authorization get the bearer token.
func (h *specHarness) do(method, path string, header map[string]string, body string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if _, ok := header["Authorization"]; !ok && h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// sessionBody is a session of 200.00 + 50.00 shipping, optionally with
// extra items (JSON) that the amount includes.
func sessionBody(ref string, extraAmount int64, extraItems string) string {
	items := `{"id":"sku-1","line_id":"l1","description":"Chair","quantity":1,"amount":20000,"vat_amount":4000,"vat":25}`
	if extraItems != "" {
		items += "," + extraItems
	}
	return fmt.Sprintf(`{"url":{"return_url":"https://shop.test/r"},"profile_id":"default",
	  "customer":{"customer_id":"cust-%[1]s","email":"%[1]s@shop.test"},
	  "order":{"amount":%[2]d,"currency":"NOK","merchant_reference":"%[1]s","items":[%[3]s],
	    "shipping_option":{"id":"bring","line_id":"ship","amount":5000,"vat_amount":1000,"vat":25,"title":"Bring","operator":"Bring"}}}`,
		ref, 25000+extraAmount, items)
}

// session creates a session and returns its id.
func (h *specHarness) session(ref string) string {
	h.t.Helper()
	status, body := h.do("POST", "sessions-profile", map[string]string{"Dintero-System-Name": "conformance"}, sessionBody(ref, 0, ""))
	if status != 200 {
		h.t.Fatalf("session: %d %s", status, body)
	}
	return jsonPath(h.t, body, "id").(string)
}

// tx pays a new session with the product and outcome, then runs the steps
// ("capture 10000", "refund 5000") and returns the transaction id.
func (h *specHarness) tx(product string, outcome dinterotest.Outcome, steps ...string) string {
	h.t.Helper()
	tx, err := h.srv.PayWith(context.Background(), h.session("ref-"+product), outcome, dinterotest.PayOptions{PaymentProductType: product})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, step := range steps {
		op, amount, _ := strings.Cut(step, " ")
		body := ""
		if op != "void" {
			body = `{"amount":` + amount + `}`
		}
		if status, b := h.do("POST", "transactions/"+tx.ID+"/"+op, nil, body); status != 200 {
			h.t.Fatalf("%s: %d %s", step, status, b)
		}
	}
	return tx.ID
}

// jsonPath reads a value from a JSON document: dotted keys, array
// indexes, -1 for the last element and # for an array's length.
func jsonPath(t *testing.T, doc []byte, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, doc)
	}
	if path == "" {
		return v
	}
	for key := range strings.SplitSeq(path, ".") {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[key]
		case []any:
			if key == "#" {
				v = float64(len(cur))
				continue
			}
			i, err := strconv.Atoi(key)
			if i < 0 {
				i += len(cur)
			}
			if err != nil || i < 0 || i >= len(cur) {
				return nil
			}
			v = cur[i]
		default:
			return nil
		}
	}
	return v
}

type specCase struct {
	name, source string
	// run makes the state and returns the request: method, path (under
	// /v1/), headers and body.
	run    func(h *specHarness) (method, path string, header map[string]string, body string)
	status int
	// want are "path=value" checks on the answer (value as JSON would
	// print it; "path=" means absent, "path?" present).
	want []string
}

func req(method, path, body string) (string, string, map[string]string, string) {
	return method, path, nil, body
}

func TestSpecConformance(t *testing.T) {
	const (
		canonicalAudience = `https://api.dintero.com/v1/accounts/T12345678`
		psp               = "dintero_psp.creditcard"
	)
	tokenReq := func(id, secret, audience string) func(*specHarness) (string, string, map[string]string, string) {
		return func(h *specHarness) (string, string, map[string]string, string) {
			aud := strings.ReplaceAll(audience, "{base}", strings.TrimSuffix(h.base, "/v1/"))
			body := `{"grant_type":"client_credentials"`
			if aud != "" {
				body += `,"audience":"` + aud + `"`
			}
			return "POST", "accounts/T12345678/auth/token", map[string]string{"Authorization": basic(id, secret)}, body + "}"
		}
	}
	createSession := func(header map[string]string, body string) func(*specHarness) (string, string, map[string]string, string) {
		return func(*specHarness) (string, string, map[string]string, string) {
			return "POST", "sessions-profile", header, body
		}
	}
	onTx := func(product string, outcome dinterotest.Outcome, steps []string, method, action, body string) func(*specHarness) (string, string, map[string]string, string) {
		return func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx(product, outcome, steps...)
			path := "transactions/" + id
			if action != "" {
				if strings.HasPrefix(action, "?") {
					path += action
				} else {
					path += "/" + action
				}
			}
			return method, path, map[string]string{"Dintero-System-Name": "conformance", "Dintero-System-Version": "1.0"}, body
		}
	}
	capture := func(product string, steps []string, body string) func(*specHarness) (string, string, map[string]string, string) {
		return onTx(product, dinterotest.Authorized, steps, "POST", "capture", body)
	}
	steps := func(s ...string) []string { return s }
	// list makes three transactions (authorized, captured, a Klarna one)
	// and lists with the query.
	list := func(query string) func(*specHarness) (string, string, map[string]string, string) {
		return func(h *specHarness) (string, string, map[string]string, string) {
			h.tx(psp, dinterotest.Authorized)
			h.tx(psp, dinterotest.Authorized, "capture 25000")
			h.tx("klarna.klarna", dinterotest.Authorized)
			return req("GET", "transactions?"+query, "")
		}
	}
	giftCard := `{"id":"gc","line_id":"gift-ABCD","type":"gift_card","description":"Gift card: ABCD","quantity":1,"amount":-5000}`
	errShape := []string{"error.message?"}

	cases := []specCase{
		// §3 token.
		{"token, canonical audience", "§3, N:6519-6555", tokenReq(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, canonicalAudience), 200,
			[]string{"token_type=Bearer", "access_token?", "expires_in=86400"}},
		{"token, userinfo audience", "§3 (NM:13-17)", tokenReq(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, "https://T12345678@api.dintero.com/v1/accounts/T12345678"), 200, []string{"token_type=Bearer"}},
		{"token, audience on the server's own host", "§3 (PY checkout.py:248)", tokenReq(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, "{base}/v1/accounts/T12345678"), 200, []string{"token_type=Bearer"}},
		{"token, audience of another account", "§3 (N:6516-6518)", tokenReq(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, "https://api.dintero.com/v1/accounts/T99999999"), 403, errShape},
		{"token, no audience", "§3 (N:1260-1269: audience required)", tokenReq(dinterotest.DefaultClientID, dinterotest.DefaultClientSecret, ""), 400, errShape},
		{"token, wrong secret", "§3 (N:8663-8684)", tokenReq(dinterotest.DefaultClientID, "wrong", canonicalAudience), 401, errShape},
		{"no bearer token", "§2 (N:7227)", func(h *specHarness) (string, string, map[string]string, string) {
			return "GET", "transactions", map[string]string{"Authorization": ""}, ""
		}, 401, errShape},
		{"lower-case bearer scheme", "§2; RFC 9110 §11.1", func(h *specHarness) (string, string, map[string]string, string) {
			return "GET", "transactions", map[string]string{"Authorization": "bearer " + h.token}, ""
		}, 200, []string{"#=0"}},

		// §4.1 session create.
		{"session, amounts differ without the toggle", "§4.1, §9 (N:2989 'should')", createSession(nil, strings.Replace(sessionBody("s1", 0, ""), `"amount":25000`, `"amount":24000`, 1)), 200, []string{"id?", "url?"}},
		{"session, amounts differ with strict-session-amounts", "§4.1 (N:7385-7387)", createSession(map[string]string{"Dintero-Feature-Toggles": "strict-session-amounts"}, strings.Replace(sessionBody("s2", 0, ""), `"amount":25000`, `"amount":24000`, 1)), 400, errShape},
		{"session, items without line_id", "§4.1 (N:2597-2602)", createSession(nil, strings.Replace(sessionBody("s3", 0, ""), `"line_id":"l1",`, "", 1)), 200, nil},
		{"session, duplicate line_id", "§4.1 (N:2597-2602)", createSession(nil, sessionBody("s4", 20000, `{"line_id":"l1","amount":20000}`)), 400, errShape},
		{"session, negative gift_card line", "§1, §4.1 (N:2652)", createSession(map[string]string{"Dintero-Feature-Toggles": "strict-session-amounts"}, sessionBody("s5", -5000, giftCard)), 200, nil},
		{"session, shipping_option without title", "§4.1 (N:2778-2828)", createSession(nil, strings.Replace(sessionBody("s6", 0, ""), `"title":"Bring",`, "", 1)), 400, errShape},
		{"session, no return_url", "§4.1 (N:1488-1489)", createSession(nil, strings.Replace(sessionBody("s7", 0, ""), `"return_url":"https://shop.test/r"`, `"callback_url":"https://shop.test/cb"`, 1)), 400, errShape},
		{"session, shipping line_id equal to an item's", "§4.1 (N:2597-2602: unique; shipping moves into items)", createSession(nil, strings.Replace(sessionBody("s12", 0, ""), `"line_id":"ship"`, `"line_id":"l1"`, 1)), 400, errShape},
		{"session, amounts that overflow int64", "§4.1 (N:7385-7387)", createSession(map[string]string{"Dintero-Feature-Toggles": "strict-session-amounts"},
			sessionBody("s13", 0, `{"line_id":"a","amount":9223372036854775807},{"line_id":"b","amount":9223372036854775807},{"line_id":"c","amount":2}`)), 400, errShape},
		{"session, Instabank without items", "§4.1 (N:16-19)", func(h *specHarness) (string, string, map[string]string, string) {
			body := strings.Replace(sessionBody("s14", 0, ""), `"profile_id":"default",`, `"configuration":{"instabank":{"finance":{"enabled":true}}},`, 1)
			body = strings.Replace(body, `"items":[{"id":"sku-1","line_id":"l1","description":"Chair","quantity":1,"amount":20000,"vat_amount":4000,"vat":25}],`, "", 1)
			return "POST", "sessions", nil, body
		}, 400, errShape},
		{"session, include_session", "§4.1 (N:7479-7481)", func(h *specHarness) (string, string, map[string]string, string) {
			return "POST", "sessions-profile?include_session=true", nil, sessionBody("s8", 0, "")
		}, 200, []string{"session.order.amount=25000", "session.metadata.session:profile_id=default"}},
		{"session, Instabank items need line_id", "§4.1 (N:3034-3041)", func(h *specHarness) (string, string, map[string]string, string) {
			body := strings.Replace(sessionBody("s9", 0, ""), `"line_id":"l1",`, "", 1)
			body = strings.Replace(body, `"profile_id":"default",`, `"configuration":{"instabank":{"finance":{"enabled":true}}},`, 1)
			return "POST", "sessions", nil, body
		}, 400, errShape},
		{"session, wallet gift cards with Vipps", "§4.1 (N:3320-3327)", func(h *specHarness) (string, string, map[string]string, string) {
			body := strings.Replace(sessionBody("s10", 0, ""), `"profile_id":"default",`, `"configuration":{"vipps":{"enabled":true}},`, 1)
			body = strings.Replace(body, `"currency":"NOK",`, `"currency":"NOK","gift_cards":[{"type":"dintero.wallets","card_id":"c1","amount":100}],`, 1)
			return "POST", "sessions", nil, body
		}, 400, errShape},
		{"session records the system headers", "§2 stored headers (N:4834-4872)", func(h *specHarness) (string, string, map[string]string, string) {
			return "GET", "sessions/" + h.session("s11"), nil, ""
		}, 200, []string{"initiating_system_request_headers.dintero-system-name=conformance", "initiating_system_request_headers.user-agent?"}},
		{"session, get unknown", "§4.2 (N:7554-7566)", func(h *specHarness) (string, string, map[string]string, string) {
			return req("GET", "sessions/T12345678.nosuchsession", "")
		}, 404, errShape},

		// §4.3 session update, §4.4 cancel.
		{"session PUT without a lock", "§4.3 (N:48)", func(h *specHarness) (string, string, map[string]string, string) {
			return req("PUT", "sessions/"+h.session("u1"), `{"order":{"merchant_reference_2":"x"}}`)
		}, 400, errShape},
		{"session PUT with update_without_lock", "§4.3 (N:7579-7584)", func(h *specHarness) (string, string, map[string]string, string) {
			return req("PUT", "sessions/"+h.session("u2")+"?update_without_lock=true", `{"order":{"merchant_reference_2":"x"}}`)
		}, 200, []string{"order.merchant_reference_2=x", "order.amount=25000"}},
		{"session PUT of a locked session", "§4.3 (N:48)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.session("u3")
			h.srv.LockSession(id)
			return req("PUT", "sessions/"+id, `{"order":{"merchant_reference_2":"y"}}`)
		}, 200, []string{"order.merchant_reference_2=y"}},
		{"session PUT after the payment page was opened", "§4.3 (N:48: locked for paying)", func(h *specHarness) (string, string, map[string]string, string) {
			status, body := h.do("POST", "sessions-profile", nil, sessionBody("u5", 0, ""))
			if status != 200 {
				h.t.Fatal(status)
			}
			page, err := http.Get(jsonPath(h.t, body, "url").(string))
			if err != nil || page.StatusCode != 200 {
				h.t.Fatalf("payment page: %v %v", page, err)
			}
			page.Body.Close()
			return req("PUT", "sessions/"+jsonPath(h.t, body, "id").(string), `{"order":{"merchant_reference_2":"z"}}`)
		}, 200, []string{"order.merchant_reference_2=z"}},
		{"session PUT whose amounts differ, no toggle needed", "§4.3 (N:50-53)", func(h *specHarness) (string, string, map[string]string, string) {
			return req("PUT", "sessions/"+h.session("u4")+"?update_without_lock=true", `{"order":{"amount":1}}`)
		}, 400, errShape},
		{"session cancel voids an authorized payment", "§4.4 (N:77-83)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.session("c1")
			h.srv.Pay(context.Background(), id, dinterotest.Authorized)
			return req("POST", "sessions/"+id+"/cancel", "")
		}, 200, []string{"cancelled_at?", "cancelled_by?"}},
		{"session cancelled twice", "§9 (not specified: a repeated cancel changes nothing)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.session("c3")
			h.do("POST", "sessions/"+id+"/cancel", nil, "")
			return req("POST", "sessions/"+id+"/cancel", "")
		}, 200, []string{"events.#=2", "events.1.name=CANCELLED"}},
		{"session cancel refused once captured", "§4.4 (N:82-83)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.session("c2")
			h.srv.Pay(context.Background(), id, dinterotest.Captured)
			return req("POST", "sessions/"+id+"/cancel", "")
		}, 400, errShape},

		// §5.1 get.
		{"get unknown transaction", "§5.1 (N:8111-8124)", func(*specHarness) (string, string, map[string]string, string) {
			return req("GET", "transactions/T12345678.none", "")
		}, 404, errShape},
		{"get with includes=session", "§5.1 (N:8086-8099, N:6195)", onTx(psp, dinterotest.Authorized, nil, "GET", "?includes=session", ""), 200,
			[]string{"session.order.merchant_reference=ref-" + psp, "status=AUTHORIZED"}},
		{"get without includes has no session", "§5.1 (N:6194-6205)", onTx(psp, dinterotest.Authorized, nil, "GET", "", ""), 200, []string{"session="}},
		{"get with includes=events.success.true", "§5.1 (N:8086-8099)", onTx(psp, dinterotest.Failed, nil, "GET", "?includes=events.success.true", ""), 200,
			[]string{"events.#=1", "events.0.event=INITIALIZE"}},
		{"get carries the initiating system headers", "§2 (N:7755-7764, N:4834-4872)", onTx(psp, dinterotest.Authorized, nil, "GET", "", ""), 200,
			[]string{"initiating_system_request_headers.dintero-system-name=conformance", "amount=25000", "items.#=2", "items.1.type=shipping"}},

		// §5.2 list, each filter.
		{"list is a bare array", "§5.2 (N:8249-8256)", list(""), 200, []string{"#=3"}},
		{"list by status", "§5.2 (N:8181-8182)", list("status=CAPTURED"), 200, []string{"#=1", "0.status=CAPTURED"}},
		{"list by two statuses", "§5.2 (N:8181-8182)", list("status=CAPTURED&status=AUTHORIZED"), 200, []string{"#=3"}},
		{"list by unknown status", "§5.2 (N:8181-8182 enum)", list("status=PAID"), 400, errShape},
		{"list by payment_product", "§5.2 (N:8183-8184)", list("payment_product=klarna"), 200, []string{"#=1", "0.payment_product_type=klarna.klarna"}},
		{"list by payment_product_type", "§5.2 (N:8185-8186)", list("payment_product_type=dintero_psp.creditcard"), 200, []string{"#=2"}},
		{"list by created_at.gte in the future", "§5.2 (N:8207-8210)", list("created_at.gte=2999-01-01T00:00:00Z"), 200, []string{"#=0"}},
		{"list by created_at.lte in the future, no zone", "§5.2 (N:8207-8210: UTC assumed)", list("created_at.lte=2999-01-01T00:00:00"), 200, []string{"#=3"}},
		{"list by created_at.lte, a date: the whole day", "§5.2 (N:8207-8210)", func(h *specHarness) (string, string, map[string]string, string) {
			h.tx(psp, dinterotest.Authorized)
			return req("GET", "transactions?created_at.lte="+time.Now().UTC().Format("2006-01-02"), "")
		}, 200, []string{"#=1"}},
		{"list by created_at.gte with a basic offset", "§5.2 (N:8207-8210: ISO 8601)", list("created_at.gte=2000-01-01T00:00:00%2B0100"), 200, []string{"#=3"}},
		{"list by amount written 25000.0", "§5.2 (N:8201-8206: number)", list("amount=25000.0"), 200, []string{"#=3"}},
		{"list by a bad created_at", "§5.2 (N:8207-8210)", list("created_at.gte=yesterday"), 400, errShape},
		{"list by captured_at.gte", "§5.2 (N:8211-8218)", list("captured_at.gte=2000-01-01T00:00:00Z"), 200, []string{"#=1", "0.status=CAPTURED"}},
		{"list by refunded_at.gte", "§5.2 (N:8211-8218)", list("refunded_at.gte=2000-01-01T00:00:00Z"), 200, []string{"#=0"}},
		{"list by search on merchant_reference", "§5.2 (N:8219-8223)", list("search=ref-klarna.klarna"), 200, []string{"#=1"}},
		{"list by search on email", "§5.2 (N:8219-8223)", list("search=REF-KLARNA.KLARNA@shop.test"), 200, []string{"#=1"}},
		{"list by amount.gte above all", "§5.2 (N:8201-8206)", list("amount.gte=25001"), 200, []string{"#=0"}},
		{"list by amount, the authorized total", "§5.2 (N:8201-8206)", list("amount=25000"), 200, []string{"#=3"}},
		{"list by customer_id", "§5.2 (N:8229-8230)", list("customer_id=cust-ref-klarna.klarna"), 200, []string{"#=1"}},
		{"list by merchant_reference", "§5.2 (N:8189-8190)", list("merchant_reference=ref-klarna.klarna"), 200, []string{"#=1"}},
		{"list by currency", "§5.2 (N:8199-8200)", list("currency=SEK"), 200, []string{"#=0"}},
		{"list by card_brand, which nothing has", "§5.2 (N:8187-8188)", list("card_brand=visa"), 200, []string{"#=0"}},
		{"list with limit", "§5.2 (N:7418-7422)", list("limit=2"), 200, []string{"#=2"}},
		{"list with limit 0", "§5.2 (N:7418-7422: 1-100)", list("limit=0"), 400, errShape},
		{"list with limit 101", "§5.2 (N:7418-7422: 1-100)", list("limit=101"), 400, errShape},

		// §5.3 capture.
		{"capture without amount", "§5.3 (N:7800-7806)", capture(psp, nil, `{}`), 400, errShape},
		{"capture without a body", "§5.3 (N:7798: amount required)", capture(psp, nil, ``), 400, errShape},
		{"capture more than authorized", "§5.3 D-TM; §9", capture(psp, nil, `{"amount":25001}`), 400, errShape},
		{"capture part", "§5.3; §6 (N:5979: amount unchanged)", capture(psp, nil, `{"amount":10000,"capture_reference":"c-1"}`), 200,
			[]string{"status=PARTIALLY_CAPTURED", "amount=25000", "events.-1.event=CAPTURE", "events.-1.event_reference=c-1", "events.-1.amount=10000"}},
		{"capture records the request headers", "§2 (N:4834-4872)", capture(psp, nil, `{"amount":10000}`), 200,
			[]string{"events.-1.request_headers.dintero-system-name=conformance", "events.-1.request_headers.dintero-system-version=1.0"}},
		{"capture metadata without ext_", "§5.3 (N:5273-5292)", capture(psp, nil, `{"amount":100,"metadata":{"order":"1"}}`), 400, errShape},
		{"capture metadata with ext_", "§5.3 (N:5273-5292)", capture(psp, nil, `{"amount":100,"metadata":{"ext_order":"1"}}`), 200, []string{"events.-1.metadata.ext_order=1"}},
		{"capture metadata value too long", "§5.3 (N:5273-5292: ≤256)", capture(psp, nil, `{"amount":100,"metadata":{"ext_x":"`+strings.Repeat("v", 257)+`"}}`), 400, errShape},
		{"capture item without line_id", "§5.3 (N:7812-7834)", capture(psp, nil, `{"amount":20000,"items":[{"amount":20000}]}`), 400, errShape},
		{"capture item of an unknown line", "§9 (default reject)", capture(psp, nil, `{"amount":20000,"items":[{"line_id":"nope","amount":20000}]}`), 400, errShape},
		{"capture items that do not add up", "§9", capture(psp, nil, `{"amount":25000,"items":[{"line_id":"l1","amount":20000}]}`), 400, errShape},
		{"capture with the rounding-fee line", "§9 (WC hb:281-304)", capture(psp, nil, `{"amount":20001,"items":[{"line_id":"l1","amount":20000},{"line_id":"rounding-fee","amount":1}]}`), 200, []string{"status=PARTIALLY_CAPTURED"}},
		{"capture one line beyond its amount", "§9 (per-line over-capture: rejected)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx(psp, dinterotest.Authorized)
			h.do("POST", "transactions/"+id+"/capture", nil, `{"amount":20000,"items":[{"line_id":"l1","amount":20000}]}`)
			return req("POST", "transactions/"+id+"/capture", `{"amount":100,"items":[{"line_id":"l1","amount":100}]}`)
		}, 400, errShape},
		{"final_capture on dintero_psp", "§5.3 (N:7835-7839), §9", capture(psp, nil, `{"amount":10000,"final_capture":true}`), 200, []string{"status=CAPTURED", "amount=25000"}},
		{"capture after a final_capture", "§5.3 (N:7835-7839)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx(psp, dinterotest.Authorized)
			h.do("POST", "transactions/"+id+"/capture", nil, `{"amount":10000,"final_capture":true}`)
			return req("POST", "transactions/"+id+"/capture", `{"amount":100}`)
		}, 400, errShape},
		{"final_capture is dintero_psp only", "§5.3 (N:7835-7839)", capture("payex.creditcard", nil, `{"amount":10000,"final_capture":true}`), 200, []string{"status=PARTIALLY_CAPTURED"}},
		{"capture of a voided transaction", "§9 (wrong status: 400)", capture(psp, steps("void"), `{"amount":100}`), 400, errShape},
		{"capture of an ON_HOLD transaction", "§9 (D-TS: no actions)", onTx(psp, dinterotest.OnHold, nil, "POST", "capture", `{"amount":100}`), 400, errShape},
		{"capture the rest of PARTIALLY_CAPTURED_REFUNDED", "§6 D-TS; §9", capture(psp, steps("capture 10000", "refund 5000"), `{"amount":15000}`), 200, []string{"status=PARTIALLY_REFUNDED"}},
		{"capture amount written 1e2", "§5.3 (N:7800-7806: an integer, however written)", capture(psp, nil, `{"amount":1e2}`), 200, []string{"events.-1.amount=100"}},
		{"capture amount 100.5", "§5.3 (N:7800-7806: int32)", capture(psp, nil, `{"amount":100.5}`), 400, errShape},
		{"Instabank capture without items", "§8 (N:143-149)", capture("instabank.finance", nil, `{"amount":20000}`), 400, errShape},
		{"Instabank capture with items", "§8 (N:143-149)", capture("instabank.finance", nil, `{"amount":20000,"items":[{"line_id":"l1","amount":20000}]}`), 200, nil},
		{"Instabank refund without items", "§8 (N:243-247)", onTx("instabank.finance", dinterotest.Authorized, nil, "POST", "refund", `{"amount":100}`), 400, errShape},
		{"capture with a field name in the wrong case", "§5.3 (N:7800-7806: amount)", capture(psp, nil, `{"AMOUNT":100}`), 400, errShape},
		{"capture item with Line_ID", "§5.3 (N:7812-7834: line_id)", capture(psp, nil, `{"amount":100,"items":[{"Line_ID":"l1","amount":100}]}`), 400, errShape},
		{"capture with amount twice", "RFC 8259 §4 (names should be unique)", capture(psp, nil, `{"amount":100,"amount":25000}`), 400, errShape},
		{"capture metadata keys keep their case", "§5.3 (N:5273-5292)", capture(psp, nil, `{"amount":100,"metadata":{"ext_OrderNo":"1"}}`), 200, []string{"events.-1.metadata.ext_OrderNo=1"}},
		{"capture a free line", "§9 (a 100 % discounted line)", func(h *specHarness) (string, string, map[string]string, string) {
			status, body := h.do("POST", "sessions-profile", nil, sessionBody("free", 0, `{"line_id":"free","amount":0}`))
			if status != 200 {
				h.t.Fatalf("%d %s", status, body)
			}
			tx, _ := h.srv.Pay(context.Background(), jsonPath(h.t, body, "id").(string), dinterotest.Authorized)
			return req("POST", "transactions/"+tx.ID+"/capture", `{"amount":20000,"items":[{"line_id":"l1","amount":20000},{"line_id":"free","amount":0}]}`)
		}, 200, nil},
		{"capture while a final capture is pending", "§5.3 (N:7835-7839)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx(psp, dinterotest.Authorized)
			h.srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Pending: true, Times: 1})
			if status, b := h.do("POST", "transactions/"+id+"/capture", nil, `{"amount":10000,"final_capture":true}`); status != 202 {
				h.t.Fatalf("%d %s", status, b)
			}
			return req("POST", "transactions/"+id+"/capture", `{"amount":100}`)
		}, 400, errShape},
		{"a body over 1 MiB", "§2 (validation failures are 400)", capture(psp, nil, `{"amount":100,"reason":"`+strings.Repeat("x", 1<<20)+`"}`), 400, errShape},
		{"capture with an int32 overflow", "§5.3 (N:7802 int32)", capture(psp, nil, `{"amount":2147483648}`), 400, errShape},

		// §5.4 refund.
		{"refund without a body", "§5.4 (N:7958)", onTx(psp, dinterotest.Authorized, steps("capture 25000"), "POST", "refund", ""), 400, errShape},
		{"refund before capture", "§5.4 (N:238-241)", onTx(psp, dinterotest.Authorized, nil, "POST", "refund", `{"amount":100}`), 400, errShape},
		{"refund more than captured", "§5.4; §9", onTx(psp, dinterotest.Authorized, steps("capture 10000"), "POST", "refund", `{"amount":10001}`), 400, errShape},
		{"refund part of a capture", "§6 D-TS", onTx(psp, dinterotest.Authorized, steps("capture 25000"), "POST", "refund", `{"amount":5000,"refund_reference":"r-1","reason":"x"}`), 200,
			[]string{"status=PARTIALLY_REFUNDED", "events.-1.event_reference=r-1"}},
		{"refund after a part capture", "§6 D-TS", onTx(psp, dinterotest.Authorized, steps("capture 10000"), "POST", "refund", `{"amount":5000}`), 200, []string{"status=PARTIALLY_CAPTURED_REFUNDED"}},
		{"refund all", "§6 D-TS", onTx(psp, dinterotest.Authorized, steps("capture 25000"), "POST", "refund", `{"amount":25000}`), 200, []string{"status=REFUNDED"}},
		{"refund with the rounding-fee line", "§9 (balancing line, as on capture)", onTx(psp, dinterotest.Authorized, steps("capture 25000"), "POST", "refund",
			`{"amount":20050,"items":[{"line_id":"l1","amount":20000},{"line_id":"rounding-fee","amount":50}]}`), 200, []string{"status=PARTIALLY_REFUNDED", "events.-1.items.#=2"}},
		{"refund a line beyond what was captured of it", "§9 (per-line limit)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx(psp, dinterotest.Authorized)
			h.do("POST", "transactions/"+id+"/capture", nil, `{"amount":10000,"items":[{"line_id":"l1","amount":10000}]}`)
			return req("POST", "transactions/"+id+"/refund", `{"amount":5000,"items":[{"line_id":"ship","amount":5000}]}`)
		}, 400, errShape},
		{"refund metadata without ext_", "§5.4 (N:7958-7997)", onTx(psp, dinterotest.Authorized, steps("capture 25000"), "POST", "refund", `{"amount":1,"metadata":{"x":"1"}}`), 400, errShape},
		{"refund a negative gift_card line", "§9 (WC ho:358-368)", func(h *specHarness) (string, string, map[string]string, string) {
			status, body := h.do("POST", "sessions-profile", nil, sessionBody("gc", -5000, giftCard))
			if status != 200 {
				h.t.Fatalf("%d %s", status, body)
			}
			tx, _ := h.srv.Pay(context.Background(), jsonPath(h.t, body, "id").(string), dinterotest.Authorized)
			h.do("POST", "transactions/"+tx.ID+"/capture", nil, `{"amount":20000,"items":[{"line_id":"l1","amount":20000},{"line_id":"gift-ABCD","amount":-5000},{"line_id":"ship","amount":5000}]}`)
			return req("POST", "transactions/"+tx.ID+"/refund", `{"amount":15000,"items":[{"line_id":"l1","amount":20000},{"line_id":"gift-ABCD","amount":-5000}]}`)
		}, 200, []string{"status=PARTIALLY_REFUNDED", "events.-1.items.1.amount=-5000"}},

		// §5.5 void, per payment product.
		{"void before capture", "§5.5 (N:271-275)", onTx(psp, dinterotest.Authorized, nil, "POST", "void", ""), 200, []string{"status=AUTHORIZATION_VOIDED", "events.-1.event=VOID"}},
		{"void after part capture, payex.creditcard", "§5.5 (N:277-290)", onTx("payex.creditcard", dinterotest.Authorized, steps("capture 10000"), "POST", "void", ""), 200, []string{"status=CAPTURED", "events.-1.amount=15000"}},
		{"void after part capture, vipps", "§5.5 (N:284)", onTx("vipps", dinterotest.Authorized, steps("capture 10000"), "POST", "void", ""), 200, []string{"status=CAPTURED"}},
		{"void after part capture, klarna.billie", "§5.5 (N:289-290)", onTx("klarna.billie", dinterotest.Authorized, steps("capture 10000"), "POST", "void", ""), 200, []string{"status=CAPTURED"}},
		{"void after part capture, dintero_psp", "§5.5 (N:277-290: not listed)", onTx(psp, dinterotest.Authorized, steps("capture 10000"), "POST", "void", ""), 400, errShape},
		{"void after part capture, payex.swish", "§5.5 (N:282-287: not swish)", onTx("payex.swish", dinterotest.Authorized, steps("capture 10000"), "POST", "void", ""), 400, errShape},
		{"void after full capture", "§5.5 D-TM", onTx("payex.creditcard", dinterotest.Authorized, steps("capture 25000"), "POST", "void", ""), 400, errShape},
		{"void records the request headers", "§2 (N:7766-7790)", onTx(psp, dinterotest.Authorized, nil, "POST", "void", ""), 200, []string{"events.-1.request_headers.dintero-system-name=conformance"}},

		// §5.6 authorization, §5.7 PUT.
		{"authorization of an ON_HOLD transaction", "§5.6 (N:209-212)", onTx("dintero.external", dinterotest.OnHold, nil, "POST", "authorization", ``), 200, []string{"status=AUTHORIZED"}},
		{"authorization amount whose items do not add up", "§5.6 (N:7886-7890)", onTx("klarna.klarna", dinterotest.Authorized, nil, "POST", "authorization", `{"amount":30000,"items":[{"line_id":"l1","amount":20000}]}`), 400, errShape},
		{"authorization amount without items on an itemised transaction", "§1 (N:7899-7910)", onTx("klarna.klarna", dinterotest.Authorized, nil, "POST", "authorization", `{"amount":30000}`), 400, errShape},
		{"authorization amount 0", "§5.6 (N:7872-7895)", onTx("klarna.klarna", dinterotest.Authorized, nil, "POST", "authorization", `{"amount":0}`), 400, errShape},
		{"authorization items with a duplicate line_id", "§5.6 (N:7899-7910)", onTx("klarna.klarna", dinterotest.Authorized, nil, "POST", "authorization",
			`{"amount":30000,"items":[{"line_id":"l1","amount":15000},{"line_id":"l1","amount":15000}]}`), 400, errShape},
		{"authorization new amount with items", "§5.6 (N:184-192)", onTx("klarna.klarna", dinterotest.Authorized, nil, "POST", "authorization",
			`{"amount":30000,"items":[{"line_id":"l1","amount":25000},{"line_id":"ship","amount":5000}]}`), 200, []string{"amount=30000", "items.#=2"}},
		{"authorization below a pending capture", "§5.6 (N:7909: 409)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx("klarna.klarna", dinterotest.Authorized)
			h.srv.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Pending: true, Times: 1})
			h.do("POST", "transactions/"+id+"/capture", nil, `{"amount":20000}`)
			return req("POST", "transactions/"+id+"/authorization", `{"amount":15000,"items":[{"line_id":"l1","amount":10000},{"line_id":"ship","amount":5000}]}`)
		}, 409, errShape},
		{"authorization items that drop a captured line", "§5.6 (N:7899-7910)", func(h *specHarness) (string, string, map[string]string, string) {
			id := h.tx("klarna.klarna", dinterotest.Authorized)
			h.do("POST", "transactions/"+id+"/capture", nil, `{"amount":20000,"items":[{"line_id":"l1","amount":20000}]}`)
			return req("POST", "transactions/"+id+"/authorization", `{"amount":30000,"items":[{"line_id":"l2","amount":25000},{"line_id":"ship","amount":5000}]}`)
		}, 400, errShape},
		{"dintero_psp pre-authorization that does not grow", "§1, §5.6 (N:194-208)", onTx(psp, dinterotest.Authorized, nil, "POST", "authorization",
			`{"amount":25000,"items":[{"line_id":"l1","amount":20000},{"line_id":"ship","amount":5000}]}`), 400, errShape},
		{"dintero_psp final authorization may shrink", "§1, §5.6 (N:194-208)", onTx(psp, dinterotest.Authorized, nil, "POST", "authorization",
			`{"amount":24000,"final_authorization":true,"items":[{"line_id":"l1","amount":19000},{"line_id":"ship","amount":5000}]}`), 200, []string{"amount=24000"}},
		{"ON_HOLD authorization with another amount", "§5.6 (N:209-212: checked against the order)", onTx("dintero.external", dinterotest.OnHold, nil, "POST", "authorization", `{"amount":99999}`), 400, errShape},
		{"authorization update of a voided transaction", "§5.6 (N:7909: 409)", onTx(psp, dinterotest.Authorized, steps("void"), "POST", "authorization", `{"reason":"extend"}`), 409, errShape},
		{"merchant_reference_2 update", "§5.7 (N:8137-8144)", onTx(psp, dinterotest.Authorized, nil, "PUT", "", `{"merchant_reference_2":"inv-9"}`), 200, []string{"merchant_reference_2=inv-9"}},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d spec cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSpecHarness(t)
			method, path, header, body := c.run(h)
			status, answer := h.do(method, path, header, body)
			if status != c.status {
				t.Fatalf("%s %s: status %d, want %d (%s)\n%.600s", method, path, status, c.status, c.source, answer)
			}
			for _, w := range c.want {
				checkPath(t, answer, w, c.source)
			}
			if err := h.srv.DecodeError(); err != nil {
				t.Error(err)
			}
		})
	}
}

// checkPath checks one "path=value", "path=" (absent) or "path?" (present).
func checkPath(t *testing.T, doc []byte, check, source string) {
	t.Helper()
	if path, ok := strings.CutSuffix(check, "?"); ok {
		if jsonPath(t, doc, path) == nil {
			t.Errorf("%s: %s missing (%s)\n%.600s", check, path, source, doc)
		}
		return
	}
	path, want, _ := strings.Cut(check, "=")
	got := jsonPath(t, doc, path)
	if want == "" {
		if got != nil {
			t.Errorf("%s: present as %v (%s)", path, got, source)
		}
		return
	}
	if fmt.Sprint(got) != want {
		t.Errorf("%s = %v, want %s (%s)\n%.600s", path, got, want, source, doc)
	}
}

// TestChoicesSwitchTheSilentCases: each Choices field turns one answer the
// spec leaves open (dintero_spec.md §9) the other way.
func TestChoicesSwitchTheSilentCases(t *testing.T) {
	const psp = "dintero_psp.creditcard"
	tests := []struct {
		name    string
		choices dinterotest.Choices
		product string
		steps   []string
		action  string
		body    string
		byDef   int // status with the default choices
		switchd int // status with the choice set
		want    string
	}{
		{"unknown line", dinterotest.Choices{AcceptUnknownLines: true}, psp, nil, "capture",
			`{"amount":100,"items":[{"line_id":"nope","amount":100}]}`, 400, 200, ""},
		{"items not adding up", dinterotest.Choices{AcceptItemsNotAddingUp: true}, psp, nil, "capture",
			`{"amount":25000,"items":[{"line_id":"l1","amount":20000}]}`, 400, 200, ""},
		{"rounding line", dinterotest.Choices{RefuseRoundingLine: true}, psp, nil, "capture",
			`{"amount":20001,"items":[{"line_id":"l1","amount":20000},{"line_id":"rounding-fee","amount":1}]}`, 200, 400, ""},
		{"rounding line limit", dinterotest.Choices{RoundingLineLimit: 5}, psp, nil, "capture",
			`{"amount":20010,"items":[{"line_id":"l1","amount":20000},{"line_id":"rounding-fee","amount":10}]}`, 200, 400, ""},
		{"status after a partial void", dinterotest.Choices{PartialVoidStatus: "PARTIALLY_CAPTURED"}, "vipps", []string{"capture 100"}, "void",
			``, 200, 200, "status=PARTIALLY_CAPTURED"},
	}
	for _, tt := range tests {
		for _, set := range []bool{false, true} {
			var opts []dinterotest.Option
			want := tt.byDef
			if set {
				opts = append(opts, dinterotest.WithChoices(tt.choices))
				want = tt.switchd
			}
			h := newSpecHarness(t, opts...)
			id := h.tx(tt.product, dinterotest.Authorized, tt.steps...)
			status, body := h.do("POST", "transactions/"+id+"/"+tt.action, nil, tt.body)
			if status != want {
				t.Errorf("%s (set %v): %d, want %d: %.300s", tt.name, set, status, want, body)
			}
			if set && tt.want != "" && status == 200 {
				checkPath(t, body, tt.want, "Choices")
			}
		}
	}
	// StrictSessionAmounts refuses what the toggle would, without it.
	for _, set := range []bool{false, true} {
		h := newSpecHarness(t, dinterotest.WithChoices(dinterotest.Choices{StrictSessionAmounts: set}))
		status, _ := h.do("POST", "sessions-profile", nil, strings.Replace(sessionBody("x", 0, ""), `"amount":25000`, `"amount":24000`, 1))
		if want := map[bool]int{false: 200, true: 400}[set]; status != want {
			t.Errorf("StrictSessionAmounts %v: %d, want %d", set, status, want)
		}
	}
}
