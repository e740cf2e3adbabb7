package wctest

import (
	"time"
)

// Route names a group of endpoints for fault injection and request counts.
type Route string

// Routes of the store.
const (
	RouteListOrders   Route = "orders.list"
	RouteGetOrder     Route = "orders.get"
	RouteUpdateOrder  Route = "orders.update"
	RouteBatch        Route = "orders.batch"
	RouteNotes        Route = "notes.read"
	RouteCreateNote   Route = "notes.create"
	RouteDeleteNote   Route = "notes.delete"
	RouteRefunds      Route = "refunds.read"
	RouteCreateRefund Route = "refunds.create"
	RouteDeleteRefund Route = "refunds.delete"
	RouteWebhooks     Route = "webhooks"
)

// Fault is what the store does wrong on a route's next requests.
type Fault struct {
	// Latency delays the answer and the work.
	Latency time.Duration
	// Status answers with this status and a WordPress error body, without
	// doing anything.
	Status int
	// RetryAfter is sent as Retry-After with Status.
	RetryAfter time.Duration
	// DropAfterCommit does the work, then closes the connection unanswered.
	DropAfterCommit bool
	// LateCommit holds the request without an answer until the client
	// gives up (its deadline passes, it is cancelled or disconnects) or
	// HoldFor passes, cuts the connection, and does the work CommitDelay
	// later: PHP goes on running a request whose client has gone, so
	// WooCommerce commits it after the caller stopped waiting. Close drops
	// commits not done yet; WaitLateCommits waits for them.
	LateCommit  bool
	HoldFor     time.Duration
	CommitDelay time.Duration
	// Times is how many requests the fault applies to; 0 means all.
	Times int
}

// InjectFault queues f on route; faults apply in the order injected.
func (s *Server) InjectFault(route Route, f Fault) { s.faults.Inject(route, f, f.Times) }

// SetFaultFunc makes the server ask fn for a fault on every request that
// has no injected fault: a soak test draws faults at random this way. fn
// must be safe for concurrent use; nil turns it off.
func (s *Server) SetFaultFunc(fn func(Route) *Fault) {
	if fn == nil {
		s.faults.SetChooser(nil)
		return
	}
	s.faults.SetChooser(func(r Route) (Fault, bool) {
		if f := fn(r); f != nil {
			return *f, true
		}
		return Fault{}, false
	})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.faults.Clear() }

// takeFault counts a request on route and returns the fault that applies
// to it, if any.
func (s *Server) takeFault(route Route) *Fault {
	f, ok := s.faults.Take(route)
	if !ok {
		return nil
	}
	return &f
}

// Requests returns how many requests reached route, faulty ones included.
func (s *Server) Requests(route Route) int { return s.faults.Requests(route) }
