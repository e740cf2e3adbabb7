package dinterotest

import (
	"time"
)

// Route names a group of endpoints for fault injection and request counts.
type Route string

// Routes of the server.
const (
	RouteToken             Route = "token"
	RouteCreateSession     Route = "sessions.create"
	RouteGetSession        Route = "sessions.get"
	RouteUpdateSession     Route = "sessions.update"
	RouteCancelSession     Route = "sessions.cancel"
	RouteListTransactions  Route = "transactions.list"
	RouteGetTransaction    Route = "transactions.get"
	RouteUpdateTransaction Route = "transactions.update"
	RouteCapture           Route = "transactions.capture"
	RouteRefund            Route = "transactions.refund"
	RouteVoid              Route = "transactions.void"
	RouteAuthorization     Route = "transactions.authorization"
)

// Fault is what the server does wrong on a route's next requests.
type Fault struct {
	// Latency delays the answer (and the work).
	Latency time.Duration
	// Status answers with this HTTP status and a Dintero error body,
	// without doing anything.
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter time.Duration
	// DropAfterCommit does the work, then closes the connection without an
	// answer: the client cannot know the change happened.
	DropAfterCommit bool
	// Pending answers a capture, refund or void with 202 Accepted and an
	// event-request-id; the operation completes on CompletePending, or by
	// itself after CompleteAfter when that is set.
	Pending       bool
	CompleteAfter time.Duration
	// LateCommit holds the request without an answer until the client
	// gives up (its deadline passes, it is cancelled or disconnects) or
	// HoldFor passes, cuts the connection, and does the work CommitDelay
	// later: Dintero finishing a request after its caller has gone. The
	// work is validated when it is done, as Dintero would; Close drops
	// commits not done yet, WaitLateCommits waits for them.
	LateCommit  bool
	HoldFor     time.Duration
	CommitDelay time.Duration
	// VisibleAfter hides a capture, refund or void, once done, from reads
	// (GET and list) for this long, as a read replica that lags: with
	// DropAfterCommit, the change is made, the answer lost, and the event
	// seen only later. Later operations are checked against the real
	// state.
	VisibleAfter time.Duration
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
