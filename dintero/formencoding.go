package dintero

import (
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The callback signature covers the query as JavaScript's URLSearchParams
// sorts and serialises it (the WHATWG application/x-www-form-urlencoded
// rules), which differ from Go's net/url: "*" stays as is, "~" becomes
// "%7E", a space becomes "+", keys sort by UTF-16 code units, and invalid
// percent escapes are kept rather than rejected.

// parseForm parses a query string the WHATWG way, keeping order and
// duplicates.
func parseForm(raw string) [][2]string {
	var out [][2]string
	for _, seq := range strings.Split(raw, "&") {
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		out = append(out, [2]string{utf8Decode(percentDecode(strings.ReplaceAll(name, "+", " "))),
			utf8Decode(percentDecode(strings.ReplaceAll(value, "+", " ")))})
	}
	return out
}

// percentDecode decodes %XX sequences and leaves malformed ones untouched.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// sortedQuery re-serialises a raw query with its pairs stably sorted by
// name, as URLSearchParams.sort() followed by toString().
func sortedQuery(raw string) string {
	pairs := parseForm(raw)
	slices.SortStableFunc(pairs, func(a, b [2]string) int {
		return slices.Compare(utf16.Encode([]rune(a[0])), utf16.Encode([]rune(b[0])))
	})
	var sb strings.Builder
	for i, p := range pairs {
		if i > 0 {
			sb.WriteByte('&')
		}
		formEncode(&sb, p[0])
		sb.WriteByte('=')
		formEncode(&sb, p[1])
	}
	return sb.String()
}

// formEncode writes s with the WHATWG urlencoded byte serializer.
func formEncode(sb *strings.Builder, s string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			sb.WriteByte('+')
		case c == '*' || c == '-' || c == '.' || c == '_' ||
			'0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z':
			sb.WriteByte(c)
		default:
			sb.WriteByte('%')
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		}
	}
}

// utf8Decode replaces invalid UTF-8 as the WHATWG decoder does: each
// maximal subpart of an ill-formed sequence becomes one U+FFFD.
func utf8Decode(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			sb.WriteString(s[i : i+size])
			i += size
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += invalidPrefix(s[i:])
	}
	return sb.String()
}

// invalidPrefix is the length of the maximal subpart of the ill-formed
// sequence at the start of s (at least 1).
func invalidPrefix(s string) int {
	c := s[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF) // range of the second byte
	switch {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case 0xE1 <= c && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(s); n++ {
		if s[n] < lo || s[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
