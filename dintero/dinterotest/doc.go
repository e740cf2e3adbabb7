// Package dinterotest runs a Dintero Checkout API in-process, for tests and
// demos that must not touch a real account.
//
// It is a real HTTP server on loopback (like net/http/httptest), not a mock:
// it issues and checks tokens, keeps sessions and transactions, enforces
// Dintero's rules (capture only what is authorized and left, refund only
// what is captured and not refunded, void only before capture, items that
// reference the lines paid and add up to the amount), records events with
// their references, and answers errors in Dintero's shape.
//
// A test-only Pay step turns a session into a transaction with a chosen
// outcome and sends the signed callback, so the whole life of a payment can
// be played without a browser. Faults can be injected per route: latency,
// error statuses, 429 with Retry-After, 202 Accepted that completes later,
// "commit the change, then drop the connection", a late commit (the request
// is held until the client gives up, and the change lands afterwards, as
// Dintero finishing a request nobody waits for), and a change whose event
// reads show only after a delay. Those are the cases that prove a client
// never captures or refunds twice; WaitLateCommits waits for the held work.
//
//	srv := dinterotest.NewServer()
//	defer srv.Close()
//	client, _ := srv.Client()
//	created, _, _ := client.Sessions.CreateFromProfile(ctx, req, nil)
//	tx, _ := srv.Pay(ctx, created.ID, dinterotest.Authorized)
//	client.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: tx.Amount})
//
// Differences from the real service, on purpose: callback URLs may be plain
// HTTP on loopback, and callbacks are delivered at once (Pay returns after
// the delivery) rather than after a delay.
package dinterotest
