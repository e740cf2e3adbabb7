package dintero

import (
	"fmt"
	"log/slog"
)

// The client (through its token source) and a callback verifier hold
// secrets. Their String, GoString and LogValue never show them, so that
// %v, %+v, %#v and slog cannot print them.

// String describes the client without its credentials or token.
// (Value receivers: a dereferenced client prints safely too.)
func (c Client) String() string {
	return fmt.Sprintf("dintero.Client{account: %s, checkout: %s}", c.accountID, c.checkout)
}

// GoString is String.
func (c Client) GoString() string { return c.String() }

// LogValue logs the client without its credentials or token.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account", c.accountID), slog.String("checkout", c.checkout.String()))
}

// String describes the verifier without its secret.
func (v CallbackVerifier) String() string {
	return fmt.Sprintf("dintero.CallbackVerifier{account: %s, secret set: %t}", v.AccountID, len(v.Secret) > 0)
}

// GoString is String.
func (v CallbackVerifier) GoString() string { return v.String() }

// LogValue logs the verifier without its secret.
func (v CallbackVerifier) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account", v.AccountID), slog.Bool("secret_set", len(v.Secret) > 0))
}
