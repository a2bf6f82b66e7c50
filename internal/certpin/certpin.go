// Package certpin reads a certificate pin: the SHA-256 fingerprint of a
// certificate's DER, written as hex the way openssl, PowerShell and
// browsers show it. The WinRM client checks a listener's certificate
// against it, and the settings validator checks the setting that holds it.
package certpin

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseSHA256 reads a certificate's SHA-256 fingerprint written as hex, in
// either case, with or without colons, spaces or dashes between the bytes,
// and returns it as 64 lowercase hex digits. A SHA-1 thumbprint (40 digits,
// what the Windows certificate store calls a thumbprint) is refused with a
// note saying so.
func ParseSHA256(v string) (string, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ':', ' ', '-', '\t':
			return -1
		}
		return r
	}, v)
	clean = strings.ToLower(clean)
	if _, err := hex.DecodeString(clean); err != nil {
		return "", fmt.Errorf("want the certificate's SHA-256 fingerprint as 64 hex digits; %q holds something else", v)
	}
	switch len(clean) {
	case 64:
		return clean, nil
	case 40:
		return "", fmt.Errorf("%d hex digits is a SHA-1 thumbprint (what certificate stores show); want the SHA-256 fingerprint, 64 hex digits", len(clean))
	}
	return "", fmt.Errorf("want the certificate's SHA-256 fingerprint as 64 hex digits, got %d", len(clean))
}
