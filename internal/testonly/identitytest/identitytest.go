// Package identitytest stands in for the two places tenantops gets Entra
// tokens from, for tests and the demo: the App Service managed identity
// endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER, as azidentity's
// ManagedIdentityCredential uses it) and an Entra authority (OpenID
// configuration and token endpoint, over TLS) for certificate credentials.
// Both issue signed tokens that Verify checks, so a SharePoint stand-in can
// accept exactly the tokens obtained here.
package identitytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// TenantID is the tenant the tokens are issued in; default a fixed GUID.
	TenantID string
	// SystemAssignedID is the client id of the system-assigned identity.
	SystemAssignedID string
	// UserAssignedIDs are the client ids of user-assigned identities the
	// endpoint knows; others are refused.
	UserAssignedIDs []string
	// TokenLifetime is how long an issued token is valid; default 1 h.
	TokenLifetime time.Duration
}

// Server is a running identity stand-in.
type Server struct {
	// IdentityEndpoint and IdentityHeader are what App Service puts in
	// IDENTITY_ENDPOINT and IDENTITY_HEADER.
	IdentityEndpoint string
	IdentityHeader   string

	opts      Options
	key       []byte
	listener  net.Listener
	http      *http.Server
	authority *httptest.Server

	mu           sync.Mutex
	certificates map[string][]byte // client id -> DER of the registered certificate
	issued       int
}

// Start listens on a loopback port for the managed identity endpoint; the
// TLS authority starts on first use of AuthorityHost.
func Start(opts Options) (*Server, error) {
	if opts.TenantID == "" {
		opts.TenantID = "72f988bf-0000-4000-8000-00000000a11c"
	}
	if opts.SystemAssignedID == "" {
		opts.SystemAssignedID = "5c1b6f0e-0000-4000-8000-0000000005a1"
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = time.Hour
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("identitytest: listen: %w", err)
	}
	s := &Server{opts: opts, key: randomBytes(32), listener: listener,
		IdentityHeader: hex.EncodeToString(randomBytes(16)), certificates: map[string][]byte{}}
	s.IdentityEndpoint = "http://" + listener.Addr().String() + "/msi/token"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /msi/token", s.serveManagedIdentity)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(listener) }() // returns http.ErrServerClosed on Close
	return s, nil
}

// TenantID is the tenant tokens are issued in.
func (s *Server) TenantID() string { return s.opts.TenantID }

// Issued is how many tokens the server has issued.
func (s *Server) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Close stops the server (and the authority, if started).
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.mu.Lock()
	authority := s.authority
	s.mu.Unlock()
	if authority != nil {
		authority.Close()
	}
	return s.http.Shutdown(ctx)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
