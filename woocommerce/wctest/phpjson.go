package wctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// phpJSON encodes v as WordPress's wp_json_encode does: "/" escaped as
// "\/", every non-ASCII character as \uXXXX (surrogate pairs above the
// BMP), and <, >, & left alone. Webhook receivers must verify these exact
// bytes, so the server sends them.
func phpJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	raw := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(raw)+len(raw)/8)
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '/':
			// In JSON text a "/" can only be inside a string.
			out = append(out, '\\', '/')
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			i += size
			if r >= 0x10000 {
				r -= 0x10000
				out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		}
	}
	return out, nil
}
