//go:build !race

package ordermgmt_test

// raceDetector is off (see race_test.go).
const raceDetector = false
