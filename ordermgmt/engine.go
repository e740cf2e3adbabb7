package ordermgmt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

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
	log      *slog.Logger
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

// New returns an engine working with the two clients.
func New(wc *woocommerce.Client, dt *dintero.Client, opts ...Option) (*Engine, error) {
	if wc == nil || dt == nil {
		return nil, errors.New("ordermgmt.New: both clients are required")
	}
	e := &Engine{wc: wc, dt: dt, locker: &MemoryLocker{}, log: slog.New(slog.DiscardHandler)}
	e.settings, _ = Settings{}.withDefaults()
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, fmt.Errorf("ordermgmt.New: %w", err)
		}
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
	// Skipped tells why the order was left alone, if it was.
	Skipped string
	// Status is the order's status at the end.
	Status woocommerce.Status
}

func (e *Engine) lock(ctx context.Context, orderID int64) (func(), error) {
	return e.locker.Lock(ctx, "order:"+strconv.FormatInt(orderID, 10))
}

// orderFields are the order fields the rules read; asking for these alone
// spares the store rendering, and the engine decoding, addresses and links.
var orderFields = []string{"id", "number", "status", "currency", "total", "total_tax", "prices_include_tax",
	"payment_method", "transaction_id", "meta_data", "line_items", "shipping_lines", "fee_lines", "tax_lines",
	"refunds", "date_modified_gmt"}

// read loads the state of an order: the order, its refund records (only
// read when the order has refunds) and its transaction.
func (e *Engine) read(ctx context.Context, orderID int64) (State, error) {
	o, _, err := e.wc.Orders.Get(ctx, orderID, &woocommerce.GetOptions{Fields: orderFields})
	if err != nil {
		return State{}, err
	}
	st := State{Order: o}
	if len(o.Refunds) > 0 {
		for page := 1; ; page++ {
			rs, resp, err := e.wc.Refunds.List(ctx, orderID, &woocommerce.ListOptions{Page: page, PerPage: 100})
			if err != nil {
				return State{}, err
			}
			st.Refunds = append(st.Refunds, rs...)
			if resp.TotalPages <= page || len(rs) == 0 {
				break
			}
		}
		slices.SortFunc(st.Refunds, func(a, b *woocommerce.Refund) int { return int(a.ID - b.ID) })
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

// Plan returns what Reconcile would do now, without doing it.
func (e *Engine) Plan(ctx context.Context, orderID int64) (*Plan, error) {
	st, err := e.read(ctx, orderID)
	if err != nil {
		return nil, err
	}
	return PlanState(st, e.settings)
}

// Reconcile makes the order and its Dintero transaction agree: it reads
// both, plans what is missing and does it. Running it once or fifty times,
// late or out of order, gives the same money and the same notes; every
// entry point (webhook, callback, poller, direct call) ends here.
func (e *Engine) Reconcile(ctx context.Context, orderID int64) (*Result, error) {
	unlock, err := e.lock(ctx, orderID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return e.reconcile(ctx, orderID)
}

// maxRounds bounds how often one Reconcile re-plans after changing the
// status (a status change can make one more step due, such as the note of
// an order cancelled in Dintero).
const maxRounds = 4

func (e *Engine) reconcile(ctx context.Context, orderID int64) (*Result, error) {
	res := &Result{OrderID: orderID}
	for range maxRounds {
		st, err := e.read(ctx, orderID)
		if err != nil {
			return res, err
		}
		res.Status = st.Order.Status
		plan, err := PlanState(st, e.settings)
		if err != nil {
			return res, err
		}
		res.Skipped = plan.Skipped
		if len(plan.Actions) == 0 {
			return res, nil
		}
		changed, err := e.execute(ctx, st, plan, res)
		if err != nil || !changed {
			return res, err
		}
	}
	return res, nil
}

// execute does a plan's actions in order, writes their notes, and records
// the notes in MetaNoted after them. It reports whether the status changed.
func (e *Engine) execute(ctx context.Context, st State, plan *Plan, res *Result) (bool, error) {
	o := st.Order
	notedKeys := noted(o)
	var newKeys []string
	changed := false
	var firstErr error
	flush := func() error {
		if len(newKeys) == 0 {
			return nil
		}
		for _, k := range newKeys {
			notedKeys[k] = true
		}
		_, _, err := e.wc.Orders.Update(ctx, o.ID, &woocommerce.OrderUpdate{MetaData: []woocommerce.Meta{notedMeta(notedKeys)}})
		if err == nil {
			newKeys = nil
		}
		return err
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
	// existing is the order's notes, read at most once, and only when a
	// note may have been written without its key (see lazyKey).
	var existing []*woocommerce.Note
	readNotes := func() error {
		if existing != nil {
			return nil
		}
		ns, _, err := e.wc.Notes.List(ctx, o.ID, woocommerce.NotesInternal)
		if ns == nil {
			ns = []*woocommerce.Note{}
		}
		existing = ns
		return err
	}
	for _, a := range plan.Actions {
		var err error
		switch a.Kind {
		case ActNote:
			if lazyKey(a.NoteKey) {
				// The note may be there already, written right after the
				// money moved; then only its key is missing.
				if err = readNotes(); err == nil && hasNote(existing, a) {
					newKeys = append(newKeys, a.NoteKey)
					continue // nothing written: not reported as done
				}
			}
			if err == nil {
				err = writeNote(a.Note, a.NoteKey)
			}
		case ActSetStatus:
			// The notes first: the status change may wake other workers.
			if err = flush(); err == nil {
				var got *woocommerce.Order
				got, _, err = e.wc.Orders.SetStatus(ctx, o.ID, a.Status)
				if err == nil {
					changed = true
					res.Status = got.Status
				}
			}
		case ActCapture, ActVoid, ActRefund:
			var ok bool
			ok, err = e.moveMoney(ctx, st, a)
			switch {
			case err != nil:
			case ok:
				switch {
				case a.Note == "":
				case lazyKey(a.NoteKey):
					// The capture's key is recorded by a later Reconcile,
					// which finds the note: a capture costs four calls.
					err = writeNote(a.Note, "")
				default:
					err = writeNote(a.Note, a.NoteKey)
				}
			default:
				// Refused for good: the note says why; capture and void
				// failures put the order on hold, as the plugin does.
				changed = changed || a.FailStatus != ""
				res.Refused = append(res.Refused, a)
				continue
			}
		}
		if err != nil {
			firstErr = err
			break
		}
		res.Done = append(res.Done, a)
		e.log.LogAttrs(ctx, slog.LevelInfo, "ordermgmt action", slog.Int64("order", o.ID), slog.String("action", a.String()))
	}
	if err := flush(); err != nil && firstErr == nil {
		firstErr = err
	}
	return changed, firstErr
}

// moveMoney does a capture, void or refund. It returns true when the money
// moved (now or before: an event with the reference already exists), false
// when Dintero refused for good (after noting why and, for capture and
// void, moving the order to the failure status), and an error when the
// outcome is still unknown or the step could not be taken.
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
		// Dintero has no idempotency keys: look for the reference.
		now, _, gerr := e.dt.Transactions.Get(ctx, tx.ID, nil)
		if gerr != nil {
			return false, fmt.Errorf("%w (and reading the transaction back failed: %v)", err, gerr)
		}
		if moved(now, a) {
			return true, nil
		}
		return false, err
	}
	var apiErr *dintero.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode >= 500 || apiErr.StatusCode == 401 || apiErr.StatusCode == 429 {
		return false, err // not a decision about this money: try again later
	}
	// Refused for good. Perhaps because it was done already (another
	// worker, Backoffice): then it is a success.
	if now, _, gerr := e.dt.Transactions.Get(ctx, tx.ID, nil); gerr == nil && moved(now, a) {
		return true, nil
	}
	msg := fmt.Sprintf("[%d] %s", apiErr.StatusCode, apiErr.Message)
	o := st.Order
	switch a.Kind {
	case ActCapture:
		_, _, nerr := e.wc.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: fmt.Sprintf(NoteCaptureFailed, msg)})
		if nerr != nil {
			return false, nerr
		}
	case ActVoid:
		_, _, nerr := e.wc.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: fmt.Sprintf(NoteCancelFailed, msg)})
		if nerr != nil {
			return false, nerr
		}
	case ActRefund:
		if _, _, nerr := e.wc.Notes.Create(ctx, o.ID, &woocommerce.NoteRequest{Note: fmt.Sprintf(NoteRefundFailed, msg)}); nerr != nil {
			return false, nerr
		}
		if a.RefundRecord != 0 {
			// As WooCommerce does when a gateway refuses: the record goes.
			if _, derr := e.wc.Refunds.Delete(ctx, o.ID, a.RefundRecord); derr != nil {
				return false, derr
			}
		}
		return false, nil
	}
	if a.FailStatus != "" {
		if _, _, serr := e.wc.Orders.SetStatus(ctx, o.ID, a.FailStatus); serr != nil {
			return false, serr
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

func (e *Engine) setAndReconcile(ctx context.Context, orderID int64, status woocommerce.Status) (*Result, error) {
	unlock, err := e.lock(ctx, orderID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, _, err := e.wc.Orders.SetStatus(ctx, orderID, status); err != nil {
		return nil, err
	}
	return e.reconcile(ctx, orderID)
}
