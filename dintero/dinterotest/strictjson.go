package dinterotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Go's JSON decoder matches field names without regard to case and lets
// a repeated key's last value win. Dintero's API is specified with exact,
// lower-case names; a server that took "Amount" for "amount" would let a
// client with a wrong tag pass every test. These checks run before a body
// is decoded.

// duplicateKey returns the first key that an object of buf repeats.
func duplicateKey(buf []byte) (string, bool) {
	type frame struct {
		object, expectKey bool
		keys              map[string]bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return "", false // syntax errors are reported by the decoder
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{object: true, expectKey: true, keys: map[string]bool{}})
			case '[':
				stack = append(stack, &frame{})
			default: // a value ends: its parent object wants a key again
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expectKey = true
				}
			}
		default:
			switch {
			case top == nil || !top.object:
			case top.expectKey:
				k, _ := v.(string)
				if top.keys[k] {
					return k, true
				}
				top.keys[k] = true
				top.expectKey = false
			default:
				top.expectKey = true
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') && top != nil && top.object {
			top.expectKey = false // the key's value is this object or array
		}
	}
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// caseMismatch walks a decoded document beside the type it will fill and
// returns the first key that names a field only when case is ignored.
// Unknown keys are ignored, as the fields a server does not read are.
func caseMismatch(doc any, t reflect.Type, path string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok || t == rawMessageType {
			return "", false
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
		}
		for k, v := range obj {
			if ft, ok := fields[k]; ok {
				if bad, found := caseMismatch(v, ft, path+k+"."); found {
					return bad, true
				}
				continue
			}
			for name := range fields {
				if strings.EqualFold(name, k) {
					return fmt.Sprintf("%s%s (the field is %q)", path, k, name), true
				}
			}
		}
	case reflect.Slice:
		if arr, ok := doc.([]any); ok && t != rawMessageType {
			for i, e := range arr {
				if bad, found := caseMismatch(e, t.Elem(), fmt.Sprintf("%s%d.", path, i)); found {
					return bad, true
				}
			}
		}
	case reflect.Map:
		// Keys are data (metadata); values may hold fields.
		if obj, ok := doc.(map[string]any); ok {
			for k, v := range obj {
				if bad, found := caseMismatch(v, t.Elem(), path+k+"."); found {
					return bad, true
				}
			}
		}
	}
	return "", false
}
