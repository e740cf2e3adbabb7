package ordermgmt

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dinterowoo/dinterowoo/dintero"
	"github.com/dinterowoo/dinterowoo/woocommerce"
)

// Meta keys of the in-flight records.
const (
	// MetaInFlightPrefix starts, on the order, the key of each attempt of
	// a money movement sent to Dintero (or about to be): the movement's
	// reference and the attempt's start time follow
	// ("_dinterowoo_inflight:wc-1001-capture@20261130T081500.000000000Z"),
	// and the value is the start time (RFC 3339). It is written before the
	// request leaves, so every restart and every replica knows that Dintero
	// may still complete it. One key per attempt, never rewritten, so that
	// a late or repeated write of one record never undoes another.
	MetaInFlightPrefix = "_dinterowoo_inflight:"
	// MetaAttemptAt is, on a refund record made by Refund, the time the
	// record was made, just before its refund at Dintero is first
	// attempted (RFC 3339): the record is the in-flight record of that
	// attempt.
	MetaAttemptAt = "_dinterowoo_attempt_at"
	// MetaSettledPrefix starts, on the order, the key that says when the
	// doubt about a movement (the reference follows) was last settled
	// without it: Dintero refused it, or turned it away unread (401, 429).
	// Attempts that started before that time are not in doubt.
	MetaSettledPrefix = "_dinterowoo_settled:"
	// MetaAwaitingAuthorization is the plugin's own key: the transaction id
	// of an order waiting for Dintero's authorization (ON_HOLD). Only such
	// an order is promoted when Dintero authorizes, so a manual-review
	// status shared with the failure status never hides a failed capture.
	MetaAwaitingAuthorization = "_wc_dintero_on_hold"
)

// ErrInDoubt is matched by an *InDoubtError.
var ErrInDoubt = errors.New("ordermgmt: an earlier attempt may still complete")

// InDoubtError is returned when an operation must wait because an earlier
// attempt's outcome is unknown and the attempt may still complete.
type InDoubtError struct {
	OrderID int64
	// What names the attempt: a reference, or "refund record" for a
	// WooCommerce refund create whose outcome is unknown.
	What         string
	Since, Until time.Time
}

func (e *InDoubtError) Error() string {
	return fmt.Sprintf("ordermgmt: order %d: %s, started at %s, may still be completed: do not repeat it; Reconcile completes it or finds it done after %s",
		e.OrderID, e.What, e.Since.UTC().Format(time.RFC3339), e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrInDoubt) true.
func (e *InDoubtError) Is(target error) bool { return target == ErrInDoubt }

// InDoubt is a money movement Reconcile does not send, because an earlier
// attempt with the same reference may still be completed by Dintero.
type InDoubt struct {
	// Action is what would be sent.
	Action Action
	// Since is when the last attempt started; Until is when the movement
	// may be sent again if Dintero still shows no event with its reference.
	Since, Until time.Time
}

func (w InDoubt) String() string {
	return fmt.Sprintf("%s in doubt until %s", w.Action, w.Until.UTC().Format(time.RFC3339))
}

// attempts are the order's in-flight records and the changes to them not
// written yet. Each attempt has a key of its own (the reference and the
// start time), never rewritten: a late or repeated write, which WooCommerce
// may commit after a newer one, can then only touch the attempt it was
// about, never erase a newer attempt of the same movement.
type attempts struct {
	entries map[string]attemptEntry // by meta key
	// settled is when the doubt about each reference was last settled
	// without the movement (MetaSettledPrefix).
	settled map[string]time.Time
	// dirty are the keys that must be written (set or deleted); stale are
	// deletions that go out with the next write but do not call for one.
	dirty, stale map[string]bool
}

type attemptEntry struct {
	ref     string
	started time.Time
	deleted bool
}

// maxClockSkew is how far in the future an in-flight record may be dated
// (another replica's clock running ahead) before it is taken for an error:
// a record dated next year would otherwise hold the order's money still
// until then, silently.
const maxClockSkew = 5 * time.Minute

// attemptKey is the meta key of the attempt of ref started at t.
func attemptKey(ref string, t time.Time) string {
	return MetaInFlightPrefix + ref + "@" + t.UTC().Format("20060102T150405.000000000Z")
}

// readAttempts parses the order's in-flight records as of now. Keys that
// name no movement of this order are not dinterowoo's and are left alone;
// a record of this order that cannot be read, or is dated too far in the
// future, is an error, never "nothing in flight": that could send money
// twice.
func readAttempts(o *woocommerce.Order, now time.Time) (*attempts, error) {
	a := &attempts{entries: map[string]attemptEntry{}, settled: map[string]time.Time{}, dirty: map[string]bool{}, stale: map[string]bool{}}
	own := "wc-" + strconv.FormatInt(o.ID, 10) + "-"
	for _, m := range o.MetaData {
		if ref, ok := strings.CutPrefix(m.Key, MetaSettledPrefix); ok && strings.HasPrefix(ref, own) {
			// Unreadable: no settlement, so the doubt stays (safe).
			if t, err := time.Parse(time.RFC3339Nano, m.StringValue()); err == nil {
				a.settled[ref] = t
			}
			continue
		}
		name, ok := strings.CutPrefix(m.Key, MetaInFlightPrefix)
		if !ok {
			continue
		}
		ref, _, found := strings.Cut(name, "@")
		if !found || !strings.HasPrefix(ref, own) {
			continue
		}
		v := m.StringValue()
		if v == "" {
			continue // deleted by a store that keeps empty values
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("ordermgmt: order %d: unreadable in-flight record %s: %w", o.ID, m.Key, err)
		}
		if t.After(now.Add(maxClockSkew)) {
			return nil, fmt.Errorf("ordermgmt: order %d: in-flight record %s is dated %s, in the future: check the clocks, or delete the meta once Dintero shows the movement's outcome",
				o.ID, m.Key, v)
		}
		a.entries[m.Key] = attemptEntry{ref: ref, started: t}
	}
	return a, nil
}

// latest is when the last recorded attempt of ref started.
func (a *attempts) latest(ref string) (time.Time, bool) {
	t, ok := a.refs()[ref]
	return t, ok
}

// refs are the references with a recorded attempt, and the last start.
func (a *attempts) refs() map[string]time.Time {
	out := map[string]time.Time{}
	for _, e := range a.entries {
		if t, ok := out[e.ref]; !e.deleted && (!ok || e.started.After(t)) {
			out[e.ref] = e.started
		}
	}
	return out
}

// set records an attempt of ref starting at t.
func (a *attempts) set(ref string, t time.Time) {
	k := attemptKey(ref, t)
	a.entries[k] = attemptEntry{ref: ref, started: t}
	a.dirty[k] = true
}

// clear ends the doubt about ref at now: its attempts' records go, and
// the settlement outranks the refund record's own time, if any.
func (a *attempts) clear(ref string, now time.Time) {
	for k, e := range a.entries {
		if e.ref == ref && !e.deleted {
			e.deleted = true
			a.entries[k] = e
			a.dirty[k] = true
		}
	}
	if !isCreateRef(ref) { // a create's record, if any, ends its doubt itself
		a.settled[ref] = now
		a.dirty[MetaSettledPrefix+ref] = true
	}
}

// due reports whether a change calls for a write.
func (a *attempts) due() bool { return len(a.dirty) > 0 }

// meta is the update entries of the changes, stale deletions included.
func (a *attempts) meta() []woocommerce.Meta {
	var out []woocommerce.Meta
	for _, set := range []map[string]bool{a.dirty, a.stale} {
		for k := range set {
			if ref, ok := strings.CutPrefix(k, MetaSettledPrefix); ok {
				if t, ok := a.settled[ref]; ok {
					out = append(out, woocommerce.MetaString(k, t.UTC().Format(time.RFC3339Nano)))
				} else {
					out = append(out, woocommerce.MetaDelete(k))
				}
				continue
			}
			if e := a.entries[k]; e.deleted {
				out = append(out, woocommerce.MetaDelete(k))
			} else {
				out = append(out, woocommerce.MetaString(k, e.started.UTC().Format(time.RFC3339Nano)))
			}
		}
	}
	slices.SortFunc(out, func(x, y woocommerce.Meta) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// written forgets the changes once an update carrying meta() succeeded.
func (a *attempts) written() {
	for k := range a.dirty {
		if a.entries[k].deleted {
			delete(a.entries, k)
		}
	}
	for k := range a.stale {
		delete(a.entries, k)
	}
	clear(a.dirty)
	clear(a.stale)
}

// prune drops, with the next write, the records that no longer matter:
// attempts whose own wait is over (an expired attempt and no attempt mean
// the same), movements Dintero shows done, and refund-record creates whose
// record exists. Each key is its attempt's alone, so a late copy of this
// deletion can never erase a newer attempt.
func (a *attempts) prune(st State, now time.Time, wait time.Duration) {
	for ref, t := range a.settled {
		// A settlement older than the wait outranks nothing that matters.
		if !now.Before(t.Add(wait)) {
			delete(a.settled, ref)
			a.stale[MetaSettledPrefix+ref] = true
		}
	}
	for k, e := range a.entries {
		switch {
		case e.deleted:
			continue
		case !now.Before(e.started.Add(wait)):
		case isCreateRef(e.ref):
			if recordWithMarker(st.Refunds, strings.TrimPrefix(e.ref, createPrefix(st.Order.ID))) == nil {
				continue
			}
		case st.Transaction != nil && referenceDone(st.Transaction, e.ref):
		default:
			continue
		}
		e.deleted = true
		a.entries[k] = e
		a.stale[k] = true
	}
}

// referenceDone reports whether Dintero shows a successful (or accepted)
// movement with the reference.
func referenceDone(tx *dintero.Transaction, ref string) bool {
	if strings.HasSuffix(ref, "-void") {
		return tx.Status == dintero.StatusAuthorizationVoided || tx.FindEvent(dintero.EventVoid, "") != nil
	}
	return tx.FindEvent(dintero.EventCapture, ref) != nil || tx.FindEvent(dintero.EventRefund, ref) != nil
}

// voidReference names a void in the in-flight records (Dintero's void
// carries no reference).
func voidReference(orderID int64) string { return "wc-" + strconv.FormatInt(orderID, 10) + "-void" }

// createPrefix starts the in-flight key of a refund record create: the
// record's marker follows.
func createPrefix(orderID int64) string {
	return "wc-" + strconv.FormatInt(orderID, 10) + "-refund-create-"
}

func isCreateRef(ref string) bool { return strings.Contains(ref, "-refund-create-") }

// recordWithMarker returns the refund record carrying the marker, or nil.
func recordWithMarker(rs []*woocommerce.Refund, marker string) *woocommerce.Refund {
	for _, r := range rs {
		if m, ok := r.Meta(MetaRefundMarker); ok && m.StringValue() == marker {
			return r
		}
	}
	return nil
}

// attemptOf is when the last attempt of a's movement started, and whether
// there was one: the order's in-flight record, or for the refund that
// completes a refund record, the record itself (made just before its first
// attempt), whichever is later.
func attemptOf(st State, recorded *attempts, a Action) (time.Time, bool) {
	ref := actionReference(st.Order.ID, a)
	t, ok := recorded.latest(ref)
	if a.Kind == ActRefund && a.RefundRecord != 0 {
		for _, r := range st.Refunds {
			if r.ID != a.RefundRecord {
				continue
			}
			rt := r.DateCreated.Time
			if m, found := r.Meta(MetaAttemptAt); found {
				if parsed, err := time.Parse(time.RFC3339Nano, m.StringValue()); err == nil {
					rt = parsed
				}
			}
			if !rt.IsZero() && (!ok || rt.After(t)) {
				t, ok = rt, true
			}
		}
	}
	if settled, found := recorded.settled[ref]; ok && found && !settled.Before(t) {
		return t, false // settled after the last attempt: no doubt
	}
	return t, ok
}

// actionReference is the in-flight key of a money movement.
func actionReference(orderID int64, a Action) string {
	if a.Kind == ActVoid {
		return voidReference(orderID)
	}
	return a.Reference
}

// createInDoubt returns an error when a refund record create of the
// order may still land: its outcome was unknown, no record carries its
// marker, and the wait is not over. Another create could then leave two
// records, and so two refunds, for one request.
func createInDoubt(st State, recorded *attempts, now time.Time, wait time.Duration) error {
	prefix := createPrefix(st.Order.ID)
	for ref, t := range recorded.refs() {
		marker, ok := strings.CutPrefix(ref, prefix)
		if !ok || recordWithMarker(st.Refunds, marker) != nil || !now.Before(t.Add(wait)) {
			continue
		}
		return &InDoubtError{OrderID: st.Order.ID, What: "a refund record create", Since: t, Until: t.Add(wait)}
	}
	return nil
}

// recordInDoubt returns an error when the refund that completes one of
// the order's refund records is in doubt: a caller that takes the error of
// its Refund for "nothing happened" and tries again would otherwise make
// a second record, and a second refund, while Dintero may still make the
// first.
func recordInDoubt(st State, recorded *attempts, now time.Time, wait time.Duration) error {
	for _, r := range st.Refunds {
		if !marked(r) {
			continue
		}
		ref := RefundReference(st.Order.ID, r.ID)
		if st.Transaction.FindEvent(dintero.EventRefund, ref) != nil {
			continue
		}
		since, ok := attemptOf(st, recorded, Action{Kind: ActRefund, Reference: ref, RefundRecord: r.ID})
		if ok && now.Before(since.Add(wait)) {
			return &InDoubtError{OrderID: st.Order.ID, What: "refund " + ref, Since: since, Until: since.Add(wait)}
		}
	}
	return nil
}

// rivalAttempt returns the key of an in-flight record of ref that after
// (the order as the write of ours returned it) holds, that before (as the
// worker read it) did not, and that is not ours: another worker's attempt
// at the same movement, started concurrently. "" when there is none.
func rivalAttempt(before, after *woocommerce.Order, ref, ours string) string {
	if after == nil {
		return ""
	}
	known := map[string]bool{}
	for _, m := range before.MetaData {
		known[m.Key] = true
	}
	prefix := MetaInFlightPrefix + ref + "@"
	for _, m := range after.MetaData {
		if strings.HasPrefix(m.Key, prefix) && m.Key != ours && !known[m.Key] && m.StringValue() != "" {
			return m.Key
		}
	}
	return ""
}
