package dintero_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/dintero/dinterotest"
)

// paidTransaction plays a customer paying 338.90 NOK at an in-process
// Dintero and returns the authorized transaction.
func paidTransaction(srv *dinterotest.Server, c *dintero.Client) *dintero.Transaction {
	ctx := context.Background()
	created, _, err := c.Sessions.CreateFromProfile(ctx, &dintero.SessionRequest{
		URL:       dintero.SessionURLs{ReturnURL: "https://shop.example/thanks"},
		ProfileID: "default",
		Order: dintero.Order{
			Amount: 33890, Currency: "NOK", MerchantReference: "1001",
			Items: []dintero.Item{{LineID: "1", Description: "Chair", Quantity: dintero.N(1),
				Amount: 29990, VATAmount: 5998, VAT: dintero.N(25)}},
			ShippingOption: &dintero.ShippingOption{ID: "pickup", LineID: "shipping", Title: "Pick-up point",
				Amount: 3900, VATAmount: 780, VAT: dintero.N(25)},
		},
	}, nil)
	if err != nil {
		panic(err)
	}
	tx, err := srv.Pay(ctx, created.ID, dinterotest.Authorized)
	if err != nil {
		panic(err)
	}
	return tx
}

func ExampleNew() {
	// A real client:
	//   c, err := dintero.New("T12345678", os.Getenv("DINTERO_CLIENT_ID"), os.Getenv("DINTERO_CLIENT_SECRET"))
	// Here, one pointed at an in-process Dintero.
	srv := dinterotest.NewServer()
	defer srv.Close()
	c, err := dintero.New(srv.AccountID(), dinterotest.DefaultClientID, dinterotest.DefaultClientSecret,
		dintero.WithCheckoutURL(srv.URL), dintero.WithAPIURL(srv.URL),
		dintero.WithSystem("woocommerce", "9.1.0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.AccountID(), "test account:", c.IsTest())

	_, err = dintero.New("T-1234", "id", "secret")
	fmt.Println(errors.Is(err, dintero.ErrInvalidRequest))
	// Output:
	// T12345678 test account: true
	// true
}

func ExampleTransactionsService_Capture() {
	srv := dinterotest.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	tx := paidTransaction(srv, c)
	ctx := context.Background()

	// Capture the chair now and the shipping later, each with a reference
	// of its own so that an uncertain outcome can be checked.
	tx, _, err := c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{
		Amount: 29990, CaptureReference: "1001-capture-1",
		Items: []dintero.Item{{LineID: "1", Amount: 29990, VATAmount: 5998, VAT: dintero.N(25)}},
	})
	if errors.Is(err, dintero.ErrOutcomeUnknown) {
		tx, _, err = c.Transactions.Get(ctx, tx.ID, nil) // then look for the reference
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tx.Status, tx.CapturedAmount(), "left:", tx.RemainingToCapture())

	// Capturing more than is left is refused by Dintero, typed.
	_, _, err = c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: 5000})
	var apiErr *dintero.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, dintero.ErrBadRequest))
	}
	// Output:
	// PARTIALLY_CAPTURED 29990 left: 3900
	// 400 true
}

func ExampleTransactionsService_Refund() {
	srv := dinterotest.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	tx := paidTransaction(srv, c)
	ctx := context.Background()
	c.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount, CaptureReference: "1001-capture"})

	// Refund 100.00 NOK of the chair, VAT included.
	tx, _, err := c.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{
		Amount: 10000, RefundReference: "1001-refund-1", Reason: "Refund via Dintero",
		Items: []dintero.Item{{LineID: "1", Amount: 10000, VATAmount: 2000, VAT: dintero.N(25)}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tx.Status, "refunded", tx.RefundedAmount(), "refundable", tx.RemainingToRefund())
	fmt.Println("found by reference:", tx.FindEvent(dintero.EventRefund, "1001-refund-1") != nil)
	// Output:
	// PARTIALLY_REFUNDED refunded 10000 refundable 23890
	// found by reference: true
}

func ExampleCallbackVerifier() {
	secret := []byte("callback-secret")
	// PublicURL: the callback URL as Dintero calls it, whose host it signs
	// (never the request's Host header, which the sender chooses).
	public, _ := url.Parse("https://shop.example/dintero/callback")
	verifier := &dintero.CallbackVerifier{Secret: secret, AccountID: "T12345678", PublicURL: public}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := verifier.Verify(r); err != nil {
			http.Error(w, "bad signature", http.StatusBadRequest) // 4xx: Dintero stops retrying
			return
		}
		cb, err := dintero.ParseCallback(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// A callback is a hint: read the transaction before acting on it.
		fmt.Println("transaction", cb.TransactionID, "for order", cb.MerchantReference)
	})

	// What Dintero would send.
	u, _ := url.Parse("https://shop.example/dintero/callback?transaction_id=T12345678.abc&merchant_reference=1001")
	r := httptest.NewRequest(http.MethodGet, u.String(), nil)
	r.Header.Set(dintero.SignatureHeader, dintero.SignCallback(secret, "T12345678", http.MethodGet, u, time.Now()))
	handler.ServeHTTP(httptest.NewRecorder(), r)

	// A forged one.
	forged := httptest.NewRequest(http.MethodGet, u.String()+"&amount=1", nil)
	forged.Header = r.Header
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, forged)
	fmt.Println(w.Code)
	// Output:
	// transaction T12345678.abc for order 1001
	// 400
}
