// Package graphtest is a Microsoft Graph stand-in for tests, benchmarks and
// the demo: GET /v1.0/users/delta and /v1.0/groups/delta as Microsoft
// documents them (delta-query-overview, user-delta, group-delta). It keeps a
// tenant model the tests change (users, groups, devices, service
// principals, org contacts; members; soft and hard deletes) and answers
// delta rounds over it: $select honoured (id always; a change outside the
// selection does not surface), opaque tamper-evident $skiptoken and
// $deltatoken links, pages capped at 200 objects and 500 member links,
// large groups split into member slices that come back on later pages,
// optional repeats of users within a round, @removed with reason changed
// or deleted, members@delta with @removed, manager@delta (with
// $select=manager) and owners@delta (with $select=owners), $deltatoken=latest,
// Prefer: return=minimal, token expiry (400 syncStateNotFound, or another
// sync-state answer: ExpireTokensAs), 501 for a user property kept outside
// the directory (skills, aboutMe, ...), and injected faults (410 Gone with
// Location, 429 with Retry-After, 500/502/503/504 storms that start after a
// number of requests, any other status). Bearer tokens are checked with a caller's verifier
// (identitytest.Server.Verify); requests are counted, and a fixed latency
// can be added to each one. Bulk tenants (Populate) are generated compactly
// so a 100,000-user tenant costs tens of megabytes.
package graphtest

import (
	"crypto/cipher"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Page caps Graph applies to directory delta pages.
const (
	MaxObjectsPerPage = 200
	MaxLinksPerPage   = 500
)

// Options configures a Server.
type Options struct {
	// TLS serves https (use Client for a client that trusts it); default
	// plain http on a loopback port.
	TLS bool
	// VerifyToken checks a bearer token for the audience (the server's URL).
	// Nil accepts any non-empty bearer token.
	VerifyToken func(token, audience string) error
	// Latency is added to every request (benchmarks use 100 ms); negative
	// means none (and keeps NewBench from adding BenchLatency).
	Latency time.Duration
	// TokenLifetime is how long skip and delta tokens stay valid; default
	// 7 days, as for directory objects.
	TokenLifetime time.Duration
	// Clock is the server's time; default time.Now.
	Clock func() time.Time
	// MemberSlice is how many member links of one group go into one slice;
	// a group with more comes back on later pages with the next slices.
	// Default 100.
	MemberSlice int
	// RepeatUsersEvery makes every Nth user of a round come back a second
	// time later in the same round (as Graph may); 0 never.
	RepeatUsersEvery int
	// RemovedInFullRound also lists soft-deleted objects, with @removed
	// reason changed, in a round without a delta token.
	RemovedInFullRound bool
}

// Server is a running Graph stand-in.
type Server struct {
	opts Options
	http *httptest.Server
	url  string
	aead cipher.AEAD

	mu        sync.Mutex
	tenant    tenant
	epoch     int
	expiredAs queryError // the answer to a token of an older epoch or past its lifetime
	faults    []*Fault
	requests  []string
	perPath   map[string]int
}

// New starts a stand-in on a loopback port; Close stops it.
func New(opts Options) *Server {
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = 7 * 24 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MemberSlice <= 0 {
		opts.MemberSlice = 100
	}
	s := &Server{opts: opts, aead: newAEAD(randomBytes(32)), tenant: newTenant(), perPath: map[string]int{},
		expiredAs: defaultExpired}
	if opts.TLS {
		s.http = httptest.NewTLSServer(http.HandlerFunc(s.serveHTTP))
	} else {
		s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	}
	s.url = s.http.URL
	return s
}

// URL is the endpoint (scheme://host:port), the EntraGraphEndpoint value
// and the token audience.
func (s *Server) URL() string { return s.url }

// Client is an HTTP client that trusts the server (needed with TLS).
func (s *Server) Client() *http.Client { return s.http.Client() }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// SetLatency changes the latency added to each request.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Latency = d
}

// Requests is the number of requests served so far (faults included).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// RequestsFor is the number of requests for one resource ("users" or
// "groups") so far.
func (s *Server) RequestsFor(resource string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perPath["/v1.0/"+resource+"/delta"]
}

// RequestURIs returns the request URIs (path and raw query, exactly as
// received) served so far.
func (s *Server) RequestURIs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// ResetRequests forgets the requests counted so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.perPath = map[string]int{}
}

// serveHTTP counts the request, waits the latency, checks the bearer
// token, applies an injected fault, and answers.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	s.perPath[r.URL.Path]++
	latency := s.opts.Latency
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if !s.authorized(w, r) {
		return
	}
	resource, ok := deltaResource(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource not found for the segment '"+lastSegment(r.URL.Path)+"'.")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Only GET is supported on delta.")
		return
	}
	if fault := s.takeFault(resource); fault != nil {
		s.writeFault(w, resource, fault)
		return
	}
	s.serveDelta(w, r, resource)
}

// authorized checks the bearer token and answers 401 the way Graph does.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	reason := ""
	switch {
	case !found || strings.TrimSpace(token) == "":
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return false
	case s.opts.VerifyToken != nil:
		if err := s.opts.VerifyToken(token, s.url); err != nil {
			reason = err.Error()
		}
	}
	if reason != "" {
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. "+reason)
		return false
	}
	return true
}

// deltaResource maps /v1.0/users/delta and /v1.0/groups/delta.
func deltaResource(path string) (string, bool) {
	switch path {
	case "/v1.0/users/delta", "/v1.0/users/microsoft.graph.delta()":
		return "users", true
	case "/v1.0/groups/delta", "/v1.0/groups/microsoft.graph.delta()":
		return "groups", true
	}
	return "", false
}

func lastSegment(path string) string {
	return path[strings.LastIndex(path, "/")+1:]
}
