package wctest

import (
	"bytes"
	"encoding/json"
	"strings"
)

// wpBool validates and sanitises a boolean parameter as WordPress does
// (rest_is_boolean, rest_sanitize_boolean; RAPI 1514–1558): true and false,
// the strings "true", "false", "1" and "0" in any case, and the integers
// 0 and 1. JSON null sanitises to false. Anything else is refused.
func wpBool(raw json.RawMessage) (value, valid bool) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "true", "1":
		return true, true
	case "false", "0", "null":
		return false, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// boolParam reads a boolean parameter, def when absent; valid is false
// when the value is not a boolean.
func (r *request) boolParam(name string, def bool) (value, valid bool) {
	raw, ok := r.param(name)
	if !ok {
		return def, true
	}
	return wpBool(raw)
}

// notBoolean is WordPress's message for a parameter that is no boolean.
func notBoolean(name string) [3]string {
	return [3]string{name, "rest_invalid_type", name + " is not of type boolean."}
}
