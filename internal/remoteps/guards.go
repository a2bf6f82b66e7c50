package remoteps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
)

// The guards of a run's requests: no Basic fallback under NTLM, no Create
// abandoned after it was sent, no endless wait on a silent host.

// maxSilentReceives bounds the Receive requests in a row that may go
// unanswered. A server answers within the OperationTimeout, with output or
// the w:TimedOut fault; masterzen asks again after an HTTP timeout too, so a
// host that stopped answering would otherwise keep a run waiting forever.
const maxSilentReceives = 3

// boundSilence counts Receive requests in a row that timed out without an
// answer; at maxSilentReceives it turns the timeout into a failure, which
// masterzen does not retry (the text keeps the cause, not the error chain).
func (t *transport) boundSilence(err error) error {
	var ue *url.Error
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil || !errors.As(err, &ue) || !ue.Timeout() {
		t.silent = 0
		return err
	}
	t.silent++
	if t.silent < maxSilentReceives {
		return err
	}
	return fmt.Errorf("%d Receive requests in a row got no answer in time; the last: %s", t.silent, err.Error())
}

// untilWritten returns a context that ctx cancels only while the request
// is not yet fully written, and a function to call when the request is done.
func untilWritten(ctx context.Context) (context.Context, func()) {
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var written atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		if !written.Load() {
			cancel()
		}
	})
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { written.Store(true) }}
	return httptrace.WithClientTrace(reqCtx, trace), func() { stop(); cancel() }
}

// isReceiveTimeout reports the w:TimedOut fault: no output yet.
func isReceiveTimeout(err error) bool {
	var he *httpError
	return errors.As(err, &he) && he.Fault != nil && he.Fault.timedOut()
}

// noBasic keeps the NTLM negotiator from sending the password as Basic
// where it could be read: go-ntlmssp falls back to Basic when a 401 offers
// neither Negotiate nor NTLM. As the Windows WinRM client does by default,
// Basic is allowed only inside TLS to a listener whose certificate was
// verified; over HTTP, or with verification off, the password is not sent.
type noBasic struct {
	http.RoundTripper
	verifiedTLS bool // HTTPS with certificate verification on
}

// RoundTrip implements http.RoundTripper.
func (n noBasic) RoundTrip(req *http.Request) (*http.Response, error) {
	if n.verifiedTLS && req.URL.Scheme == "https" {
		return n.RoundTripper.RoundTrip(req)
	}
	if scheme, _, _ := strings.Cut(req.Header.Get("Authorization"), " "); strings.EqualFold(scheme, "Basic") {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, ErrNTLMNotOffered
	}
	return n.RoundTripper.RoundTrip(req)
}
