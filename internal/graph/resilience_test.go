package graph_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// TestServerErrorsAreRetried: 500, 502, 503 and 504 are retried (with
// backoff, or after Retry-After) and the page then arrives; 501 is not.
func TestServerErrorsAreRetried(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		s := standIn(t, graphtest.Options{})
		s.AddUser(map[string]any{"displayName": "A"})
		s.InjectFault(graphtest.Fault{Status: status, Times: 2})
		c, _, rec := newClient(t, s.URL(), graph.Options{})
		page, err := c.Page(context.Background(), c.DeltaURL("users", nil))
		if err != nil || len(page.Objects) != 1 || len(rec.all()) != 2 || s.Requests() != 3 {
			t.Errorf("%d: page %+v, %v after waits %v and %d requests", status, page, err, rec.all(), s.Requests())
		}
	}
}

// TestStormAfterHalf: a fault with After lets that many requests through
// and then fails every matching one, until its Times are spent.
func TestStormAfterHalf(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	s.Populate(graphtest.Bulk{Users: 1000})
	s.InjectFault(graphtest.Fault{Resource: "users", Status: 503, After: 2, Times: 100})
	c, _, _ := newClient(t, s.URL(), graph.Options{MaxRetries: 3})
	link := c.DeltaURL("users", nil)
	for range 2 {
		page, err := c.Page(context.Background(), link)
		if err != nil {
			t.Fatal(err)
		}
		link = page.NextLink
	}
	if _, err := c.Page(context.Background(), link); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("the storm: %v", err)
	}
	if s.Requests() != 6 {
		t.Fatalf("%d requests, want 2 pages and 4 tries of the third", s.Requests())
	}
}

// rotatingCredential hands out a new token on every call.
type rotatingCredential struct {
	mu     sync.Mutex
	calls  int
	claims []string
}

func (c *rotatingCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.claims = append(c.claims, opts.Claims)
	return azcore.AccessToken{Token: "token-" + string(rune('0'+c.calls)), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestUnauthorizedIsRetriedOnceWithANewToken: Graph refuses the first
// token (revoked, with a claims challenge); the client asks the
// credential again, passing the challenge's claims, and the new token
// reads the page. A token refused twice fails with ErrUnauthorized.
func TestUnauthorizedIsRetriedOnceWithANewToken(t *testing.T) {
	refused := map[string]bool{"token-1": true}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		seen = append(seen, token)
		if refused[token] || refused["*"] {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="`)
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`))
			return
		}
		_, _ = w.Write([]byte(`{"value":[],"@odata.deltaLink":"` + "http://" + r.Host + `/v1.0/users/delta?$deltatoken=x"}`))
	}))
	defer srv.Close()
	cred := &rotatingCredential{}
	c, err := graph.New(graph.Options{Endpoint: srv.URL, Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Page(context.Background(), c.DeltaURL("users", nil)); err != nil {
		t.Fatalf("after a new token: %v", err)
	}
	if !slices.Equal(seen, []string{"token-1", "token-2"}) || !slices.Equal(cred.claims, []string{"", `{"access_token":{}}`}) {
		t.Fatalf("tokens sent %v, claims asked %q", seen, cred.claims)
	}
	refused["*"] = true
	_, err = c.Page(context.Background(), c.DeltaURL("users", nil))
	if !errors.Is(err, graph.ErrUnauthorized) || len(seen) != 4 || strings.Contains(err.Error(), "token-") {
		t.Fatalf("refused twice: %v after %v", err, seen)
	}
}

// TestResyncAnswers: 410 and every 400 that names the sync state or the
// delta link's age is ErrResync; other 4xx answers fail as they are.
func TestResyncAnswers(t *testing.T) {
	tests := []struct {
		status        int
		code, message string
		resync        bool
	}{
		{410, "", "", true},
		{400, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.", true},
		{400, "syncStateInvalid", "The sync state is invalid.", true},
		{400, "resyncRequired", "Resync required.", true},
		{400, "BadRequest", "DeltaLink older than 30 days is not supported", true},
		{400, "Request_BadRequest", "The delta token has expired.", true},
		{400, "Request_UnsupportedQuery", "Unsupported query option '$top' for delta.", false},
		{400, "Request_BadRequest", "The skip token is not valid for this request.", false},
		{404, "Request_ResourceNotFound", "Resource not found.", false},
		{409, "Conflict", "The sync state changed.", false},
	}
	for _, tt := range tests {
		s := standIn(t, graphtest.Options{})
		c, _, _ := newClient(t, s.URL(), graph.Options{})
		_, delta := round(t, c, c.DeltaURL("users", nil))
		s.ExpireTokensAs(tt.status, tt.code, tt.message)
		_, err := c.Page(context.Background(), delta)
		var ge *graph.Error
		if errors.Is(err, graph.ErrResync) != tt.resync || !errors.As(err, &ge) || ge.Status != tt.status {
			t.Errorf("%d %s %q: %v, want resync %v", tt.status, tt.code, tt.message, err, tt.resync)
		}
	}
}

// TestUnselectableProperties: a 501 (the stand-in's answer to $select=skills)
// and a 400 saying $select is not supported for a property are
// ErrUnselectable, and the properties are read from the message.
func TestUnselectableProperties(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	c, _, rec := newClient(t, s.URL(), graph.Options{})
	_, err := c.Page(context.Background(), c.DeltaURL("users", []string{"displayName", "skills"}))
	if !errors.Is(err, graph.ErrUnselectable) || !slices.Equal(graph.UnselectableProperties(err), []string{"skills"}) || len(rec.all()) != 0 {
		t.Fatalf("501: %v, %v", err, graph.UnselectableProperties(err))
	}
	s.InjectFault(graphtest.Fault{Status: 400, Code: "BadRequest",
		Message: "Invalid request for delta query: for this entity set, $expand/$select is not supported for the following properties: birthday, hireDate"})
	_, err = c.Page(context.Background(), c.DeltaURL("users", []string{"birthday", "hireDate"}))
	if !errors.Is(err, graph.ErrUnselectable) || !slices.Equal(graph.UnselectableProperties(err), []string{"birthday", "hireDate"}) {
		t.Fatalf("400: %v, %v", err, graph.UnselectableProperties(err))
	}
	s.InjectFault(graphtest.Fault{Status: 501})
	if _, err = c.Page(context.Background(), c.DeltaURL("users", nil)); !errors.Is(err, graph.ErrUnselectable) || graph.UnselectableProperties(err) != nil {
		t.Fatalf("a 501 naming nothing: %v", err)
	}
}

// TestReferencesAreDecoded: manager@delta and owners@delta come as
// References (not attributes), with removals marked, across rounds.
func TestReferencesAreDecoded(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	boss := s.AddUser(map[string]any{"displayName": "Boss"})
	ada := s.AddUser(map[string]any{"displayName": "Ada"})
	ops := s.AddGroup(map[string]any{"displayName": "Ops"})
	must(t, s.SetManager(ada, boss))
	must(t, s.AddOwner(ops, boss))
	must(t, s.AddOwner(ops, ada))
	c, _, _ := newClient(t, s.URL(), graph.Options{})
	pages, usersDelta := round(t, c, c.DeltaURL("users", []string{"displayName", "manager"}))
	got := objectsByID(pages)
	if refs := got[ada].References["manager"]; len(refs) != 1 || refs[0].ID != boss || refs[0].Removed || got[ada].Attributes["manager@delta"] != nil {
		t.Fatalf("ada %+v", got[ada])
	}
	if _, ok := got[boss].References["manager"]; ok {
		t.Fatalf("boss has no manager: %+v", got[boss])
	}
	pages, groupsDelta := round(t, c, c.DeltaURL("groups", []string{"displayName", "owners"}))
	if refs := objectsByID(pages)[ops].References["owners"]; len(refs) != 2 {
		t.Fatalf("owners %+v", refs)
	}
	must(t, s.SetManager(ada, ""))
	must(t, s.RemoveOwner(ops, boss))
	pages, _ = round(t, c, usersDelta)
	if refs := objectsByID(pages)[ada].References["manager"]; len(refs) != 1 || refs[0].ID != boss || !refs[0].Removed {
		t.Fatalf("manager removed: %+v", refs)
	}
	pages, _ = round(t, c, groupsDelta)
	if refs := objectsByID(pages)[ops].References["owners"]; len(refs) != 1 || refs[0].ID != boss || !refs[0].Removed {
		t.Fatalf("owner removed: %+v", refs)
	}
}

func objectsByID(pages []graph.Page) map[string]graph.Object {
	out := map[string]graph.Object{}
	for _, p := range pages {
		for _, o := range p.Objects {
			out[o.ID] = o
		}
	}
	return out
}
