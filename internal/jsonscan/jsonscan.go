// Package jsonscan is the reflection-free JSON reading the clients' fast
// decoders are built on (woocommerce's orders, refunds and notes, Dintero's
// transactions). It is strict and narrow on purpose: whatever it accepts,
// encoding/json accepts and decodes the same way; anything else stops it
// with ErrSlowPath, and Decode hands the whole body to encoding/json.
package jsonscan

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// ErrSlowPath stops a fast decoder: the input is not the plain JSON an API
// writes (an error, a duplicate key, a lone surrogate, a number of an
// unusual form), so it is decoded again by encoding/json, whose result and
// error are then the answer. A fast decoder therefore never has to agree
// with encoding/json on anything but well-formed, ordinary input.
var ErrSlowPath = errors.New("jsonscan: not on the fast decoding path")

// New returns a Scanner at the start of b.
func New(b []byte) *Scanner { return &Scanner{b: b} }

// Scanner reads JSON from a byte slice without reflection. It is strict:
// whatever it accepts, encoding/json accepts too.
type Scanner struct {
	b    []byte
	pos  int
	buf  []byte   // scratch for unescaping strings
	keys [][]byte // the keys of the objects being read (see Object)
	// depth is how deep in arrays and objects the scanner is, counted
	// from the top of the document as encoding/json counts it.
	depth int
	// amounts are the last amounts parsed (see Amount).
	amounts    [amountCache]cachedAmount
	nextAmount int
}

// amountCache is how many amounts a Scanner remembers.
const amountCache = 16

// cachedAmount is an amount as written and its value.
type cachedAmount struct {
	text  string
	value decimal.Decimal
}

func (s *Scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek returns the next non-space byte, or 0 at the end.
func (s *Scanner) Peek() byte {
	s.ws()
	if s.pos < len(s.b) {
		return s.b[s.pos]
	}
	return 0
}

func (s *Scanner) expect(c byte) error {
	if s.Peek() != c {
		return ErrSlowPath
	}
	s.pos++
	return nil
}

// Null consumes a null if one is next.
func (s *Scanner) Null() (bool, error) {
	if s.Peek() != 'n' {
		return false, nil
	}
	if len(s.b)-s.pos < 4 || string(s.b[s.pos:s.pos+4]) != "null" {
		return false, ErrSlowPath
	}
	s.pos += 4
	return true, nil
}

// Object calls field for each key of an object, positioned at its value;
// field must consume the value. Keys are folded as encoding/json matches
// them (ASCII case-insensitively); a key that is not plain ASCII, or that
// comes twice (encoding/json merges the two values), takes the slow path.
func (s *Scanner) Object(field func(key []byte) error) error {
	// The keys of this object so far, folded, on a stack the scanner
	// keeps (one per nesting level would be an allocation per object).
	// Past scanKeys keys a set takes over from the scan, so that an
	// object of many keys costs time in proportion to them, not to their
	// square (a hostile body could otherwise hold a CPU for minutes).
	mark := len(s.keys)
	defer func() { s.keys = s.keys[:mark] }()
	var seen map[string]struct{}
	return s.members(func(raw []byte) error {
		key, ok := foldASCII(raw)
		if !ok {
			return ErrSlowPath
		}
		switch {
		case seen != nil:
			if _, dup := seen[string(key)]; dup {
				return ErrSlowPath
			}
			seen[string(key)] = struct{}{}
		case len(s.keys)-mark < scanKeys:
			for _, k := range s.keys[mark:] {
				if string(k) == string(key) {
					return ErrSlowPath
				}
			}
			s.keys = append(s.keys, key)
		default:
			seen = make(map[string]struct{}, 2*scanKeys)
			for _, k := range s.keys[mark:] {
				seen[string(k)] = struct{}{}
			}
			if _, dup := seen[string(key)]; dup {
				return ErrSlowPath
			}
			seen[string(key)] = struct{}{}
		}
		return field(key)
	})
}

// scanKeys is how many keys of one object are checked for repeats by
// scanning; a WooCommerce order has about 60.
const scanKeys = 96

// members reads an object's grammar, calling member with each key as
// written, positioned at its value, which member must consume.
func (s *Scanner) members(member func(raw []byte) error) error {
	return s.sequence('{', '}', func() error {
		raw, err := s.RawString()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		return member(raw)
	})
}

// Array calls elem for each element of an array; elem must consume it.
func (s *Scanner) Array(elem func() error) error { return s.sequence('[', ']', elem) }

// sequence reads what objects and arrays share: open, items separated by
// commas (each read by item), close; and it counts the nesting.
func (s *Scanner) sequence(open, close byte, item func() error) error {
	if err := s.expect(open); err != nil {
		return err
	}
	if s.depth++; s.depth >= maxDepth {
		return ErrSlowPath
	}
	defer func() { s.depth-- }()
	if s.Peek() == close {
		s.pos++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case close:
			s.pos++
			return nil
		default:
			return ErrSlowPath
		}
	}
}

// foldASCII returns a key as the fast decoder matches it: lower case. Keys
// with escapes or bytes outside printable ASCII are refused (encoding/json
// folds some non-ASCII letters, such as the Kelvin sign, onto ASCII ones).
func foldASCII(raw []byte) ([]byte, bool) {
	lower := true
	for _, c := range raw {
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			lower = false
		}
	}
	if lower {
		return raw, true
	}
	out := make([]byte, len(raw))
	for i, c := range raw {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out, true
}

// RawString consumes a string and returns its bytes between the quotes,
// escapes as written. It checks the string's grammar.
func (s *Scanner) RawString() ([]byte, error) {
	if s.Peek() != '"' {
		return nil, ErrSlowPath
	}
	start := s.pos + 1
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.pos = i + 1
			return s.b[start:i], nil
		case c == '\\':
			i++
			if i >= len(s.b) {
				return nil, ErrSlowPath
			}
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.b) || !isHex4(s.b[i+1:i+5]) {
					return nil, ErrSlowPath
				}
				i += 4
			default:
				return nil, ErrSlowPath
			}
		case c < 0x20:
			return nil, ErrSlowPath
		}
	}
	return nil, ErrSlowPath
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Str consumes a string and returns its value. Escapes are decoded as
// encoding/json decodes them; invalid UTF-8 and lone surrogates, which it
// replaces, take the slow path instead.
func (s *Scanner) Str() (string, error) {
	raw, err := s.RawString()
	if err != nil {
		return "", err
	}
	return s.text(raw)
}

// text is the value of a string given as written between its quotes.
func (s *Scanner) text(raw []byte) (string, error) {
	escaped := false
	for _, c := range raw {
		if c == '\\' || c >= utf8.RuneSelf {
			escaped = true
			break
		}
	}
	if !escaped {
		return string(raw), nil
	}
	out, ok := s.unescape(raw)
	if !ok {
		return "", ErrSlowPath
	}
	return out, nil
}

func (s *Scanner) unescape(raw []byte) (string, bool) {
	out := s.buf[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			out = append(out, raw[i:i+n]...)
			i += n
			continue
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'u':
			r := hex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					return "", false
				}
				r = utf16.DecodeRune(r, hex4(raw[i+2:i+6]))
				if r == unicode.ReplacementChar {
					return "", false
				}
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	s.buf = out
	return string(out), true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Number consumes a JSON number and returns its text.
func (s *Scanner) Number() ([]byte, error) {
	s.ws()
	start, i := s.pos, s.pos
	if i < len(s.b) && s.b[i] == '-' {
		i++
	}
	switch {
	case i < len(s.b) && s.b[i] == '0':
		i++
	case i < len(s.b) && '1' <= s.b[i] && s.b[i] <= '9':
		for i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9' {
			i++
		}
	default:
		return nil, ErrSlowPath
	}
	if i < len(s.b) && s.b[i] == '.' {
		i++
		d := i
		for i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, ErrSlowPath
		}
	}
	if i < len(s.b) && (s.b[i] == 'e' || s.b[i] == 'E') {
		i++
		if i < len(s.b) && (s.b[i] == '+' || s.b[i] == '-') {
			i++
		}
		d := i
		for i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, ErrSlowPath
		}
	}
	s.pos = i
	return s.b[start:i], nil
}

// Int64 consumes a number that is an integer, written as one.
func (s *Scanner) Int64() (int64, error) {
	num, err := s.Number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, ErrSlowPath
	}
	return n, nil
}

// Bool consumes true or false.
func (s *Scanner) Bool() (bool, error) {
	s.ws()
	switch {
	case len(s.b)-s.pos >= 4 && string(s.b[s.pos:s.pos+4]) == "true":
		s.pos += 4
		return true, nil
	case len(s.b)-s.pos >= 5 && string(s.b[s.pos:s.pos+5]) == "false":
		s.pos += 5
		return false, nil
	}
	return false, ErrSlowPath
}

// Raw consumes any value and returns it as written.
func (s *Scanner) Raw() ([]byte, error) {
	s.ws()
	start := s.pos
	if err := s.Skip(); err != nil {
		return nil, err
	}
	return s.b[start:s.pos], nil
}

// maxDepth bounds nesting in the whole document, as encoding/json does (it
// refuses more than 10,000 levels); at the limit itself the slow path
// decides.
const maxDepth = 10000

// Skip consumes any value, checking its grammar.
func (s *Scanner) Skip() error {
	switch s.Peek() {
	case '{':
		// Any keys: nothing is matched against them.
		return s.members(func([]byte) error { return s.Skip() })
	case '[':
		return s.Array(s.Skip)
	case '"':
		_, err := s.RawString()
		return err
	case 't', 'f':
		_, err := s.Bool()
		return err
	case 'n':
		ok, err := s.Null()
		if err == nil && !ok {
			err = ErrSlowPath
		}
		return err
	default:
		_, err := s.Number()
		return err
	}
}

// End checks that nothing but space follows the value.
func (s *Scanner) End() error {
	if s.Peek() != 0 || s.pos != len(s.b) {
		return ErrSlowPath
	}
	return nil
}

// Decode decodes body with fast, or, when fast gives up (or the body has
// more after the value), with encoding/json. Either way the value is
// decoded afresh and replaces *out only when decoding succeeds: out is
// never merged into, and never left half-filled.
func Decode[T any](body []byte, out *T, fast func(*Scanner, *T) error) error {
	s, _ := scanners.Get().(*Scanner)
	if s == nil {
		s = new(Scanner)
	}
	s.b = body
	defer s.release()
	var v T
	if err := fast(s, &v); err == nil && s.End() == nil {
		*out = v
		return nil
	}
	var w T
	if err := json.Unmarshal(body, &w); err != nil {
		return err
	}
	*out = w
	return nil
}

// scanners are Scanners between bodies: Decode reuses one, with its
// scratch space and the amounts it remembers (immutable decimals), so a
// body costs no Scanner of its own.
var scanners sync.Pool

// Bounds on what a pooled Scanner keeps: one that grew past them (a huge
// escaped note, an odd body) is dropped, so that neither its memory nor the
// clearing of it stays with every later body.
const (
	maxPooledScratch = 4 << 10
	maxPooledKeys    = 256
)

// release forgets the body, its keys and what was unescaped from it, and
// returns s to scanners. The amounts s remembers stay: they are what
// pooling is for (amounts, not names or addresses).
func (s *Scanner) release() {
	if cap(s.buf) > maxPooledScratch || cap(s.keys) > maxPooledKeys {
		return
	}
	clear(s.keys[:cap(s.keys)])
	clear(s.buf[:cap(s.buf)])
	s.b, s.pos, s.depth, s.keys, s.buf = nil, 0, 0, s.keys[:0], s.buf[:0]
	scanners.Put(s)
}

// Unmarshal decodes one value with v's own UnmarshalJSON, as encoding/json
// calls it (null included); an error there takes the slow path, which
// reports it. v must already live on the heap (a struct field): passing a
// local through the interface would move it there, an allocation per
// value (woocommerce's tax ids keep a concrete reader for that reason).
func Unmarshal(s *Scanner, v json.Unmarshaler) error {
	raw, err := s.Raw()
	if err != nil {
		return err
	}
	if v.UnmarshalJSON(raw) != nil {
		return ErrSlowPath
	}
	return nil
}

// String decodes a string field: null leaves it as it is.
func String(s *Scanner, v *string) error {
	if null, err := s.Null(); null || err != nil {
		return err
	}
	str, err := s.Str()
	*v = str
	return err
}

// Int decodes an integer field written as a JSON integer: null leaves it
// as it is; a fraction, an exponent or a quoted number takes the slow path,
// as encoding/json refuses them.
func Int(s *Scanner, v *int64) error {
	if null, err := s.Null(); null || err != nil {
		return err
	}
	n, err := s.Int64()
	*v = n
	return err
}

// Bool decodes a boolean field: null leaves it as it is.
func Bool(s *Scanner, v *bool) error {
	if null, err := s.Null(); null || err != nil {
		return err
	}
	b, err := s.Bool()
	*v = b
	return err
}

// Decimal decodes as decimal.Decimal's UnmarshalJSON does: null leaves
// the value, one pair of quotes is taken off (escapes are not decoded),
// and the rest must be a number.
func Decimal(s *Scanner, v *decimal.Decimal) error {
	raw, err := s.Raw()
	if err != nil {
		return err
	}
	if string(raw) == "null" {
		return nil
	}
	if len(raw) > 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	d, err := s.Amount(raw)
	if err != nil {
		return ErrSlowPath
	}
	*v = d
	return nil
}

// Amount is ParseDecimal, remembering the last amounts read: a body of
// orders repeats a few ("0.00", a product's price) many times, and since a
// decimal.Decimal is immutable (shopspring/decimal's own contract), one
// value serves every repeat, which then costs no allocation.
func (s *Scanner) Amount(b []byte) (decimal.Decimal, error) {
	if len(b) == 0 || len(b) > 18 {
		return ParseDecimal(b)
	}
	for i := range s.amounts {
		if s.amounts[i].text == string(b) {
			v := s.amounts[i].value
			if e := int(v.Exponent()); -decimal.MaxDecodeExponent <= e && e <= decimal.MaxDecodeExponent {
				return v, nil
			}
			// A program lowered the limit since: parse again, and say no
			// as NewFromString now does.
			return ParseDecimal(b)
		}
	}
	d, err := ParseDecimal(b)
	if err == nil {
		s.amounts[s.nextAmount] = cachedAmount{text: string(b), value: d}
		s.nextAmount = (s.nextAmount + 1) % amountCache
	}
	return d, err
}

// ParseDecimal is decimal.NewFromString without the string: amounts as
// stores write them ([-]digits[.digits], 18 characters or fewer) are read
// here, with the same value and exponent; any other form goes to
// NewFromString itself.
func ParseDecimal(b []byte) (decimal.Decimal, error) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var n int64
	digits, frac, point := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case '0' <= c && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point && digits > 0:
			point = true
		default:
			return decimal.NewFromString(string(b))
		}
	}
	numLen := len(b)
	if point {
		numLen--
	}
	if digits == 0 || point && frac == 0 || numLen > 18 || frac > decimal.MaxDecodeExponent {
		// NewFromString says what is wrong, and a program that lowered
		// MaxDecodeExponent gets its limit kept.
		return decimal.NewFromString(string(b))
	}
	if neg {
		n = -n
	}
	return decimal.New(n, int32(-frac)), nil
}

// RawMessage decodes a json.RawMessage: the value as written, copied.
func RawMessage(s *Scanner, v *json.RawMessage) error {
	raw, err := s.Raw()
	if err != nil {
		return err
	}
	*v = append(json.RawMessage(nil), raw...)
	return nil
}

// Slice decodes an array: null makes the slice nil, [] an empty one,
// and a null element is a zero one, as encoding/json does.
func Slice[T any](s *Scanner, v *[]T, elem func(*Scanner, *T) error) error {
	if null, err := s.Null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	out := []T{} // [] is an empty slice, not nil; and allocates nothing
	err := s.Array(func() error {
		out = append(out, *new(T))
		if null, err := s.Null(); null || err != nil {
			return err
		}
		return elem(s, &out[len(out)-1])
	})
	*v = out
	return err
}

// PtrSlice decodes an array of pointers: a null element is nil.
func PtrSlice[T any](s *Scanner, v *[]*T, elem func(*Scanner, *T) error) error {
	if null, err := s.Null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	out := make([]*T, 0, 16)
	err := s.Array(func() error {
		if null, err := s.Null(); null || err != nil {
			out = append(out, nil)
			return err
		}
		p := new(T)
		out = append(out, p)
		return elem(s, p)
	})
	*v = out
	return err
}

// Struct decodes an object into a struct field: null leaves it.
func Struct[T any](s *Scanner, v *T, fields func(*Scanner, *T, []byte) error) error {
	if null, err := s.Null(); null || err != nil {
		return err
	}
	return s.Object(func(key []byte) error { return fields(s, v, key) })
}

// StringMap decodes an object of strings as encoding/json decodes a
// map[string]string: null makes the map nil, and an object adds to the map
// (made when nil), a repeated key's last value winning. Keys are exact, not
// folded. A value that is not a string takes the slow path.
func StringMap(s *Scanner, v *map[string]string) error {
	return mapOf(s, v, func(m map[string]string, k string) (err error) {
		if s.Peek() != '"' {
			return ErrSlowPath
		}
		m[k], err = s.Str()
		return err
	})
}

// AnyMap decodes an object as encoding/json decodes a map[string]any: null
// makes the map nil, and an object adds to the map (made when nil), a
// repeated key's last value winning; the values are read as Any reads them.
func AnyMap(s *Scanner, v *map[string]any) error {
	return mapOf(s, v, func(m map[string]any, k string) (err error) {
		m[k], err = s.anyValue()
		return err
	})
}

// mapOf is the map rules StringMap and AnyMap share; value reads the value
// of key k into m.
func mapOf[V any](s *Scanner, v *map[string]V, value func(m map[string]V, k string) error) error {
	if null, err := s.Null(); null || err != nil {
		if null {
			*v = nil
		}
		return err
	}
	if s.Peek() != '{' {
		return ErrSlowPath
	}
	if *v == nil {
		*v = map[string]V{}
	}
	m := *v
	return s.members(func(raw []byte) error {
		k, err := s.text(raw)
		if err != nil {
			return err
		}
		return value(m, k)
	})
}

// Any decodes a value as encoding/json decodes one into an empty interface:
// objects as map[string]any, arrays as []any, numbers as float64, strings,
// booleans and nil. A number float64 cannot hold takes the slow path, where
// encoding/json reports it.
func Any(s *Scanner) (any, error) { return s.anyValue() }

func (s *Scanner) anyValue() (any, error) {
	switch s.Peek() {
	case '{':
		var m map[string]any
		err := AnyMap(s, &m)
		return m, err
	case '[':
		a := []any{}
		err := s.Array(func() error {
			x, err := s.anyValue()
			a = append(a, x)
			return err
		})
		return a, err
	case '"':
		return s.Str()
	case 't', 'f':
		return s.Bool()
	case 'n':
		ok, err := s.Null()
		if err == nil && !ok {
			err = ErrSlowPath
		}
		return nil, err
	default:
		num, err := s.Number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return nil, ErrSlowPath
		}
		return f, nil
	}
}
