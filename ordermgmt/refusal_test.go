package ordermgmt

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dinterowoo/dinterowoo/dintero"
)

// TestRefusalClassifies: a request the client would not send is refused
// for good (nothing was sent, so nothing is in doubt), as is Dintero's
// 4xx; 401, 429, 5xx and unknown outcomes decide nothing.
func TestRefusalClassifies(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		definite bool
		msg      string
	}{
		{"client refused to send", fmt.Errorf("dintero.Transactions.Capture: %w: item gc has a negative amount", dintero.ErrInvalidRequest), true, "not sent: "},
		{"Dintero said 400", &dintero.APIError{StatusCode: 400, Message: "too much"}, true, "[400] too much"},
		{"401", &dintero.APIError{StatusCode: 401}, false, ""},
		{"429", &dintero.APIError{StatusCode: 429}, false, ""},
		{"503", &dintero.APIError{StatusCode: 503}, false, ""},
		{"400 of unknown outcome", &dintero.APIError{StatusCode: 400, OutcomeUnknown: true}, false, ""},
		{"connection broke", fmt.Errorf("x: %w", dintero.ErrOutcomeUnknown), false, ""},
		{"other", errors.New("dns"), false, ""},
	}
	for _, tt := range tests {
		msg, definite := refusal(tt.err)
		if definite != tt.definite || !strings.HasPrefix(msg, tt.msg) {
			t.Errorf("%s: %q %v", tt.name, msg, definite)
		}
	}
}
