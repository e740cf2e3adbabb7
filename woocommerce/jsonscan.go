package woocommerce

import (
	"errors"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// errSlowPath stops the fast decoder: the input is not the plain JSON a
// store writes (an error, a duplicate key, a lone surrogate, a number of
// an unusual form), so it is decoded again by encoding/json, whose result
// and error are then the answer. The fast decoder therefore never has to
// agree with encoding/json on anything but well-formed, ordinary input.
var errSlowPath = errors.New("woocommerce: not on the fast decoding path")

// scanner reads JSON from a byte slice without reflection, for the fast
// decoder (decode.go). It is strict: whatever it accepts, encoding/json
// accepts too.
type scanner struct {
	b    []byte
	pos  int
	buf  []byte   // scratch for unescaping strings
	keys [][]byte // the keys of the objects being read (see object)
}

func (s *scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.b) {
		return s.b[s.pos]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return errSlowPath
	}
	s.pos++
	return nil
}

// null consumes a null if one is next.
func (s *scanner) null() (bool, error) {
	if s.peek() != 'n' {
		return false, nil
	}
	if len(s.b)-s.pos < 4 || string(s.b[s.pos:s.pos+4]) != "null" {
		return false, errSlowPath
	}
	s.pos += 4
	return true, nil
}

// object calls field for each key of an object, positioned at its value;
// field must consume the value. Keys are folded as encoding/json matches
// them (ASCII case-insensitively); a key that is not plain ASCII, or that
// comes twice (encoding/json merges the two values), takes the slow path.
func (s *scanner) object(field func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	// The keys of this object so far, folded, on a stack the scanner
	// keeps (one per nesting level would be an allocation per object).
	mark := len(s.keys)
	defer func() { s.keys = s.keys[:mark] }()
	for {
		raw, err := s.rawString()
		if err != nil {
			return err
		}
		key, ok := foldASCII(raw)
		if !ok {
			return errSlowPath
		}
		for _, k := range s.keys[mark:] {
			if string(k) == string(key) {
				return errSlowPath
			}
		}
		s.keys = append(s.keys, key)
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return errSlowPath
		}
	}
}

// array calls elem for each element of an array; elem must consume it.
func (s *scanner) array(elem func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return errSlowPath
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

// rawString consumes a string and returns its bytes between the quotes,
// escapes as written. It checks the string's grammar.
func (s *scanner) rawString() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errSlowPath
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
				return nil, errSlowPath
			}
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.b) || !isHex4(s.b[i+1:i+5]) {
					return nil, errSlowPath
				}
				i += 4
			default:
				return nil, errSlowPath
			}
		case c < 0x20:
			return nil, errSlowPath
		}
	}
	return nil, errSlowPath
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// str consumes a string and returns its value. Escapes are decoded as
// encoding/json decodes them; invalid UTF-8 and lone surrogates, which it
// replaces, take the slow path instead.
func (s *scanner) str() (string, error) {
	raw, err := s.rawString()
	if err != nil {
		return "", err
	}
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
		return "", errSlowPath
	}
	return out, nil
}

func (s *scanner) unescape(raw []byte) (string, bool) {
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

// number consumes a JSON number and returns its text.
func (s *scanner) number() ([]byte, error) {
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
		return nil, errSlowPath
	}
	if i < len(s.b) && s.b[i] == '.' {
		i++
		d := i
		for i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, errSlowPath
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
			return nil, errSlowPath
		}
	}
	s.pos = i
	return s.b[start:i], nil
}

// int64 consumes a number that is an integer, written as one.
func (s *scanner) int64() (int64, error) {
	num, err := s.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, errSlowPath
	}
	return n, nil
}

func (s *scanner) bool() (bool, error) {
	s.ws()
	switch {
	case len(s.b)-s.pos >= 4 && string(s.b[s.pos:s.pos+4]) == "true":
		s.pos += 4
		return true, nil
	case len(s.b)-s.pos >= 5 && string(s.b[s.pos:s.pos+5]) == "false":
		s.pos += 5
		return false, nil
	}
	return false, errSlowPath
}

// raw consumes any value and returns it as written.
func (s *scanner) raw() ([]byte, error) {
	s.ws()
	start := s.pos
	if err := s.skip(0); err != nil {
		return nil, err
	}
	return s.b[start:s.pos], nil
}

// maxDepth bounds nesting in skipped values, as encoding/json does (it
// refuses more than 10,000 levels).
const maxDepth = 10000

// skip consumes any value, checking its grammar.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errSlowPath
	}
	switch s.peek() {
	case '{':
		// Any keys: nothing is matched against them.
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return nil
		}
		for {
			if _, err := s.rawString(); err != nil {
				return err
			}
			if err := s.expect(':'); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case '}':
				s.pos++
				return nil
			default:
				return errSlowPath
			}
		}
	case '[':
		return s.array(func() error { return s.skip(depth + 1) })
	case '"':
		_, err := s.rawString()
		return err
	case 't', 'f':
		_, err := s.bool()
		return err
	case 'n':
		ok, err := s.null()
		if err == nil && !ok {
			err = errSlowPath
		}
		return err
	default:
		_, err := s.number()
		return err
	}
}

// end checks that nothing but space follows the value.
func (s *scanner) end() error {
	if s.peek() != 0 || s.pos != len(s.b) {
		return errSlowPath
	}
	return nil
}
