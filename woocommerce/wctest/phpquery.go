package wctest

import (
	"strconv"
	"strings"
)

// The store reads its parameters as PHP fills $_GET and $_POST
// (main/php_variables.c, php_register_variable_ex), because WooCommerce
// both filters and checks OAuth signatures on that parsed form, not on the
// raw query:
//
//   - "k[]=a&k[]=b" and "k[0]=a&k[1]=b" are one array; children keep the
//     order they arrived in;
//   - a repeated plain key keeps the last value;
//   - in a name before its first "[", "." and " " become "_"; an unclosed
//     "[" becomes "_" as well;
//   - "+" is a space.
//
// This is the store's own parser, written from PHP's rules; it shares no
// code with the client's signer, so each checks the other.

// phpValue is a string or an ordered array.
type phpValue struct {
	str string
	arr *phpArr
}

type phpArr struct {
	order []string
	m     map[string]*phpValue
}

func (a *phpArr) put(k string, v *phpValue) {
	if _, seen := a.m[k]; !seen {
		a.order = append(a.order, k)
	}
	a.m[k] = v
}

// nextIndex is PHP's next free integer key: one past the largest.
func (a *phpArr) nextIndex() string {
	n := int64(0)
	for _, k := range a.order {
		if i, err := strconv.ParseInt(k, 10, 64); err == nil && strconv.FormatInt(i, 10) == k && i >= n {
			n = i + 1
		}
	}
	return strconv.FormatInt(n, 10)
}

// phpVars is $_GET (or $_POST): the top-level entries in arrival order.
type phpVars struct{ phpArr }

func newPHPVars() *phpVars { return &phpVars{phpArr{m: map[string]*phpValue{}}} }

// parsePHPQuery parses a raw query (or form body) into vars.
func (vars *phpVars) parse(raw string) {
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		vars.register(phpURLDecode(rawKey), phpURLDecode(rawVal))
	}
}

// phpURLDecode is PHP's urldecode: "+" is a space, a bad escape stays.
func phpURLDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (vars *phpVars) register(name, val string) {
	name = strings.TrimLeft(name, " ")
	var idx []string // "" is "[]"
	base := name
	if open := strings.IndexByte(name, '['); open >= 0 {
		if !strings.Contains(name[open:], "]") {
			base = underscore(name[:open]) + "_" + name[open+1:]
		} else {
			base = underscore(name[:open])
			rest := name[open:]
			for len(rest) > 0 && rest[0] == '[' {
				end := strings.IndexByte(rest, ']')
				if end < 0 {
					break
				}
				idx = append(idx, rest[1:end])
				rest = rest[end+1:]
			}
		}
	} else {
		base = underscore(name)
	}
	if base == "" {
		return
	}
	arr, key := &vars.phpArr, base
	for _, k := range idx {
		v := arr.m[key]
		if v == nil || v.arr == nil {
			v = &phpValue{arr: &phpArr{m: map[string]*phpValue{}}}
			arr.put(key, v)
		}
		arr, key = v.arr, k
		if k == "" {
			key = arr.nextIndex()
		}
	}
	arr.put(key, &phpValue{str: val})
}

func underscore(s string) string {
	return strings.NewReplacer(".", "_", " ", "_").Replace(s)
}

// merge puts other's entries over vars' (array_merge of string keys).
func (vars *phpVars) merge(other *phpVars) {
	for _, k := range other.order {
		vars.put(k, other.m[k])
	}
}

// get returns a top-level scalar.
func (vars *phpVars) get(k string) (string, bool) {
	v, ok := vars.m[k]
	if !ok || v.arr != nil {
		return "", false
	}
	return v.str, true
}

// has says whether a top-level key is present, as a scalar or an array.
func (vars *phpVars) has(k string) bool { _, ok := vars.m[k]; return ok }

// list reads an array parameter as WordPress does (rest_sanitize_array,
// wp_parse_list): an array's values in order, or a scalar split on commas
// and white space.
func (vars *phpVars) list(k string) []string {
	v, ok := vars.m[k]
	if !ok {
		return nil
	}
	if v.arr == nil {
		return strings.FieldsFunc(v.str, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	}
	var out []string
	for _, ck := range v.arr.order {
		if c := v.arr.m[ck]; c.arr == nil {
			out = append(out, c.str)
		}
	}
	return out
}

// encodeRaw writes vars back as add_query_arg does for a Link header:
// values as they are, not encoded (build_query runs with encoding off),
// arrays as k%5B0%5D=v.
func (vars *phpVars) encodeRaw() string {
	var parts []string
	var walk func(prefix string, v *phpValue)
	walk = func(prefix string, v *phpValue) {
		if v.arr == nil {
			parts = append(parts, prefix+"="+v.str)
			return
		}
		for _, k := range v.arr.order {
			walk(prefix+"%5B"+k+"%5D", v.arr.m[k])
		}
	}
	for _, k := range vars.order {
		walk(k, vars.m[k])
	}
	return strings.Join(parts, "&")
}
