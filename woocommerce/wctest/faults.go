package wctest

import "time"

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
	// Times is how many requests the fault applies to; 0 means all.
	Times int
}

type faultState struct {
	Fault
	used int
}

// InjectFault queues f on route; faults apply in the order injected.
func (s *Server) InjectFault(route Route, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], &faultState{Fault: f})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

func (s *Server) takeFault(route Route) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[route]++
	q := s.faults[route]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	f.used++
	if f.Times > 0 && f.used >= f.Times {
		s.faults[route] = q[1:]
	}
	out := f.Fault
	return &out
}

// Requests returns how many requests reached route, faulty ones included.
func (s *Server) Requests(route Route) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}
