package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// BodyDecoder is an answer that decodes its JSON itself (a faster decoder
// than encoding/json's, with the same result).
type BodyDecoder interface {
	DecodeBody(body []byte) error
}

// Decode reads a 2xx answer's JSON body into out (an empty body leaves out
// alone). A body that cannot be read after a money-moving request means
// the server said yes but we cannot tell what it did: the error then wraps
// ErrOutcomeUnknown as well.
func (r *Response) Decode(op string, out any, movesMoney bool) error {
	if out == nil || len(bytes.TrimSpace(r.Body)) == 0 {
		return nil
	}
	var err error
	if d, ok := out.(BodyDecoder); ok {
		err = d.DecodeBody(r.Body)
	} else {
		err = json.Unmarshal(r.Body, out)
	}
	if err != nil {
		if movesMoney {
			return fmt.Errorf("%s: decoding %d answer: %w (%w)", op, r.HTTP.StatusCode, err, ErrOutcomeUnknown)
		}
		return fmt.Errorf("%s: decoding %d answer: %w", op, r.HTTP.StatusCode, err)
	}
	return nil
}
