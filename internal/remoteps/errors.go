package remoteps

import (
	"crypto/tls"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors a caller may test for with errors.Is.
var (
	// ErrUnauthorized: the listener refused the credentials (HTTP 401).
	ErrUnauthorized = errors.New("the WinRM listener refused the credentials (HTTP 401)")
	// ErrEnvelopeTooLarge: a request exceeded the server's MaxEnvelopeSizekb (HTTP 413).
	ErrEnvelopeTooLarge = errors.New("a request exceeded the server's MaxEnvelopeSize (HTTP 413)")
	// ErrUntrustedCertificate: the listener's certificate did not verify.
	ErrUntrustedCertificate = errors.New("the WinRM listener's certificate is not trusted")
)

// ExitError is a script that ended with a non-zero exit code.
type ExitError struct {
	Script string // the script's name
	Code   int
	Stderr string // readable error text
}

// maxErrorText bounds the script error text an error message carries.
const maxErrorText = 4000

// Error implements error.
func (e *ExitError) Error() string {
	text := strings.TrimSpace(e.Stderr)
	if text == "" {
		text = "(no error text)"
	}
	if len(text) > maxErrorText {
		text = text[:maxErrorText] + " ..."
	}
	return fmt.Sprintf("remoteps: %s exited with code %d: %s", e.Script, e.Code, text)
}

var (
	httpStatus  = regexp.MustCompile(`http (?:response )?error:? (\d{3})`)
	faultText   = regexp.MustCompile(`<s:Text[^>]*>([^<]*)</s:Text>`)
	faultCode   = regexp.MustCompile(`WSManFault[^>]*Code="(\d+)"`)
	faultDetail = regexp.MustCompile(`<s:Subcode><s:Value>([^<]*)</s:Value>`)
)

// describe turns a masterzen/winrm transport error into one that says what
// went wrong in an operator's terms. It never includes the password.
func (c *Client) describe(script, doing string, err error) error {
	msg := err.Error()
	if errors.As(err, new(*tls.CertificateVerificationError)) {
		return fmt.Errorf("remoteps: %s: %s on %s: %w (set MIMSyncWinRMCACert to the PEM of the CA that issued it): %w",
			script, doing, c.cfg.Host, ErrUntrustedCertificate, err)
	}
	m := httpStatus.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("remoteps: %s: %s on %s: %w", script, doing, c.cfg.Host, err)
	}
	switch m[1] {
	case "401":
		return fmt.Errorf("remoteps: %s: %s on %s: %w for user %s with %s authentication; check MIMSyncCredUser and MIMSyncCredPassword",
			script, doing, c.cfg.Host, ErrUnauthorized, c.cfg.User, c.cfg.Auth)
	case "413":
		return fmt.Errorf("remoteps: %s: %s on %s: %w; requests are sized for MaxEnvelopeSizekb %d: raise it on the server (Set-Item WSMan:\\localhost\\MaxEnvelopeSizekb %d)",
			script, doing, c.cfg.Host, ErrEnvelopeTooLarge, c.cfg.MaxEnvelopeSize/1024, c.cfg.MaxEnvelopeSize/1024)
	case "500":
		if t := faultText.FindStringSubmatch(msg); t != nil {
			code, sub := "", ""
			if f := faultCode.FindStringSubmatch(msg); f != nil {
				code = " " + f[1]
			}
			if s := faultDetail.FindStringSubmatch(msg); s != nil {
				sub = " " + s[1]
			}
			return fmt.Errorf("remoteps: %s: %s on %s: WS-Management fault%s%s: %s", script, doing, c.cfg.Host, sub, code, strings.TrimSpace(t[1]))
		}
	}
	return fmt.Errorf("remoteps: %s: %s on %s: HTTP %s: %w", script, doing, c.cfg.Host, m[1], err)
}
