package ordermgmt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// Engine runs order management for one store and one Dintero account. It
// is safe for concurrent use; work on one order is serialized through its
// Locker.
type Engine struct {
	wc       *woocommerce.Client
	dt       *dintero.Client
	settings Settings
	locker   Locker
	// fenced: the locker may be held by two workers for a moment
	// (Overlapping), so each movement is looked up at Dintero right
	// before it is sent.
	fenced  bool
	log     *slog.Logger
	now     func() time.Time
	due     dueSet
	flights coalescer
	links   sync.Map      // order id -> transaction id seen linked (linked)
	work    chan struct{} // WithMaxConcurrent's slots; nil: unbounded
	queue   Queue         // WithQueue; nil: work is done in the handlers and the poller
}

// WithMaxConcurrent bounds how many orders the engine works on at once
// (reconciles, refunds, captures and cancels); the others wait for a slot
// or their context. A service that takes deliveries from the internet
// sets it, so that a burst costs queueing, not the APIs' rate limits.
func WithMaxConcurrent(n int) Option {
	return func(e *Engine) error {
		if n < 1 {
			return fmt.Errorf("ordermgmt: WithMaxConcurrent(%d): at least 1", n)
		}
		e.work = make(chan struct{}, n)
		return nil
	}
}

// slot waits for a work slot (WithMaxConcurrent) and returns its release.
func (e *Engine) slot(ctx context.Context) (func(), error) {
	if e.work == nil {
		return func() {}, nil
	}
	select {
	case e.work <- struct{}{}:
		return func() { <-e.work }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// saturated reports whether every work slot (WithMaxConcurrent) is taken.
func (e *Engine) saturated() bool {
	return e.work != nil && len(e.work) == cap(e.work)
}

// Option configures an Engine.
type Option func(*Engine) error

// WithSettings sets the Order Management settings; zero fields keep their
// defaults.
func WithSettings(s Settings) Option {
	return func(e *Engine) error {
		s, err := s.withDefaults()
		e.settings = s
		return err
	}
}

// WithLocker sets the lock that serializes work per order (default: an
// in-process MemoryLocker).
func WithLocker(l Locker) Option {
	return func(e *Engine) error {
		if l == nil {
			return errors.New("ordermgmt: nil Locker")
		}
		e.locker = l
		return nil
	}
}

// WithLogger sets a logger for what the engine does (default: silent).
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) error { e.log = l; return nil }
}

// WithClock sets the engine's clock, which times in-flight records and the
// in-doubt wait (default time.Now). Tests use it to step over the wait.
func WithClock(now func() time.Time) Option {
	return func(e *Engine) error {
		if now == nil {
			return errors.New("ordermgmt: nil clock")
		}
		e.now = now
		return nil
	}
}

// New returns an engine working with the two clients.
func New(wc *woocommerce.Client, dt *dintero.Client, opts ...Option) (*Engine, error) {
	if wc == nil || dt == nil {
		return nil, errors.New("ordermgmt.New: both clients are required")
	}
	e := &Engine{wc: wc, dt: dt, locker: &MemoryLocker{}, log: slog.New(slog.DiscardHandler), now: time.Now}
	e.settings, _ = Settings{}.withDefaults()
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, fmt.Errorf("ordermgmt.New: %w", err)
		}
	}
	if o, ok := e.locker.(Overlapping); ok && o.MayOverlap() {
		e.fenced = true
	}
	return e, nil
}

// Settings returns the settings in force, defaults filled in.
func (e *Engine) Settings() Settings { return e.settings }

// Result is what Reconcile did.
type Result struct {
	OrderID int64
	// Done lists the actions taken, in order.
	Done []Action
	// Refused lists money movements Dintero refused for good; the order
	// has a note saying why.
	Refused []Action
	// Waiting lists the money movements not sent because an earlier
	// attempt may still be completed by Dintero, and until when; a
	// Reconcile after that time sends them if Dintero still shows nothing.
	Waiting []InDoubt
	// Skipped tells why the order was left alone, if it was.
	Skipped string
	// Status is the order's status at the end.
	Status woocommerce.Status
}

// lock takes a work slot and the order's lock; the function returned
// releases both.
// The context returned is the lock's held context: work under the lock
// uses it, so that it stops when a shared lock is lost.
func (e *Engine) lock(ctx context.Context, orderID int64) (context.Context, func(), error) {
	release, err := e.slot(ctx)
	if err != nil {
		return nil, nil, err
	}
	held, unlock, err := e.locker.Lock(ctx, "order:"+strconv.FormatInt(orderID, 10))
	if err != nil {
		release()
		return nil, nil, err
	}
	return held, func() { unlock(); release() }, nil
}

// underLock runs work under the order's lock and a work slot, with the
// lock's held context. When the lock was lost, the error says so
// (ErrLockLost) whichever step it stopped, rather than a bare
// "context canceled".
func underLock[T any](ctx context.Context, e *Engine, orderID int64, work func(context.Context) (T, error)) (T, error) {
	held, unlock, err := e.lock(ctx, orderID)
	if err != nil {
		var zero T
		return zero, err
	}
	defer unlock()
	out, err := work(held)
	if err != nil && !errors.Is(err, ErrLockLost) && errors.Is(context.Cause(held), ErrLockLost) {
		err = fmt.Errorf("%w: %w", ErrLockLost, err)
	}
	return out, err
}

// orderFields are the order fields the rules read; asking for these alone
// spares the store rendering, and the engine decoding, addresses and links.
var orderFields = []string{"id", "number", "status", "currency", "total", "total_tax", "prices_include_tax",
	"payment_method", "transaction_id", "meta_data", "line_items", "shipping_lines", "fee_lines", "tax_lines",
	"refunds", "date_modified_gmt", "date_paid_gmt"}

// updateFields are what the engine reads of an order update's answer: the
// status it ended with and the meta a rival worker may have written.
var updateFields = []string{"id", "status", "meta_data"}

// updateOrder writes upd to the order and asks WooCommerce to answer with
// updateFields only: every order write of the engine goes through here.
func (e *Engine) updateOrder(ctx context.Context, orderID int64, upd woocommerce.OrderUpdate) (*woocommerce.Order, error) {
	upd.Fields = updateFields
	o, _, err := e.wc.Orders.Update(ctx, orderID, &upd)
	return o, err
}

// read loads the state of an order: the order, its refund records (only
// read when the order has refunds) and its transaction.
func (e *Engine) read(ctx context.Context, orderID int64) (State, error) {
	o, _, err := e.wc.Orders.Get(ctx, orderID, &woocommerce.GetOptions{Fields: orderFields})
	if err != nil {
		return State{}, err
	}
	st := State{Order: o, Now: e.now()}
	if st.Refunds, err = e.readRefunds(ctx, o); err != nil {
		return State{}, err
	}
	if o.TransactionID != "" && o.PaymentMethod == e.settings.PaymentMethod {
		tx, _, err := e.dt.Transactions.Get(ctx, o.TransactionID, nil)
		if err != nil {
			return State{}, err
		}
		st.Transaction = tx
	}
	return st, nil
}

// readRefunds reads an order's refund records, oldest first; only when
// the order has refunds, so an order without any costs no call.
func (e *Engine) readRefunds(ctx context.Context, o *woocommerce.Order) ([]*woocommerce.Refund, error) {
	if len(o.Refunds) == 0 {
		return nil, nil
	}
	var out []*woocommerce.Refund
	for page := 1; ; page++ {
		rs, resp, err := e.wc.Refunds.List(ctx, o.ID, &woocommerce.ListOptions{Page: page, PerPage: 100})
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
		if resp.TotalPages <= page || len(rs) == 0 {
			break
		}
	}
	slices.SortFunc(out, func(a, b *woocommerce.Refund) int { return int(a.ID - b.ID) })
	return out, nil
}

// Plan returns what Reconcile would do now, without doing it: the same
// actions, in the same order, as its first round (a status change can make
// one more step due, which Reconcile then plans and does too).
func (e *Engine) Plan(ctx context.Context, orderID int64) (*Plan, error) {
	st, err := e.read(ctx, orderID)
	if err != nil {
		return nil, err
	}
	return e.plan(ctx, st)
}

// plan is PlanState plus what only I/O can tell: whether a note whose key
// is recorded lazily is on the order already (then only its key is
// recorded).
func (e *Engine) plan(ctx context.Context, st State) (*Plan, error) {
	// The order's notes, read at most once and only when they matter.
	notes := func() ([]*woocommerce.Note, error) {
		if st.Notes == nil {
			ns, _, err := e.wc.Notes.List(ctx, st.Order.ID, woocommerce.NotesInternal)
			if err != nil {
				return nil, err
			}
			st.Notes = append([]*woocommerce.Note{}, ns...)
		}
		return st.Notes, nil
	}
	if mayHaveAutomaticRefund(st, &e.settings) {
		// Only WooCommerce's note tells its automatic refund record from
		// a full refund recorded by hand with the same words.
		if _, err := notes(); err != nil {
			return nil, err
		}
	}
	p, err := PlanState(st, e.settings)
	if err != nil {
		return nil, err
	}
	for i, a := range p.Actions {
		if a.Kind != ActNote || !lazyKey(a.NoteKey) {
			continue
		}
		ns, err := notes()
		if err != nil {
			return nil, err
		}
		if hasNote(ns, a) {
			p.Actions[i].Kind = ActRecordNote
		}
	}
	return p, nil
}

// Reconcile makes the order and its Dintero transaction agree: it reads
// both, plans what is missing and does it. Running it once or fifty times,
// late or out of order, gives the same money and the same notes; every
// entry point (webhook, callback, poller, direct call) ends here.
//
// Calls for one order coalesce: while one runs, later ones wait for a
// single follow-up that starts when it ends, and all get its result. Fifty
// replays of a webhook cost two reconciles, not fifty-one.
func (e *Engine) Reconcile(ctx context.Context, orderID int64) (*Result, error) {
	return e.flights.do(ctx, orderID, func(ctx context.Context) (*Result, error) {
		return underLock(ctx, e, orderID, func(ctx context.Context) (*Result, error) { return e.reconcile(ctx, orderID) })
	})
}

// maxRounds bounds how often one Reconcile re-plans after changing the
// status (a status change can make one more step due, such as the note of
// an order cancelled in Dintero).
const maxRounds = 4

func (e *Engine) reconcile(ctx context.Context, orderID int64) (_ *Result, err error) {
	res := &Result{OrderID: orderID}
	defer func() {
		if err == nil || len(res.Waiting) > 0 {
			e.noteDue(orderID, res.Waiting)
		}
	}()
	for range maxRounds {
		st, err := e.read(ctx, orderID)
		if err != nil {
			return res, err
		}
		res.Status = st.Order.Status
		plan, err := e.plan(ctx, st)
		if err != nil {
			return res, err
		}
		res.Skipped = plan.Skipped
		res.Waiting = plan.Waiting
		if len(plan.Actions) == 0 {
			return res, plan.Blocked
		}
		changed, err := e.execute(ctx, st, plan, res)
		if err != nil || !changed || plan.Blocked != nil {
			return res, errors.Join(err, plan.Blocked)
		}
	}
	return res, nil
}

// execute does a plan's actions in order. Notes are written before the
// MetaNoted keys that record them; the keys, the in-flight records and a
// status change go out together in one order update where they can. Before
// each money movement its in-flight record is written, so that a restart
// or a replica that sees no event yet knows the movement may still land.
// It reports whether the status changed.
func (e *Engine) execute(ctx context.Context, st State, plan *Plan, res *Result) (bool, error) {
	o := st.Order
	inflight, err := readAttempts(o, st.Now)
	if err != nil {
		return false, err
	}
	inflight.prune(st, st.Now, e.settings.InDoubtWait)
	notedKeys := noted(o)
	var newKeys []string
	var pendingMeta []woocommerce.Meta // ActUpdateMeta's, for the next write
	changed := false
	// update sends upd with the meta that is due: note keys and in-flight
	// records.
	update := func(upd woocommerce.OrderUpdate) (*woocommerce.Order, error) {
		if len(newKeys) > 0 {
			for _, k := range newKeys {
				notedKeys[k] = true
			}
			upd.MetaData = append(upd.MetaData, notedMeta(notedKeys))
		}
		upd.MetaData = append(upd.MetaData, pendingMeta...)
		if upd.Status == "" && len(upd.MetaData) == 0 && !inflight.due() {
			return nil, nil
		}
		upd.MetaData = append(upd.MetaData, inflight.meta()...)
		got, err := e.updateOrder(ctx, o.ID, upd)
		if err == nil {
			newKeys, pendingMeta = nil, nil
			inflight.written()
		}
		return got, err
	}
	writeNote := func(text, key string) error {
		if _, _, err := e.wc.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: text}); err != nil {
			return err
		}
		if key != "" {
			newKeys = append(newKeys, key)
		}
		return nil
	}
	var firstErr error
	for _, a := range plan.Actions {
		var err error
		switch a.Kind {
		case ActNote:
			err = writeNote(a.Note, a.NoteKey)
		case ActRecordNote:
			newKeys = append(newKeys, a.NoteKey)
		case ActUpdateMeta:
			pendingMeta = append(pendingMeta, a.Meta...)
		case ActSetStatus:
			// The note keys go with the status: the change may wake
			// other workers, which must not write the notes again.
			var got *woocommerce.Order
			if got, err = update(woocommerce.OrderUpdate{Status: a.Status, MetaData: slices.Clone(a.Meta)}); err == nil {
				changed = true
				res.Status = got.Status
			}
		case ActCapture, ActVoid, ActRefund:
			ref := actionReference(o.ID, a)
			started := e.now()
			inflight.set(ref, started)
			var after *woocommerce.Order
			if after, err = update(woocommerce.OrderUpdate{}); err != nil {
				break // nothing is sent before its in-flight record exists
			}
			if rival := rivalAttempt(o, after, ref, attemptKey(ref, started)); rival != "" {
				// Another worker started this very movement since the
				// order was read: a second holder of the order's lock (one
				// that lost it and has not noticed yet). Both records are
				// in WooCommerce, and whichever wrote second sees the
				// other's and steps back; the movement is then in doubt
				// like any other, and never sent twice.
				w := InDoubt{Action: a, Since: started, Until: started.Add(e.settings.InDoubtWait)}
				res.Waiting = append(res.Waiting, w)
				err = &InDoubtError{OrderID: o.ID, What: a.String() + " (started by another worker: " + rival + ")", Since: w.Since, Until: w.Until}
				break
			}
			if e.fenced {
				// With a lock that may be held twice for a moment (pgstore),
				// the state this plan came from may be stale: another worker
				// may have made this very movement and tidied its record
				// away since. Dintero tells: look before sending.
				now, _, gerr := e.dt.Transactions.Get(ctx, st.Transaction.ID, nil)
				if gerr != nil {
					inflight.clear(ref, e.now()) // nothing was sent
					update(woocommerce.OrderUpdate{})
					err = gerr
					break
				}
				if moved(now, a) {
					w := InDoubt{Action: a, Since: started, Until: started.Add(e.settings.InDoubtWait)}
					res.Waiting = append(res.Waiting, w)
					err = &InDoubtError{OrderID: o.ID, What: a.String() + " (already made by another worker)", Since: w.Since, Until: w.Until}
					break
				}
			}
			var ok bool
			ok, err = e.moveMoney(ctx, st, a)
			switch {
			case err != nil:
				if notProcessed(err) {
					// Dintero turned the request away unread: no doubt
					// about it.
					inflight.clear(ref, e.now())
				} else if since, ok := inflight.latest(ref); ok {
					w := InDoubt{Action: a, Since: since, Until: since.Add(e.settings.InDoubtWait)}
					res.Waiting = append(res.Waiting, w)
					err = fmt.Errorf("%w: %w", &InDoubtError{OrderID: o.ID, What: a.String(), Since: w.Since, Until: w.Until}, err)
				}
			case ok:
				switch {
				case a.Note == "":
				case lazyKey(a.NoteKey):
					// The capture's key is recorded by a later Reconcile,
					// which finds the note: it saves a call per capture.
					err = writeNote(a.Note, "")
				default:
					err = writeNote(a.Note, a.NoteKey)
				}
			default:
				// Refused for good (the note says why): the doubt is over,
				// and a failed capture or void puts the order on hold, as
				// the plugin does.
				inflight.clear(ref, e.now())
				var got *woocommerce.Order
				if got, err = update(woocommerce.OrderUpdate{Status: a.FailStatus}); err == nil {
					if a.FailStatus != "" {
						changed = true
						res.Status = got.Status
					}
					res.Refused = append(res.Refused, a)
					continue
				}
			}
		}
		if err != nil {
			firstErr = err
			break
		}
		res.Done = append(res.Done, a)
		e.log.LogAttrs(ctx, slog.LevelInfo, "ordermgmt action", slog.Int64("order", o.ID), slog.String("action", a.String()))
	}
	// Best effort after a failure too: what was written must be recorded.
	if _, err := update(woocommerce.OrderUpdate{}); err != nil && firstErr == nil {
		firstErr = err
	}
	return changed, firstErr
}

// notProcessed reports errors with which Dintero answered without doing
// anything: the token was refused, or the rate limit hit.
func notProcessed(err error) bool {
	var apiErr *dintero.APIError
	return errors.As(err, &apiErr) && !apiErr.OutcomeUnknown &&
		(apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusTooManyRequests)
}

// refusedForGood returns Dintero's answer when err is a decision about
// the money: a 4xx other than 401 and 429, whose outcome is known. Other
// errors (unknown outcomes, 5xx, a refused token, the rate limit, no
// answer) say nothing about it: try again later.
func refusedForGood(err error) (*dintero.APIError, bool) {
	var apiErr *dintero.APIError
	if !errors.As(err, &apiErr) || apiErr.OutcomeUnknown || apiErr.StatusCode >= 500 ||
		apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusTooManyRequests {
		return nil, false
	}
	return apiErr, true
}

// refusal says why a money movement was refused for good, for its note:
// Dintero's decision, or the client's refusal to send a request that
// breaks Dintero's rules (nothing was sent, so there is no doubt, and the
// same plan would only be refused again). definite is false for errors
// that decide nothing.
func refusal(err error) (msg string, definite bool) {
	if apiErr, ok := refusedForGood(err); ok {
		return fmt.Sprintf("[%d] %s", apiErr.StatusCode, apiErr.Message), true
	}
	if errors.Is(err, dintero.ErrInvalidRequest) {
		return "not sent: " + err.Error(), true
	}
	return "", false
}

// moveMoney does a capture, void or refund. It returns true when the money
// moved (now or before: an event with the reference already exists), false
// when Dintero refused for good (after noting why and, for a refund that
// completes a record, removing the record), and an error when the outcome
// is still unknown or the step could not be taken.
func (e *Engine) moveMoney(ctx context.Context, st State, a Action) (bool, error) {
	tx := st.Transaction
	var err error
	switch a.Kind {
	case ActCapture:
		_, _, err = e.dt.Transactions.Capture(ctx, tx.ID, &dintero.CaptureRequest{Amount: a.Amount, CaptureReference: a.Reference, Items: a.Items})
	case ActRefund:
		_, _, err = e.dt.Transactions.Refund(ctx, tx.ID, &dintero.RefundRequest{Amount: a.Amount, RefundReference: a.Reference, Reason: a.Reason, Items: a.Items})
	case ActVoid:
		_, _, err = e.dt.Transactions.Void(ctx, tx.ID)
	}
	if err == nil {
		return true, nil
	}
	if errors.Is(err, dintero.ErrOutcomeUnknown) {
		// Dintero has no idempotency keys: look for the reference. Not
		// finding it proves nothing (Dintero may still complete the
		// request): the in-flight record keeps the movement in doubt.
		now, _, gerr := e.dt.Transactions.Get(ctx, tx.ID, nil)
		if gerr != nil {
			return false, fmt.Errorf("%w (and reading the transaction back failed: %v)", err, gerr)
		}
		if moved(now, a) {
			return true, nil
		}
		return false, err
	}
	msg, definite := refusal(err)
	if !definite {
		return false, err // not a decision about this money: try again later
	}
	// Refused for good. Perhaps because it was done already (another
	// worker, Backoffice, an earlier attempt that landed late): then it is
	// a success.
	if now, _, gerr := e.dt.Transactions.Get(ctx, tx.ID, nil); gerr == nil && moved(now, a) {
		return true, nil
	}
	o := st.Order
	text := map[ActionKind]string{ActCapture: NoteCaptureFailed, ActVoid: NoteCancelFailed, ActRefund: NoteRefundFailed}[a.Kind]
	if _, _, nerr := e.wc.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: fmt.Sprintf(text, msg)}); nerr != nil {
		return false, nerr
	}
	if a.Kind == ActRefund && a.RefundRecord != 0 {
		// As WooCommerce does when a gateway refuses: the record goes.
		if _, derr := e.wc.Refunds.Delete(ctx, o.ID, a.RefundRecord); derr != nil {
			return false, derr
		}
	}
	return false, nil
}

// lazyKey reports note keys recorded lazily: the capture note is written
// right after the capture without a meta update, and the next Reconcile
// that plans it again finds it among the notes and records its key.
func lazyKey(key string) bool { return key == "capture" }

// hasNote reports whether the notes hold a's note: for the capture, any
// note that starts with NoteCaptured, period included (the amount after it
// depends on when it was written; "captured, and can therefore no longer be
// canceled" is not one).
func hasNote(notes []*woocommerce.Note, a Action) bool {
	for _, n := range notes {
		if n.Note == a.Note || a.NoteKey == "capture" && strings.HasPrefix(n.Note, NoteCaptured) {
			return true
		}
	}
	return false
}

// notedMeta is the MetaNoted entry for a set of note keys.
func notedMeta(keys map[string]bool) woocommerce.Meta {
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	slices.Sort(list)
	return woocommerce.MetaString(MetaNoted, strings.Join(list, ","))
}

// moved reports whether the transaction shows the action done.
func moved(tx *dintero.Transaction, a Action) bool {
	switch a.Kind {
	case ActCapture:
		return tx.FindEvent(dintero.EventCapture, a.Reference) != nil
	case ActRefund:
		return tx.FindEvent(dintero.EventRefund, a.Reference) != nil
	case ActVoid:
		return tx.Status == dintero.StatusAuthorizationVoided || tx.FindEvent(dintero.EventVoid, "") != nil
	}
	return false
}

// Capture is what a merchant does by setting an order to Completed: the
// order is set to the first capture status and reconciled, which captures
// what is left at Dintero.
func (e *Engine) Capture(ctx context.Context, orderID int64) (*Result, error) {
	return e.setAndReconcile(ctx, orderID, e.settings.CaptureStatuses[0])
}

// Cancel is what a merchant does by setting an order to Cancelled: the
// authorization is voided (a Swish payment, captured at once, is refunded).
func (e *Engine) Cancel(ctx context.Context, orderID int64) (*Result, error) {
	return e.setAndReconcile(ctx, orderID, e.settings.CancelStatuses[0])
}

// A movement that waits on an earlier attempt in doubt is not done: Capture
// and Cancel then return an error matching ErrInDoubt with the Result
// (Reconcile does not: for it, nothing went wrong).
func (e *Engine) setAndReconcile(ctx context.Context, orderID int64, status woocommerce.Status) (*Result, error) {
	return underLock(ctx, e, orderID, func(ctx context.Context) (*Result, error) {
		if _, _, err := e.wc.Orders.SetStatus(ctx, orderID, status); err != nil {
			return nil, err
		}
		res, err := e.reconcile(ctx, orderID)
		if err == nil && len(res.Waiting) > 0 {
			w := res.Waiting[0]
			err = &InDoubtError{OrderID: orderID, What: w.Action.String(), Since: w.Since, Until: w.Until}
		}
		return res, err
	})
}
