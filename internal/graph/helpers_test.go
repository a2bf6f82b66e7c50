package graph_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// staticCredential hands out one fixed token and counts the calls.
type staticCredential struct {
	mu      sync.Mutex
	token   string
	expires time.Duration
	calls   int
	scopes  []string
}

func (c *staticCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.scopes = opts.Scopes
	expires := c.expires
	if expires == 0 {
		expires = time.Hour
	}
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(expires)}, nil
}

func (c *staticCredential) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// sleeps records the waits a client asked for instead of sleeping.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newClient returns a client on endpoint with a static token and recorded sleeps.
func newClient(t *testing.T, endpoint string, opts graph.Options) (*graph.Client, *staticCredential, *sleeps) {
	t.Helper()
	cred := &staticCredential{token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.c2VjcmV0LXRva2Vu.sig"}
	opts.Endpoint, opts.Credential = endpoint, cred
	c, err := graph.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleeps{}
	graph.SetClock(c, nil, rec.sleep, func() float64 { return 0.5 })
	return c, cred, rec
}

// standIn starts a Graph stand-in closed at the end of the test.
func standIn(t *testing.T, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	s := graphtest.New(opts)
	t.Cleanup(s.Close)
	return s
}

// round follows a round from link to its deltaLink and returns every page.
func round(t *testing.T, c *graph.Client, link string) ([]graph.Page, string) {
	t.Helper()
	var pages []graph.Page
	for range 100000 {
		page, err := c.Page(context.Background(), link)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages), err)
		}
		pages = append(pages, page)
		if page.NextLink == "" {
			return pages, page.DeltaLink
		}
		link = page.NextLink
	}
	t.Fatal("the round never ended")
	return nil, ""
}
