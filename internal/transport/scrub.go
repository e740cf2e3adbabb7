package transport

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
)

// credentialParam matches the query and form parameters that carry
// credentials, whatever their value, as an error page may echo them.
var credentialParam = regexp.MustCompile(`(?i)((?:consumer_key|consumer_secret|oauth_[a-z_]+|client_secret|access_token|password)(?:=|%3D))[^&\s"'<>]*`)

// Scrub returns b with what req carried as credentials replaced by
// "[redacted]": the values of its query parameters, its Authorization
// header (whole, its encoded part, and a Basic header's decoded key and
// secret), and anything that looks like a credential parameter. An error
// page that echoes the request URL or its headers then cannot put a secret
// into an error text. b itself is not modified.
func Scrub(b []byte, req *http.Request) []byte {
	out := credentialParam.ReplaceAll(b, []byte("${1}[redacted]"))
	if req == nil {
		return out
	}
	var secrets []string
	if req.URL != nil {
		for _, vs := range req.URL.Query() {
			secrets = append(secrets, vs...)
		}
	}
	if auth := req.Header.Get("Authorization"); auth != "" {
		secrets = append(secrets, auth)
		if _, cred, ok := strings.Cut(auth, " "); ok {
			secrets = append(secrets, cred)
			if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
				user, pass, _ := strings.Cut(string(raw), ":")
				secrets = append(secrets, string(raw), user, pass)
			}
		}
	}
	return ScrubValues(out, secrets...)
}

// ScrubValues returns b with each of the values replaced by "[redacted]"
// (values shorter than six bytes, such as page=2 or a status, say nothing
// secret and are left).
func ScrubValues(b []byte, values ...string) []byte {
	out := b
	for _, s := range values {
		if len(s) >= 6 && bytes.Contains(out, []byte(s)) {
			out = bytes.ReplaceAll(out, []byte(s), []byte("[redacted]"))
		}
	}
	return out
}
