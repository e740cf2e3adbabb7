package ordermgmt

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/money"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// State is what the engine knows of an order: the WooCommerce order, its
// refund records, and the Dintero transaction (nil when the order has none).
type State struct {
	Order       *woocommerce.Order
	Refunds     []*woocommerce.Refund
	Transaction *dintero.Transaction
	// Now is when the state was read, for the in-doubt wait (zero: the
	// time PlanState runs).
	Now time.Time
	// Notes are the order's notes, when read (Engine.Plan and Reconcile
	// read them when it matters). With them, a refund record is only taken
	// for WooCommerce's automatic one if WooCommerce's note about it
	// (Settings.AutomaticRefundNotes) is there too: a full refund recorded
	// by hand with exactly its reason and amount is then money returned by
	// hand.
	Notes []*woocommerce.Note
}

// ActionKind is what an Action does.
type ActionKind int

// Kinds of actions.
const (
	// ActCapture captures Amount with Items at Dintero.
	ActCapture ActionKind = iota + 1
	// ActVoid voids the authorization at Dintero.
	ActVoid
	// ActRefund refunds Amount with Items at Dintero. With RefundRecord
	// set it completes a refund recorded in WooCommerce by Refund.
	ActRefund
	// ActSetStatus moves the order to Status.
	ActSetStatus
	// ActNote writes Note on the order.
	ActNote
	// ActRecordNote records NoteKey in MetaNoted for a note already on the
	// order: the capture note is written right after the capture, and its
	// key recorded by the next Reconcile that finds it (Engine.Plan and
	// Reconcile look; PlanState, which does no I/O, plans ActNote).
	ActRecordNote
	// ActUpdateMeta writes Meta on the order, with the plan's next write
	// (or alone, at the end): the plugin's awaiting-authorization meta.
	ActUpdateMeta
)

func (k ActionKind) String() string {
	return [...]string{"", "capture", "void", "refund", "set-status", "note", "record-note", "update-meta"}[k]
}

// Action is one step Reconcile takes.
type Action struct {
	Kind ActionKind
	// Amount and Items are the money moved, in minor units.
	Amount int64
	Items  []dintero.Item
	// Reference is the capture_reference or refund_reference; it names the
	// order and the operation, so the same work always has the same
	// reference and can be found among Dintero's events.
	Reference string
	Reason    string
	// RefundRecord is the WooCommerce refund record a refund completes.
	RefundRecord int64
	// Status is the status of ActSetStatus, and Meta what is written with
	// it in the same update.
	Status woocommerce.Status
	Meta   []woocommerce.Meta
	// Note is written after the action succeeds (for ActNote, it is the
	// action); NoteKey records it in MetaNoted so it is written once.
	Note    string
	NoteKey string
	// FailStatus is where the order goes when the action fails for good
	// ("" leaves the status alone).
	FailStatus woocommerce.Status
}

func (a Action) String() string {
	switch a.Kind {
	case ActCapture, ActRefund:
		return fmt.Sprintf("%s %d (%s)", a.Kind, a.Amount, a.Reference)
	case ActSetStatus:
		return fmt.Sprintf("%s %s", a.Kind, a.Status)
	case ActNote, ActRecordNote:
		return fmt.Sprintf("%s %q", a.Kind, a.Note)
	case ActUpdateMeta:
		keys := make([]string, len(a.Meta))
		for i, m := range a.Meta {
			keys[i] = m.Key
		}
		return fmt.Sprintf("%s %s", a.Kind, strings.Join(keys, ","))
	}
	return a.Kind.String()
}

// Plan is what Reconcile would do for an order.
type Plan struct {
	OrderID int64
	Actions []Action
	// Waiting lists the money movements not planned because an earlier
	// attempt may still be completed by Dintero, and until when.
	Waiting []InDoubt
	// Skipped tells why nothing is planned for an order dinterowoo does not
	// manage ("" when it does).
	Skipped string
	// Blocked, when set, is why no money may move for the order at all
	// (ErrTransactionMismatch, ErrAuthorizationMismatch): the actions
	// then only note it and set the failure status, and Reconcile returns
	// it.
	Blocked error
}

// TransactionBelongs reports whether tx is order o's payment: its
// merchant_reference is OrderReference(o.ID) (sessions this SDK creates)
// or the order's _dintero_merchant_reference meta (sessions the Dintero
// plugin created), or its merchant_reference_2 is the order number (which
// the plugin writes back after confirmation).
//
// The plugin's current versions name the session after the order number
// (a merchant_reference equal to it belongs too). Any other numeric
// merchant_reference names another order, by id or by number, and is never
// overridden by the meta: order meta is writable by anyone with
// shop-manager rights, the order number is not.
func TransactionBelongs(o *woocommerce.Order, tx *dintero.Transaction) bool {
	if tx.MerchantReference != "" && (tx.MerchantReference == OrderReference(o.ID) || tx.MerchantReference == o.Number) {
		return true
	}
	if id, err := strconv.ParseInt(tx.MerchantReference, 10, 64); err == nil && id > 0 {
		return false // another order's
	}
	if m, ok := o.Meta(MetaPluginMerchantReference); ok && m.StringValue() != "" && tx.MerchantReference == m.StringValue() {
		return true
	}
	return tx.MerchantReference2 != "" && tx.MerchantReference2 == o.Number
}

// References used for money movements: they name the WooCommerce order
// and the operation, so the same operation always carries the same one.
func captureReference(orderID int64) string {
	return "wc-" + strconv.FormatInt(orderID, 10) + "-capture"
}
func statusRefundReference(orderID int64) string {
	return "wc-" + strconv.FormatInt(orderID, 10) + "-refund-status"
}
func cancelReference(orderID int64) string { return "wc-" + strconv.FormatInt(orderID, 10) + "-cancel" }

// RefundReference is the refund_reference of the refund that completes
// WooCommerce refund record refundID of the order.
func RefundReference(orderID, refundID int64) string {
	return fmt.Sprintf("wc-%d-refund-%d", orderID, refundID)
}

// noted reads MetaNoted.
func noted(o *woocommerce.Order) map[string]bool {
	out := map[string]bool{}
	if m, ok := o.Meta(MetaNoted); ok {
		for _, k := range strings.Split(m.StringValue(), ",") {
			if k != "" {
				out[k] = true
			}
		}
	}
	return out
}

// automaticRefund reports whether a refund record is the one WooCommerce
// core makes by itself when an order is set to Refunded, recognised by its
// whole shape, never by its free-text reason alone: an amount without
// lines, not made by dinterowoo, with exactly that reason (WooCommerce
// translates it; Settings.AutomaticRefundReasons adds a store's language),
// and for exactly what was left before it (refundedBefore: the records
// made earlier). A record made by hand that only looks like it ("Order
// fully refunded in store (cash)") is money already returned, and is
// never sent to Dintero again.
func automaticRefund(r *woocommerce.Refund, amount, refundedBefore, total int64, s *Settings) bool {
	return amount == total-refundedBefore && shapedLikeAutomatic(r, s)
}

// shapedLikeAutomatic reports whether r has the automatic record's shape:
// not ours, an amount without lines, and exactly its (translated) reason.
func shapedLikeAutomatic(r *woocommerce.Refund, s *Settings) bool {
	return !marked(r) && len(r.LineItems)+len(r.ShippingLines)+len(r.FeeLines) == 0 &&
		slices.Contains(s.AutomaticRefundReasons, strings.TrimSpace(r.Reason))
}

// coreRefundNoted reports whether WooCommerce wrote the note it adds after
// making its automatic refund record (and only then).
func coreRefundNoted(notes []*woocommerce.Note, s *Settings) bool {
	for _, n := range notes {
		if slices.Contains(s.AutomaticRefundNotes, strings.TrimSpace(n.Note)) {
			return true
		}
	}
	return false
}

// mayHaveAutomaticRefund reports whether st has a record shaped like
// WooCommerce's automatic one, on an order in a refund status: only then
// do the notes matter to the plan.
func mayHaveAutomaticRefund(st State, s *Settings) bool {
	if !s.isRefund(st.Order.Status) {
		return false
	}
	return slices.ContainsFunc(st.Refunds, func(r *woocommerce.Refund) bool { return shapedLikeAutomatic(r, s) })
}

func marked(r *woocommerce.Refund) bool {
	_, ok := r.Meta(MetaRefundMarker)
	return ok
}

func isSwish(tx *dintero.Transaction) bool {
	return strings.HasPrefix(strings.ToLower(tx.PaymentProductType), "swish") || strings.EqualFold(tx.PaymentProduct, "swish")
}

// PlanState decides what must happen for an order to agree with its
// transaction, from the state alone: it does no I/O. The rules are the
// plugin's (see the package documentation), run level-triggered: planning
// again after the actions are done gives nothing more to do.
//
// Money movements whose last attempt may still be completed by Dintero (see
// Settings.InDoubtWait) are listed in the plan's Waiting, not its Actions.
func PlanState(st State, s Settings) (*Plan, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	o := st.Order
	p := &Plan{OrderID: o.ID}
	if st.Now.IsZero() {
		st.Now = time.Now()
	}
	if o.PaymentMethod != s.PaymentMethod {
		p.Skipped = fmt.Sprintf("paid with %q, not %q", o.PaymentMethod, s.PaymentMethod)
		return p, nil
	}
	done := noted(o)
	add := func(a Action) { p.Actions = append(p.Actions, a) }
	note := func(key, text string) {
		if !done[key] {
			add(Action{Kind: ActNote, Note: text, NoteKey: key})
			done[key] = true
		}
	}
	// block stops all money for the order: a note once, the failure
	// status, and the reason Reconcile returns.
	block := func(key, text string, why error) (*Plan, error) {
		note(key, text)
		if o.Status != s.FailureStatus {
			add(Action{Kind: ActSetStatus, Status: s.FailureStatus})
		}
		p.Blocked = why
		return p, nil
	}
	tx := st.Transaction
	if tx == nil {
		// A cancelled order that was never paid (no date_paid: an
		// abandoned checkout) needs nothing; the plugin stays silent too.
		if s.isCapture(o.Status) || s.isCancel(o.Status) && !o.DatePaid.IsZero() {
			note("missing-tx", NoteMissingTransaction)
			add(Action{Kind: ActSetStatus, Status: s.FailureStatus})
		}
		return p, nil
	}
	// A transaction that is not this order's payment is never acted on:
	// a wrong transaction_id would void, refund or count as paid another
	// customer's payment.
	if !TransactionBelongs(o, tx) {
		return block("mismatch:"+tx.ID, fmt.Sprintf(NoteTransactionMismatch, tx.ID),
			fmt.Errorf("%w: order %d, transaction %s", ErrTransactionMismatch, o.ID, tx.ID))
	}
	ls, err := NewLines(o, st.Refunds)
	if err != nil {
		return nil, err
	}
	ls.alignTo(tx.Items)
	cur := ls.Currency
	total, err := cur.ToMinor(o.Total)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(tx.Currency, o.Currency) {
		return block("currency:"+tx.ID,
			fmt.Sprintf(NoteAuthorizationMismatch, tx.Currency+" "+strconv.FormatInt(tx.Amount, 10)+" (minor units)", cur.Format(total)),
			fmt.Errorf("%w: order %d in %s, transaction %s in %s", ErrAuthorizationMismatch, o.ID, o.Currency, tx.ID, tx.Currency))
	}
	// Paid means authorized for the order: an authorization that does not
	// cover its total must not move it on, and goods must not ship on it.
	covers := tx.Amount >= total-s.CaptureTolerance
	refundedWC := int64(0)         // every refund record
	refundedNotAuto := int64(0)    // all but WooCommerce's automatic one
	byHand := int64(0)             // records neither dinterowoo's nor automatic
	for _, r := range st.Refunds { // oldest first
		a, err := cur.ToMinor(r.Amount)
		if err != nil {
			return nil, err
		}
		auto := automaticRefund(r, a, refundedWC, total, &s) && (st.Notes == nil || coreRefundNoted(st.Notes, &s))
		refundedWC += a
		if !auto {
			refundedNotAuto += a
			if !marked(r) {
				byHand += a
			}
		}
	}

	// Refunds recorded by Refund whose Dintero half is missing (a crash,
	// or an outcome that stayed unknown) are completed; done ones that have
	// no note yet get it.
	for _, r := range st.Refunds {
		if !marked(r) {
			continue
		}
		ref := RefundReference(o.ID, r.ID)
		if tx.FindEvent(dintero.EventRefund, ref) != nil {
			note("refund:"+ref, refundNote(cur, r, refundedWC, total))
			continue
		}
		amount, items, err := refundItems(ls, r)
		if err != nil {
			return nil, err
		}
		add(Action{Kind: ActRefund, Amount: amount, Items: items, Reference: ref, Reason: r.Reason, RefundRecord: r.ID,
			Note: refundNote(cur, r, refundedWC, total), NoteKey: "refund:" + ref})
	}

	pendingCapture := tx.PendingAmount(dintero.EventCapture) > 0
	switch {
	case s.isCapture(o.Status):
		switch {
		case tx.Status == dintero.StatusOnHold:
			add(Action{Kind: ActNote, Note: NoteMustAuthorize})
			add(Action{Kind: ActSetStatus, Status: s.FailureStatus})
		case tx.Status.CanCapture() && tx.RemainingToCapture() > 0 && !pendingCapture:
			left := tx.RemainingToCapture()
			want := total - refundedWC - tx.CapturedAmount()
			switch {
			case want > left+s.CaptureTolerance:
				add(Action{Kind: ActNote, Note: fmt.Sprintf(NoteTotalAboveAuthorized, cur.Format(want), cur.Format(left))})
				add(Action{Kind: ActSetStatus, Status: s.FailureStatus})
			case want > 0:
				amount := min(want, left)
				add(Action{Kind: ActCapture, Amount: amount, Items: captureItems(ls, tx, amount), Reference: captureReference(o.ID),
					Note: fmt.Sprintf(NoteCapturedAmount, cur.Format(amount)), NoteKey: "capture", FailStatus: s.FailureStatus})
				done["capture"] = true
			case tx.CapturedAmount() > 0:
				note("capture", fmt.Sprintf(NoteCapturedAmount, cur.Format(tx.CapturedAmount())))
			}
		case tx.Status.IsCaptured() && !pendingCapture:
			note("capture", fmt.Sprintf(NoteCapturedAmount, cur.Format(tx.CapturedAmount())))
		}
	case s.isCancel(o.Status):
		switch {
		case (tx.Status == dintero.StatusAuthorized || tx.Status == dintero.StatusOnHold || tx.Status == dintero.StatusInitiated) &&
			tx.FindEvent(dintero.EventVoid, "") != nil:
			// A void Dintero accepted (202) and has not completed yet.
			note("cancel", NoteCanceled)
		case tx.Status == dintero.StatusAuthorized || tx.Status == dintero.StatusOnHold || tx.Status == dintero.StatusInitiated:
			add(Action{Kind: ActVoid, Note: NoteCanceled, NoteKey: "cancel", FailStatus: s.FailureStatus})
			done["cancel"] = true
		case tx.Status == dintero.StatusAuthorizationVoided:
			note("cancel", NoteCanceled)
		case tx.Status.IsCaptured() && isSwish(tx):
			ref := cancelReference(o.ID)
			if tx.FindEvent(dintero.EventRefund, ref) != nil {
				note("cancel", NoteRefunded)
			} else if left := min(tx.RemainingToRefund(), total-refundedNotAuto); left > 0 {
				add(Action{Kind: ActRefund, Amount: left, Reference: ref, Reason: SwishCancelReason,
					Note: NoteRefunded, NoteKey: "cancel"})
				done["cancel"] = true
			}
		case tx.Status.IsCaptured():
			note("cancel-refused", NoteCapturedNoCancel)
		}
	case s.isRefund(o.Status) && !s.NoRefundOnStatusChange:
		if byHand > 0 {
			note(fmt.Sprintf("by-hand:%d", byHand), fmt.Sprintf(NoteRefundedByHand, cur.Format(byHand)))
		}
		ref := statusRefundReference(o.ID)
		switch {
		case tx.FindEvent(dintero.EventRefund, ref) != nil:
			note("status-refund", NoteRefunded)
		case tx.Status.CanRefund():
			// What WooCommerce had outstanding before its automatic record,
			// never more than Dintero can refund; money already returned
			// by hand ("Refund manually") is not sent again.
			if amount := min(tx.RemainingToRefund(), total-refundedNotAuto); amount > 0 {
				add(Action{Kind: ActRefund, Amount: amount, Reference: ref, Note: NoteRefunded, NoteKey: "status-refund"})
				done["status-refund"] = true
			}
		case tx.Status == dintero.StatusAuthorized:
			note("refund-not-captured", NoteNothingToRefund)
		}
	}

	// The WooCommerce status follows Dintero's where Dintero decided.
	awaiting := hasAwaitingMeta(o)
	switch {
	case tx.Status == dintero.StatusOnHold && o.Status != s.ManualReviewStatus &&
		slices.Contains([]woocommerce.Status{woocommerce.StatusPending, s.AuthorizedStatus}, o.Status):
		note("needs-authorization:"+tx.ID, fmt.Sprintf(NoteNeedsAuthorization, tx.ID))
		add(Action{Kind: ActSetStatus, Status: s.ManualReviewStatus,
			Meta: []woocommerce.Meta{woocommerce.MetaString(MetaAwaitingAuthorization, tx.ID)}})
	case tx.Status == dintero.StatusOnHold && o.Status == s.ManualReviewStatus && !awaiting && s.ManualReviewStatus == s.FailureStatus:
		// In the review status already (the authorized status may be the
		// same one), which is also the failure status: only the meta tells
		// that the order waits. Recorded once, without a status write that
		// would wake the webhook for nothing.
		add(Action{Kind: ActUpdateMeta, Meta: []woocommerce.Meta{woocommerce.MetaString(MetaAwaitingAuthorization, tx.ID)}})
	case (tx.Status == dintero.StatusAuthorized || tx.Status.IsCaptured()) && !covers &&
		(o.Status == woocommerce.StatusPending || o.Status == s.ManualReviewStatus && awaitingAuthorization(o, &s)):
		note("amount:"+tx.ID, fmt.Sprintf(NoteAuthorizationMismatch, cur.Format(tx.Amount), cur.Format(total)))
		add(Action{Kind: ActSetStatus, Status: s.FailureStatus, Meta: []woocommerce.Meta{woocommerce.MetaDelete(MetaAwaitingAuthorization)}})
		p.Blocked = fmt.Errorf("%w: order %d of %s, %s authorized", ErrAuthorizationMismatch, o.ID, cur.Format(total), cur.Format(tx.Amount))
	case (tx.Status == dintero.StatusAuthorized || tx.Status.IsCaptured()) && o.Status == s.ManualReviewStatus && awaitingAuthorization(o, &s):
		add(Action{Kind: ActNote, Note: NoteAuthorized})
		clearAwaiting := []woocommerce.Meta{woocommerce.MetaDelete(MetaAwaitingAuthorization)}
		if s.AuthorizedStatus == o.Status {
			add(Action{Kind: ActUpdateMeta, Meta: clearAwaiting})
		} else {
			add(Action{Kind: ActSetStatus, Status: s.AuthorizedStatus, Meta: clearAwaiting})
		}
	case (tx.Status == dintero.StatusAuthorized || tx.Status.IsCaptured()) && o.Status == woocommerce.StatusPending:
		note("placed:"+tx.ID, fmt.Sprintf(NotePlaced, tx.ID))
		add(Action{Kind: ActSetStatus, Status: s.AuthorizedStatus})
	case tx.Status == dintero.StatusAuthorizationVoided && !s.isCancel(o.Status):
		add(Action{Kind: ActNote, Note: NoteCanceledInDintero})
		add(Action{Kind: ActSetStatus, Status: s.CancelStatuses[0]})
	case (tx.Status == dintero.StatusDeclined || tx.Status == dintero.StatusFailed) && o.Status != woocommerce.StatusFailed:
		add(Action{Kind: ActNote, Note: NoteNotApproved})
		add(Action{Kind: ActSetStatus, Status: woocommerce.StatusFailed})
	}
	// The awaiting meta outlives no wait: an order that left the review
	// status while Dintero no longer holds it waits for nothing, and must
	// not be taken for one that does if it comes back to that status (a
	// refused capture puts it on hold, which may be the review status).
	// It goes first, with the plan's first write.
	if awaiting && o.Status != s.ManualReviewStatus && tx.Status != dintero.StatusOnHold {
		p.Actions = append([]Action{{Kind: ActUpdateMeta, Meta: []woocommerce.Meta{woocommerce.MetaDelete(MetaAwaitingAuthorization)}}}, p.Actions...)
	}
	if err := holdInDoubt(st, p, &s); err != nil {
		return nil, err
	}
	return p, nil
}

// holdInDoubt moves the money movements whose last attempt may still be
// completed by Dintero from the plan's actions to its Waiting list: the
// planner found no event with their reference, but an attempt started
// less than InDoubtWait ago.
func holdInDoubt(st State, p *Plan, s *Settings) error {
	if s.noWait {
		return nil
	}
	recorded, err := readAttempts(st.Order, st.Now)
	if err != nil {
		return err
	}
	kept := p.Actions[:0]
	for _, a := range p.Actions {
		if a.Kind == ActCapture || a.Kind == ActVoid || a.Kind == ActRefund {
			since, ok := attemptOf(st, recorded, a)
			if ok && since.After(st.Now.Add(maxClockSkew)) {
				return fmt.Errorf("ordermgmt: order %d: the attempt of %s is dated %s, in the future: check the clocks", st.Order.ID, a, since.UTC().Format(time.RFC3339))
			}
			if ok && st.Now.Before(since.Add(s.InDoubtWait)) {
				p.Waiting = append(p.Waiting, InDoubt{Action: a, Since: since, Until: since.Add(s.InDoubtWait)})
				continue
			}
		}
		kept = append(kept, a)
	}
	p.Actions = kept
	return nil
}

// awaitingAuthorization reports whether the order waits for Dintero's
// authorization (ON_HOLD), as the plugin tracks it: the transaction id in
// MetaAwaitingAuthorization. When the manual-review status is not also the
// failure status, being in it says as much (orders put there before the
// meta was written).
func awaitingAuthorization(o *woocommerce.Order, s *Settings) bool {
	return hasAwaitingMeta(o) || s.ManualReviewStatus != s.FailureStatus
}

func hasAwaitingMeta(o *woocommerce.Order) bool {
	m, ok := o.Meta(MetaAwaitingAuthorization)
	return ok && m.StringValue() != ""
}

// refundNote is the note for a refund record: refunded, or partially
// refunded with the record's amount, judged by WooCommerce's totals as the
// plugin does.
func refundNote(cur money.Currency, r *woocommerce.Refund, refundedWC, total int64) string {
	if refundedWC >= total {
		return NoteRefunded
	}
	amount, err := cur.ToMinor(r.Amount)
	if err != nil {
		return fmt.Sprintf(NotePartiallyRefunded, r.Amount.String()+" "+cur.Code)
	}
	return fmt.Sprintf(NotePartiallyRefunded, cur.Format(amount))
}

// captureItems are the lines of a capture of amount: what is left of each
// order line after refunds and after earlier captures (made in Dintero's
// Backoffice, say). If an earlier capture named no lines, what each line
// still holds is unknown, and the capture goes without lines.
func captureItems(ls *Lines, tx *dintero.Transaction, amount int64) []dintero.Item {
	captured := map[string]int64{}
	for _, e := range tx.Events {
		if e.Event != dintero.EventCapture || !e.Success {
			continue
		}
		if len(e.Items) == 0 {
			return nil
		}
		for _, it := range e.Items {
			captured[it.LineID] += it.Amount
		}
	}
	return ls.CaptureItems(amount, captured)
}
