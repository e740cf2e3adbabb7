//go:build race

package ordermgmt_test

// raceDetector is on: the race detector slows every request several
// times, so the load tests send fewer copies, keeping each delivery within
// the handler's budget on a small machine (a timed-out capture is rightly
// in doubt, which the tests would then count against the injected faults).
const raceDetector = true
