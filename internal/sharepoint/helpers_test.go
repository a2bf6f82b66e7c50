package sharepoint_test

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// identity is shared by every test of the package: azidentity's managed
// identity token cache is process-wide, so one issuer keeps cached tokens valid.
var (
	identityOnce sync.Once
	identity     *identitytest.Server
)

func startIdentity(t *testing.T) *identitytest.Server {
	t.Helper()
	identityOnce.Do(func() {
		var err error
		identity, err = identitytest.Start(identitytest.Options{UserAssignedIDs: []string{"0f3e2d1c-0000-4000-8000-00000000ua01"}})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Setenv("IDENTITY_ENDPOINT", identity.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", identity.IdentityHeader)
	return identity
}

// newSite starts a stand-in that accepts the identity stand-in's tokens and
// a client on it authenticated with the managed identity path.
func newSite(t *testing.T) (*sptest.Server, *sharepoint.Client) {
	t.Helper()
	return newSiteWith(t, sptest.Options{})
}

// newSiteWith is newSite with the stand-in's options (VerifyToken is set here).
func newSiteWith(t *testing.T, opts sptest.Options) (*sptest.Server, *sharepoint.Client) {
	t.Helper()
	id := startIdentity(t)
	opts.VerifyToken = id.Verify
	site, err := sptest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Retry: sharepoint.RetryOptions{BaseDelay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return site, client
}

func mustAdd(t *testing.T, site *sptest.Server, list string, n int, lookups func(int) map[string]int) []int {
	t.Helper()
	ids, err := site.AddItems(list, n, lookups)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
