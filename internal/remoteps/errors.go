package remoteps

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// Errors a caller may test for with errors.Is.
var (
	// ErrUnauthorized: the listener refused the credentials (HTTP 401).
	ErrUnauthorized = errors.New("the WinRM listener refused the credentials (HTTP 401)")
	// ErrEnvelopeTooLarge: a request exceeded the server's MaxEnvelopeSizekb
	// (HTTP 413, or a fault about the envelope size).
	ErrEnvelopeTooLarge = errors.New("a request exceeded the server's MaxEnvelopeSize (HTTP 413)")
	// ErrUntrustedCertificate: the listener's certificate did not verify.
	ErrUntrustedCertificate = errors.New("the WinRM listener's certificate is not trusted")
	// ErrCertificateMismatch: the listener's certificate is not the pinned
	// one (CertSHA256, MIMSyncWinRMCertThumbprint).
	ErrCertificateMismatch = errors.New("the WinRM listener's certificate is not the pinned one")
	// ErrNTLMNotOffered: NTLM was asked for, and the listener offered
	// neither Negotiate nor NTLM; the password was not sent.
	ErrNTLMNotOffered = errors.New("the WinRM listener offers no Negotiate (NTLM) authentication, and Basic is used only over HTTPS with a verified certificate; the password was not sent")
	// ErrStalled: the listener began an answer and did not finish it in
	// time (Config.RequestTimeout).
	ErrStalled = errors.New("the WinRM listener stalled in the middle of an answer")
	// ErrResponseTooLarge: an answer was larger than any the listener may
	// send (Config.MaxEnvelopeSize and some headroom).
	ErrResponseTooLarge = errors.New("the WinRM listener's answer is too large")
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

// describe turns a transport error into one that says what went wrong in
// an operator's terms. It never includes the password.
func (c *Client) describe(script, doing string, err error) error {
	where := fmt.Sprintf("remoteps: %s: %s on %s", script, doing, c.cfg.Host)
	if errors.Is(err, ErrCertificateMismatch) {
		return fmt.Errorf("%s: %w (if the listener's certificate was renewed, set MIMSyncWinRMCertThumbprint to the new one's SHA-256)", where, err)
	}
	if errors.As(err, new(x509.HostnameError)) {
		return fmt.Errorf("%s: %w: the certificate is not issued for the name connected to; set MIMSyncWinRMTLSServerName to a name it is issued for: %w", where, ErrUntrustedCertificate, err)
	}
	if errors.As(err, new(*tls.CertificateVerificationError)) {
		return fmt.Errorf("%s: %w (set MIMSyncWinRMCACert to the PEM of the CA that issued it, or pin it with MIMSyncWinRMCertThumbprint): %w", where, ErrUntrustedCertificate, err)
	}
	if errors.Is(err, ErrNTLMNotOffered) {
		return fmt.Errorf("%s: %w; enable Negotiate on the listener (winrm/config/service/auth)", where, err)
	}
	var he *httpError
	if !errors.As(err, &he) {
		return fmt.Errorf("%s: %w", where, err)
	}
	switch {
	case he.Status == 401:
		return fmt.Errorf("%s: %w for user %s with %s authentication; check MIMSyncCredUser and MIMSyncCredPassword",
			where, ErrUnauthorized, c.cfg.User, c.cfg.Auth)
	case he.Status == 413 || (he.Fault != nil && he.Fault.envelopeTooLarge()):
		return fmt.Errorf("%s: %w; requests are sized for MaxEnvelopeSizekb %d: raise it on the server (Set-Item WSMan:\\localhost\\MaxEnvelopeSizekb %d): %w",
			where, ErrEnvelopeTooLarge, c.cfg.MaxEnvelopeSize/1024, c.cfg.MaxEnvelopeSize/1024, err)
	}
	return fmt.Errorf("%s: %w", where, he)
}
