package settings

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseFingerprint reads a certificate's SHA-256 fingerprint written as hex,
// in either case, with or without colons, spaces or dashes between the
// bytes (as openssl, PowerShell and browsers show it), and returns it as 64
// lowercase hex digits. A SHA-1 thumbprint (40 digits, what the Windows
// certificate store calls a thumbprint) is refused with a note saying so.
func ParseFingerprint(v string) (string, error) {
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

// Fingerprint returns a setting holding a SHA-256 certificate fingerprint
// (see ParseFingerprint) as 64 lowercase hex digits, or "" when unset.
func (p *Parser) Fingerprint(s Spec) string {
	v := p.Raw(s)
	if v == "" {
		return ""
	}
	fp, err := ParseFingerprint(v)
	if err != nil {
		p.Fail(s, err.Error())
	}
	return fp
}
