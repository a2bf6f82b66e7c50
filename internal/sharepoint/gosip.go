package sharepoint

import (
	"net/http"
	"time"

	"github.com/koltyakov/gosip"

	"github.com/tenantops/tenantops/internal/version"
)

// How tenantops uses gosip. Requests go through gosip's SPClient, which
// signs them with the auth strategy (TokenAuth) and adds a form digest to
// POSTs. Four of gosip's behaviours are worked around, here and nowhere
// else:
//
//   - Retries are off (RetryPolicies all 0). gosip waits on Retry-After only
//     for 429, reads it only as whole seconds, and ignores it on 503, which
//     is how SharePoint Online throttles too; its backoff is uncapped and
//     knows nothing of the run's deadline. send retries instead (retry.go):
//     Retry-After on 429 and 503 in either form, RateLimit-Reset, capped
//     backoff, and no wait longer than the run has left.
//   - The form digest is fetched by the client (digest.go), through send,
//     so a throttled contextinfo request is waited out like any other;
//     gosip fetches its own only when X-RequestDigest is missing. Where the
//     site has no contextinfo endpoint, the header carries noDigest, which
//     keeps gosip from fetching one and which the transport removes before
//     the request leaves: a request with an OAuth bearer token needs no
//     digest.
//   - The User-Agent is set by the transport on every request, gosip's own
//     included, which would otherwise carry gosip's ("NONISV|Go|Gosip"):
//     Microsoft throttles undecorated traffic first.
//   - gosip caches digests under the %#v of the auth strategy, so TokenAuth
//     keeps its token behind a pointer: the key must not change each time
//     the token is refreshed.

// noDigest stands in the X-RequestDigest header of a POST that goes
// without one (see above).
const noDigest = "tenantops-no-digest"

// newGosipClient returns the SPClient every request goes through.
func newGosipClient(auth gosip.AuthCnfg, transport http.RoundTripper, timeout time.Duration) *gosip.SPClient {
	return &gosip.SPClient{
		Client:        http.Client{Transport: userAgentTransport{base: transport}, Timeout: timeout},
		AuthCnfg:      auth,
		RetryPolicies: map[int]int{401: 0, 429: 0, 500: 0, 502: 0, 503: 0, 504: 0},
	}
}

// userAgent is the decorated User-Agent Microsoft asks unattended callers to send.
func userAgent() string { return version.UserAgent() }

// userAgentTransport sets the User-Agent on every request and removes the
// noDigest stand-in.
type userAgentTransport struct{ base http.RoundTripper }

// RoundTrip sends a copy of req with tenantops' User-Agent.
func (d userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := d.base
	if base == nil {
		base = http.DefaultTransport
	}
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", userAgent())
	if req.Header.Get("X-RequestDigest") == noDigest {
		req.Header.Del("X-RequestDigest")
	}
	return base.RoundTrip(req)
}
