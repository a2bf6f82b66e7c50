// Package remoteps runs PowerShell on a Windows host over WinRM
// (WS-Management), on top of github.com/masterzen/winrm.
//
// Every script travels on stdin: the command line is a fixed bootstrap
// (powershell.exe -EncodedCommand) that reads the script and its parameters
// (a JSON object) from stdin, so no script meets cmd.exe's 8191-character
// limit and no parameter is ever pasted into code. Upload streams a file
// over stdin in chunks sized from the server's MaxEnvelopeSize, verified by
// SHA-256 on the remote side before it is moved into place; Uploads does the
// same for many files through a bounded number of long-lived PowerShell
// processes; Download streams a file back with bounded memory.
package remoteps

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/masterzen/winrm"

	"github.com/tenantops/tenantops/internal/certpin"
)

// Client runs scripts on one WinRM host. It is safe for concurrent use;
// each Run, Upload or Download opens its own shell (and connections) and
// closes them when done; an Uploads keeps its shells until it is closed.
type Client struct {
	cfg      Config
	log      *slog.Logger
	endpoint winrm.Endpoint
	params   winrm.Parameters
	sendSize int // stdin bytes per Send
}

// envelopeHeadroom is what a Send envelope needs besides its base64 payload
// (SOAP headers, selectors, stream element), with room to spare.
const envelopeHeadroom = 4096

// New returns a client for cfg. It does no network I/O.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Host == "" {
		return nil, errors.New("remoteps: no host")
	}
	if cfg.User == "" {
		return nil, errors.New("remoteps: no user")
	}
	if cfg.MaxEnvelopeSize < MinMaxEnvelopeSize {
		return nil, fmt.Errorf("remoteps: MaxEnvelopeSize %d is below %d, the least MaxEnvelopeSizekb (32) a Windows server accepts", cfg.MaxEnvelopeSize, MinMaxEnvelopeSize)
	}
	if cfg.CACertPEM != nil && !x509.NewCertPool().AppendCertsFromPEM(cfg.CACertPEM) {
		return nil, errors.New("remoteps: CACertPEM holds no PEM certificate")
	}
	if cfg.CertSHA256 != "" {
		pin, err := certpin.ParseSHA256(cfg.CertSHA256)
		switch {
		case err != nil:
			return nil, fmt.Errorf("remoteps: CertSHA256: %w", err)
		case !cfg.HTTPS:
			return nil, errors.New("remoteps: a certificate pin (CertSHA256) needs HTTPS")
		case cfg.InsecureSkipVerify:
			return nil, errors.New("remoteps: set either a certificate pin (CertSHA256) or InsecureSkipVerify, not both")
		}
		cfg.CertSHA256 = pin
	}
	if cfg.InsecureSkipVerify && cfg.HTTPS {
		log.Warn("remoteps: the WinRM listener's certificate is NOT checked (MIMSyncWinRMInsecureSkipVerify=true); anyone on the path can read the credentials; pin the certificate with MIMSyncWinRMCertThumbprint instead", "host", cfg.Host)
	}
	if !cfg.HTTPS {
		log.Warn("remoteps: WinRM over plain HTTP; the listener must allow unencrypted traffic", "host", cfg.Host)
	}
	// The stdin of one Send is base64 in the envelope: payload*4/3 plus the
	// headroom must fit MaxEnvelopeSize. masterzen sends EnvelopeSize-1000
	// stdin bytes per Send and offers EnvelopeSize as the response limit.
	sendSize := (cfg.MaxEnvelopeSize - envelopeHeadroom) / 4 * 3
	c := &Client{cfg: cfg, log: log, sendSize: sendSize,
		params: *winrm.NewParameters(isoSeconds(cfg.OperationTimeout), "en-US", sendSize+1000),
		endpoint: winrm.Endpoint{
			Host: cfg.Host, Port: cfg.Port, HTTPS: cfg.HTTPS, Insecure: cfg.InsecureSkipVerify,
			TLSServerName: cfg.TLSServerName, CACert: cfg.CACertPEM,
			// The HTTP wait outlasts the operation timeout, so a Receive is
			// answered by the server (output or w:TimedOut), never abandoned.
			Timeout: cfg.RequestTimeout,
		}}
	return c, nil
}

// isoSeconds renders a duration as an xs:duration in whole seconds (PT60S).
func isoSeconds(d time.Duration) string {
	return fmt.Sprintf("PT%dS", int(math.Ceil(d.Seconds())))
}
