package ordermgmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// TestWebhookLoad sends 2,000 concurrent deliveries for 100 completed
// orders, twenty copies each (five under the race detector), over real
// connections: every order is captured once, and the handler answers 5xx
// at most as often as a fault was injected behind it.
func TestWebhookLoad(t *testing.T) {
	w := newWorld(t)
	const orders = 100
	copies := 20
	if raceDetector {
		copies = 5
	}
	var bodies [][]byte
	for range orders {
		o := w.paid(nokOrder(), dinterotest.Authorized)
		w.store.SetStatus(o.ID, woocommerce.StatusCompleted)
		got, _ := w.store.Order(o.ID)
		b, _ := json.Marshal(got)
		bodies = append(bodies, b)
	}
	const injected = 5
	w.dt.InjectFault(dinterotest.RouteCapture, dinterotest.Fault{Status: 503, Times: injected})
	srv := httptest.NewServer(webhookHandler(t, w.engine))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var fivexx, other atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range copies {
		for i, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(b))
				req.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook(b, webhookSecret))
				req.Header.Set(woocommerce.HeaderTopic, "order.updated")
				req.Header.Set(woocommerce.HeaderDeliveryID, string(rune('a'+c))+string(rune('a'+i%26)))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				switch {
				case resp.StatusCode >= 500:
					fivexx.Add(1)
				case resp.StatusCode != 200:
					other.Add(1)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if fivexx.Load() > injected || other.Load() != 0 {
		t.Errorf("answers: %d 5xx (injected %d), %d other non-200", fivexx.Load(), injected, other.Load())
	}
	// A capture answered 503 may still be completed by Dintero: its order
	// waits, whatever the later deliveries; after the wait, one capture.
	ctx := context.Background()
	waiting := 0
	for _, b := range bodies {
		var o woocommerce.Order
		json.Unmarshal(b, &o)
		if countEvents(w.tx(&o), dintero.EventCapture) == 0 {
			res, err := w.engine.Reconcile(ctx, o.ID)
			if err != nil || len(res.Waiting) != 1 || len(res.Done) != 0 {
				t.Errorf("order %d, not captured, is not in doubt: %+v %v", o.ID, res, err)
			}
			waiting++
		}
	}
	if waiting > injected {
		t.Errorf("%d orders in doubt behind %d injected faults", waiting, injected)
	}
	w.pastDoubt()
	for _, b := range bodies {
		var o woocommerce.Order
		json.Unmarshal(b, &o)
		if _, err := w.engine.Reconcile(ctx, o.ID); err != nil {
			t.Error(err)
		}
	}
	for _, b := range bodies {
		var o woocommerce.Order
		json.Unmarshal(b, &o)
		tx := w.tx(&o)
		if n := countEvents(tx, dintero.EventCapture); n != 1 || tx.CapturedAmount() != tx.Amount {
			t.Errorf("order %d: %d captures, %d of %d", o.ID, n, tx.CapturedAmount(), tx.Amount)
		}
	}
	t.Logf("%d deliveries: %d answered 5xx behind %d injected faults", orders*copies, fivexx.Load(), injected)
}
