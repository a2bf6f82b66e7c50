package remoteps

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/go-ntlmssp"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// transport is the winrm.Transporter of one run. It keeps two HTTP
// connections: one for Receive, which waits on the server for output, and
// one for everything else (Create, Command, Send, Signal, Delete). NTLM
// authenticates a connection, not a request, and its handshake must stay on
// one connection; with one connection per lane, a Receive can never slip
// between the two legs of a Send's handshake.
//
// Every request takes the run's context and is bounded twice: it must end,
// headers and body, within RequestTimeout, and its answer may be no larger
// than MaxEnvelopeSize plus some headroom; so a peer that sends headers and
// then stalls, or a body that never ends, fails the request at its deadline.
// Requests that start work or wait for output (Command, Send, Receive) end
// when the run is cancelled, so a cancelled run stops waiting for an
// unreachable host; Signal and Delete keep the run's values but not its
// cancellation, so a cancelled command is still terminated and its shell
// deleted, within their own RequestTimeout. Create follows the context only
// until the request is written: after that the server may have made the
// shell, and only its answer names it for the Delete. Connections go
// straight to the host, never through a proxy, since NTLM authenticates the
// TCP connection.
//
// It also keeps the first failure (other than the Receive timeout fault),
// since masterzen reports a failed Send only as io.ErrShortWrite.
type transport struct {
	ctx      context.Context // the run's
	cfg      Config
	url      string
	receives *http.Client
	others   *http.Client
	idle     []*http.Transport

	mu     sync.Mutex
	first  error
	silent int // Receive requests in a row that got no answer in time
}

func newTransport(ctx context.Context, cfg Config) *transport {
	scheme := "http"
	if cfg.HTTPS {
		scheme = "https"
	}
	return &transport{ctx: ctx, cfg: cfg, url: fmt.Sprintf("%s://%s/wsman", scheme, net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)))}
}

// Transport implements winrm.Transporter: it builds the HTTP clients.
func (t *transport) Transport(ep *winrm.Endpoint) error {
	tlsConfig := &tls.Config{InsecureSkipVerify: ep.Insecure, ServerName: ep.TLSServerName} //nolint:gosec // an explicit, warned opt-in
	if len(ep.CACert) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ep.CACert) {
			return errors.New("remoteps: CACertPEM holds no PEM certificate")
		}
		tlsConfig.RootCAs = pool
	}
	if t.cfg.CertSHA256 != "" {
		tlsConfig.InsecureSkipVerify = true //nolint:gosec // the pin below replaces the chain and name checks
		tlsConfig.VerifyConnection = verifyPin(t.cfg.CertSHA256)
	}
	lane := func() *http.Client {
		tr := &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       tlsConfig,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: ep.Timeout,
			MaxConnsPerHost:       1,
			MaxIdleConnsPerHost:   1,
		}
		t.idle = append(t.idle, tr)
		var rt http.RoundTripper = tr
		if t.cfg.Auth == AuthNTLM {
			rt = ntlmssp.Negotiator{RoundTripper: noBasic{RoundTripper: tr, verifiedTLS: ep.HTTPS && !ep.Insecure}}
		}
		return &http.Client{Transport: rt}
	}
	t.receives, t.others = lane(), lane()
	return nil
}

// verifyPin accepts a connection only if the server's leaf certificate
// has the SHA-256 fingerprint pin (64 lowercase hex digits).
func verifyPin(pin string) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("%w: the listener sent no certificate", ErrCertificateMismatch)
		}
		sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
		if got := hex.EncodeToString(sum[:]); got != pin {
			return fmt.Errorf("%w: the listener's certificate has SHA-256 %s, the pin is %s", ErrCertificateMismatch, got, pin)
		}
		return nil
	}
}

// masterzen starts every command with WINRS_CONSOLEMODE_STDIN=TRUE, which
// gives the process a console for stdin; PowerShell then reads nothing of
// what is sent. Commands here get their stdin as a pipe instead.
const (
	consoleStdin = `Name="WINRS_CONSOLEMODE_STDIN">TRUE<`
	pipeStdin    = `Name="WINRS_CONSOLEMODE_STDIN">FALSE<`
)

// Post implements winrm.Transporter. A non-200 answer is an *httpError,
// whose text says "OperationTimeout" only for the w:TimedOut fault: that is
// how masterzen's Receive loop tells "no output yet" from a failure.
func (t *transport) Post(_ *winrm.Client, m *soap.SoapMessage) (string, error) {
	body := m.String()
	client, ctx, done := t.others, context.WithoutCancel(t.ctx), func() {}
	switch {
	case strings.Contains(body, "/windows/shell/Receive<"):
		client, ctx = t.receives, t.ctx
	case strings.Contains(body, "/windows/shell/Command<"):
		ctx, body = t.ctx, strings.Replace(body, consoleStdin, pipeStdin, 1)
	case strings.Contains(body, "/windows/shell/Send<"):
		ctx = t.ctx
	case strings.Contains(body, "/transfer/Create<"):
		ctx, done = untilWritten(t.ctx)
	}
	resp, err := t.post(ctx, client, body)
	done()
	if client == t.receives {
		err = t.boundSilence(err)
	}
	if err != nil && !isReceiveTimeout(err) {
		t.mu.Lock()
		if t.first == nil {
			t.first = err
		}
		t.mu.Unlock()
	}
	return resp, err
}

// post sends one request and reads its answer within RequestTimeout and
// the size limit.
func (t *transport) post(parent context.Context, client *http.Client, body string) (string, error) {
	ctx, cancel := context.WithTimeout(parent, t.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(t.cfg.User, t.cfg.Password) // the NTLM negotiator turns these into a handshake
	resp, err := client.Do(req)
	var ue *url.Error
	if err != nil && errors.As(err, &ue) && ue.Timeout() && parent.Err() == nil {
		return "", fmt.Errorf("no answer within %s (RequestTimeout): %w", t.cfg.RequestTimeout, err)
	}
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := t.readBody(parent, ctx, resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", newHTTPError(resp.StatusCode, data)
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "application/soap+xml") {
		return "", fmt.Errorf("http error %d: unexpected content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(data), nil
}

// readBody reads an answer's body up to the size limit. Its errors never
// read as a timeout to masterzen (a *url.Error, "OperationTimeout"), so a
// broken answer ends the command instead of being asked for again.
func (t *transport) readBody(parent, ctx context.Context, body io.Reader) ([]byte, error) {
	limit := int64(t.cfg.MaxEnvelopeSize) + responseHeadroom
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	switch {
	case err != nil && ctx.Err() != nil && parent.Err() == nil: // the request's own deadline
		return nil, fmt.Errorf("%w: the listener sent the headers of its answer, then did not finish the body within %s",
			ErrStalled, t.cfg.RequestTimeout)
	case err != nil:
		return nil, fmt.Errorf("reading the response: %w", err)
	case int64(len(data)) > limit:
		return nil, fmt.Errorf("%w: more than %d bytes, the MaxEnvelopeSize (%d) and %d bytes of headroom",
			ErrResponseTooLarge, limit, t.cfg.MaxEnvelopeSize, responseHeadroom)
	}
	return data, nil
}

// failure returns the first failed request of the run, if any.
func (t *transport) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.first
}

// close drops the run's connections.
func (t *transport) close() {
	for _, tr := range t.idle {
		tr.CloseIdleConnections()
	}
}
