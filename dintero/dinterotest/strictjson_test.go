package dinterotest

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDuplicateKey(t *testing.T) {
	tests := []struct {
		doc  string
		dup  string
		want bool
	}{
		{`{"amount":1,"items":[{"line_id":"a"},{"line_id":"a"}]}`, "", false},
		{`{"amount":1,"amount":2}`, "amount", true},
		{`{"items":[{"line_id":"a","line_id":"b"}]}`, "line_id", true},
		{`{"a":{"x":1},"b":{"x":1},"c":[1,{"x":2}],"d":"x"}`, "", false},
		{`{"a":{"x":{"y":1}},"a":2}`, "a", true},
		{`[{"k":1},{"k":1,"k":2}]`, "k", true},
	}
	for _, tt := range tests {
		k, dup := duplicateKey([]byte(tt.doc))
		if dup != tt.want || k != tt.dup {
			t.Errorf("%s: %q %v", tt.doc, k, dup)
		}
	}
}

func TestCaseMismatch(t *testing.T) {
	tests := []struct {
		doc  string
		want bool
	}{
		{`{"amount":1,"items":[{"line_id":"a","amount":1}],"metadata":{"ext_Order":"1"}}`, false},
		{`{"AMOUNT":1}`, true},
		{`{"amount":1,"items":[{"Line_ID":"a","amount":1}]}`, true},
		{`{"amount":1,"unknown_field":2}`, false},
	}
	for _, tt := range tests {
		var doc any
		json.Unmarshal([]byte(tt.doc), &doc)
		_, bad := caseMismatch(doc, reflect.TypeFor[*moneyRequest](), "")
		if bad != tt.want {
			t.Errorf("%s: %v", tt.doc, bad)
		}
	}
}
