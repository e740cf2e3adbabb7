package woocommerce

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// WooCommerce signs the parameters PHP has parsed into $_GET, not the
// query string the client wrote. PHP's parser differs from RFC 5849's view
// in three ways that change a signature (php_register_variable_ex):
//
//   - "k[]" and "k[0]" build an array: WooCommerce signs k%5B0%5D=…,
//     k%5B1%5D=… with the children in the order they arrived;
//   - a repeated plain key keeps only its last value;
//   - in a key's name before its first "[", "." and " " become "_", and a
//     "[" with no "]" after it becomes "_" too.
//
// phpParams reproduces that, so that the client signs what WooCommerce
// checks.

// phpParam is one top-level entry of $_GET: a string, or an array whose
// children keep their insertion order.
type phpParam struct {
	value    string
	children *phpArray
}

type phpArray struct {
	keys []string
	vals map[string]*phpParam
	next int64 // PHP's next free integer index, for "[]"
}

func newPHPArray() *phpArray { return &phpArray{vals: map[string]*phpParam{}} }

func (a *phpArray) set(key string, p *phpParam) {
	if _, ok := a.vals[key]; !ok {
		a.keys = append(a.keys, key)
	}
	a.vals[key] = p
	if n, err := strconv.ParseInt(key, 10, 64); err == nil && strconv.FormatInt(n, 10) == key && n >= a.next {
		a.next = n + 1
	}
}

// phpParseQuery parses a raw query string as PHP fills $_GET.
func phpParseQuery(raw string) *phpArray {
	root := newPHPArray()
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			// PHP keeps a malformed escape as it is.
			key, val = strings.ReplaceAll(k, "+", " "), strings.ReplaceAll(v, "+", " ")
		}
		phpRegister(root, key, val)
	}
	return root
}

// phpRegister stores one key=value pair as php_register_variable_ex does.
func phpRegister(root *phpArray, key, val string) {
	key = strings.TrimLeft(key, " ")
	name, rest := phpMangle(key), ""
	if i := strings.IndexByte(key, '['); i >= 0 {
		if strings.IndexByte(key[i:], ']') < 0 {
			// An unclosed "[" becomes "_", and what follows it is kept
			// as it is.
			name = phpMangle(key[:i]) + "_" + key[i+1:]
		} else {
			name, rest = phpMangle(key[:i]), key[i:]
		}
	}
	if name == "" {
		return
	}
	var path []string // nil element means "[]"
	appendIdx := []bool{}
	for strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			break
		}
		path = append(path, rest[1:end])
		appendIdx = append(appendIdx, end == 1)
		rest = rest[end+1:]
	}
	if len(path) == 0 {
		root.set(name, &phpParam{value: val})
		return
	}
	cur := root
	k := name
	for i, idx := range path {
		p := cur.vals[k]
		if p == nil || p.children == nil {
			p = &phpParam{children: newPHPArray()}
			cur.set(k, p)
		}
		cur = p.children
		k = idx
		if appendIdx[i] {
			k = strconv.FormatInt(cur.next, 10)
		}
	}
	cur.set(k, &phpParam{value: val})
}

func phpMangle(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == ' ' {
			return '_'
		}
		return r
	}, name)
}

// signedPairs returns WooCommerce's encoded "key=value" pairs of params
// (oauth_signature left out), in the order it joins them: top-level keys
// sorted with strcmp, array children in insertion order
// (normalize_parameters and join_with_equals_sign).
func (a *phpArray) signedPairs() []string {
	keys := make([]string, 0, len(a.keys))
	for _, k := range a.keys {
		if k != "oauth_signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // byte order, as uksort with strcmp
	var pairs []string
	var walk func(prefix string, p *phpParam)
	walk = func(prefix string, p *phpParam) {
		if p.children == nil {
			pairs = append(pairs, rawURLEncode(prefix+"="+rawURLEncode(p.value)))
			return
		}
		for _, ck := range p.children.keys {
			// Child keys are not encoded; only the brackets are.
			walk(prefix+"%5B"+ck+"%5D", p.children.vals[ck])
		}
	}
	for _, k := range keys {
		walk(rawURLEncode(k), a.vals[k])
	}
	return pairs
}
