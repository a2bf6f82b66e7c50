package mimconfigbackup

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// storageProxy stands between the function and Azurite's blob service. It
// records every request (Azurite does not enforce immutability, so the tests
// check what the code asks for), and while refusing it answers the staging
// and commit of blocks as a closed storage firewall does: 403
// AuthorizationFailure, which the SDK does not retry.
type storageProxy struct {
	mu       sync.Mutex
	requests []proxiedRequest
	refusing atomic.Bool
	// loseCommits is how many commits of blocks the proxy passes on and then
	// answers 503, as if the answer were lost on the way back.
	loseCommits atomic.Int32
	// immutable answers a commit to a blob the proxy has already committed
	// 409 BlobImmutableDueToPolicy, as an immutable container refuses an
	// overwrite.
	immutable atomic.Bool
	committed sync.Map // paths committed through the proxy
}

// proxiedRequest is one request the proxy passed on or refused.
type proxiedRequest struct {
	Method, Path, Comp string
	Header             http.Header
}

// useStorageProxy puts a proxy in front of az's blob service and points the
// fixture's AzureWebJobsStorage at it (shared key signatures do not cover
// the host, so Azurite accepts the proxied requests).
func useStorageProxy(t *testing.T, f *fixture, az *azuritetest.Server) *storageProxy {
	t.Helper()
	conn := az.ConnectionString
	i := strings.Index(conn, "BlobEndpoint=")
	j := strings.Index(conn[i:], ";")
	blobEndpoint := conn[i+len("BlobEndpoint=") : i+j]
	target, err := url.Parse(blobEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &storageProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		comp := r.URL.Query().Get("comp")
		p.mu.Lock()
		p.requests = append(p.requests, proxiedRequest{Method: r.Method, Path: r.URL.Path, Comp: comp, Header: r.Header.Clone()})
		p.mu.Unlock()
		if p.refusing.Load() && (comp == "block" || comp == "blocklist") {
			w.Header().Set("x-ms-error-code", "AuthorizationFailure")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if _, done := p.committed.Load(r.URL.Path); comp == "blocklist" && done && p.immutable.Load() {
			w.Header().Set("x-ms-error-code", "BlobImmutableDueToPolicy")
			w.WriteHeader(http.StatusConflict)
			return
		}
		if comp == "blocklist" {
			p.committed.Store(r.URL.Path, true)
		}
		if comp == "blocklist" && p.loseCommits.Add(-1) >= 0 {
			rp.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.env["AzureWebJobsStorage"] = strings.Replace(conn, "BlobEndpoint="+blobEndpoint, "BlobEndpoint="+srv.URL+target.Path, 1)
	return p
}

// seen returns the requests recorded so far.
func (p *storageProxy) seen() []proxiedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxiedRequest(nil), p.requests...)
}
