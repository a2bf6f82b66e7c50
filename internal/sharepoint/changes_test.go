package sharepoint_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

func TestGetChangesPagesFromCurrentToken(t *testing.T) {
	site, client := newSite(t)
	ctx := context.Background()
	listID := site.AddList("Projects")
	ids := mustAdd(t, site, "Projects", 5, nil)
	list := sharepoint.ListByTitle("Projects")
	start, err := client.CurrentChangeToken(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if token, err := sharepoint.ParseChangeToken(start); err != nil || token.Scope != sharepoint.ScopeList || token.ScopeID != listID {
		t.Fatalf("current token %q: %+v %v", start, token, err)
	}
	if err := site.DeleteItems("Projects", ids...); err != nil {
		t.Fatal(err)
	}
	var seen []int
	var pageSizes []int
	for from := start; ; {
		page, err := client.GetChanges(ctx, list, sharepoint.ChangeQuery{Start: from, FetchLimit: 2, DeleteObject: true})
		if err != nil {
			t.Fatal(err)
		}
		pageSizes = append(pageSizes, len(page))
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if c.ChangeType != sharepoint.ChangeDeleteObject || c.ListID != listID || c.UniqueID == "" || c.Time.IsZero() {
				t.Fatalf("change %+v", c)
			}
			seen = append(seen, c.ItemID)
		}
		from = page[len(page)-1].ChangeToken
	}
	if fmt.Sprint(pageSizes) != "[2 2 1 0]" || fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Fatalf("pages %v, deleted %v, want %v", pageSizes, seen, ids)
	}
	if agents := site.UserAgents(); len(agents) != 1 || !strings.HasPrefix(agents[0], "NONISV|tenantops|tenantops/") {
		t.Fatalf("User-Agent %v", agents)
	}
}

func TestGetChangesStaleTokenIsNotRetried(t *testing.T) {
	site, client := newSite(t)
	listID := site.AddList("Projects")
	old := sharepoint.ChangeToken{Version: 1, Scope: 3, ScopeID: listID, Time: time.Now().Add(-61 * 24 * time.Hour), ChangeNumber: 1}
	site.ResetRequests()
	_, err := client.GetChanges(context.Background(), sharepoint.ListByTitle("Projects"),
		sharepoint.ChangeQuery{Start: old.String(), DeleteObject: true})
	if !errors.Is(err, sharepoint.ErrTokenRefused) {
		t.Fatalf("err = %v, want ErrTokenRefused", err)
	}
	if got := countGetChanges(site); got != 1 {
		t.Fatalf("GetChanges sent %d times, want 1 (no retries): %v", got, site.Requests())
	}
}

func TestGetChangesTokenOfAnotherList(t *testing.T) {
	site, client := newSite(t)
	site.AddList("Projects")
	otherID := site.AddList("Other")
	other := sharepoint.ChangeToken{Version: 1, Scope: 3, ScopeID: otherID, Time: time.Now(), ChangeNumber: 1}
	_, err := client.GetChanges(context.Background(), sharepoint.ListByTitle("Projects"),
		sharepoint.ChangeQuery{Start: other.String(), DeleteObject: true})
	if !errors.Is(err, sharepoint.ErrTokenRefused) {
		t.Fatalf("err = %v, want ErrTokenRefused", err)
	}
}

func TestThrottlingIsWaitedOut(t *testing.T) {
	tests := []struct {
		name     string
		fault    sptest.Fault
		atLeast  time.Duration
		attempts int
	}{
		{"429 Retry-After 2", sptest.Fault{Status: 429, RetryAfter: "2"}, 2 * time.Second, 2},
		{"503 Retry-After honoured too", sptest.Fault{Status: 503, RetryAfter: "1"}, time.Second, 2},
		{"RateLimit-Reset larger than Retry-After", sptest.Fault{Status: 429, RetryAfter: "1", RateLimitReset: "2"}, 2 * time.Second, 2},
		{"500 twice, backoff", sptest.Fault{Status: 500, Times: 2}, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, client := newSite(t)
			site.AddList("Projects")
			tt.fault.PathContains = "/GetChanges"
			site.InjectFault(tt.fault)
			site.ResetRequests()
			startedAt := time.Now()
			_, err := client.GetChanges(context.Background(), sharepoint.ListByTitle("Projects"), sharepoint.ChangeQuery{DeleteObject: true})
			if err != nil {
				t.Fatal(err)
			}
			if waited := time.Since(startedAt); waited < tt.atLeast {
				t.Fatalf("returned after %s, want a wait of at least %s", waited, tt.atLeast)
			}
			if got := countGetChanges(site); got != tt.attempts {
				t.Fatalf("GetChanges sent %d times, want %d", got, tt.attempts)
			}
		})
	}
}

func TestRetryAfterBeyondBudgetGivesUp(t *testing.T) {
	site, client := newSite(t)
	site.AddList("Projects")
	site.InjectFault(sptest.Fault{Status: 429, RetryAfter: "120", PathContains: "/GetChanges"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	startedAt := time.Now()
	_, err := client.GetChanges(ctx, sharepoint.ListByTitle("Projects"), sharepoint.ChangeQuery{DeleteObject: true})
	if err == nil || time.Since(startedAt) > 2*time.Second {
		t.Fatalf("err = %v after %s, want an immediate give-up", err, time.Since(startedAt))
	}
}

func TestChangeTokenRoundTrip(t *testing.T) {
	tests := []string{
		"1;3;3b542696-5863-4ff7-bb90-8224e9e8adb9;637138201430100000;64696075",
		"1;1;afbc6f5a-65b3-4b64-9f40-885d8d772c8c;637138201430100000;-1",
	}
	for _, s := range tests {
		token, err := sharepoint.ParseChangeToken(s)
		if err != nil {
			t.Fatal(err)
		}
		if token.String() != s {
			t.Fatalf("round trip %q -> %q", s, token.String())
		}
	}
	token, _ := sharepoint.ParseChangeToken(tests[0])
	if want := time.Date(2020, 1, 5, 11, 22, 23, 10000000, time.UTC); !token.Time.Equal(want) {
		t.Fatalf("time %s, want %s", token.Time, want)
	}
	for _, bad := range []string{"", "1;3;x;y;z", "1;3;;1;1", "1;3;a;1"} {
		if _, err := sharepoint.ParseChangeToken(bad); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
}

func countGetChanges(site *sptest.Server) int {
	n := 0
	for _, r := range site.Requests() {
		if len(r) > 11 && r[len(r)-11:] == "/GetChanges" {
			n++
		}
	}
	return n
}

// TestThrottledFormDigestIsWaitedOut: the contextinfo request that fetches
// the form digest for POSTs is throttled like any other, and its
// Retry-After is honoured; the digest is then reused.
func TestThrottledFormDigestIsWaitedOut(t *testing.T) {
	site, client := newSite(t)
	site.AddList("Projects")
	site.InjectFault(sptest.Fault{Status: 429, RetryAfter: "2", PathContains: "/_api/contextinfo"})
	site.ResetRequests()
	startedAt := time.Now()
	for range 3 {
		if _, err := client.GetChanges(context.Background(), sharepoint.ListByTitle("Projects"), sharepoint.ChangeQuery{DeleteObject: true}); err != nil {
			t.Fatal(err)
		}
	}
	if waited := time.Since(startedAt); waited < 2*time.Second {
		t.Fatalf("returned after %s, want the 2 s Retry-After waited out", waited)
	}
	contextInfo := 0
	for _, r := range site.Requests() {
		if strings.HasSuffix(strings.ToLower(r), "/_api/contextinfo") {
			contextInfo++
		}
	}
	if contextInfo != 2 || countGetChanges(site) != 3 {
		t.Fatalf("%d contextinfo requests (want 2: throttled, then served) and %d GetChanges (want 3): %v",
			contextInfo, countGetChanges(site), site.Requests())
	}
}

// headerRecorder records the X-RequestDigest header of every request.
type headerRecorder struct {
	mu      sync.Mutex
	digests []string
}

func (h *headerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.digests = append(h.digests, req.Header.Get("X-RequestDigest"))
	h.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// TestSiteWithoutContextInfoIsServedWithTheBearerTokenAlone: requests
// authorized with an OAuth bearer token need no form digest, so a site
// whose contextinfo endpoint does not exist is asked once, then POSTs go
// without the header (and never with a placeholder).
func TestSiteWithoutContextInfoIsServedWithTheBearerTokenAlone(t *testing.T) {
	id := startIdentity(t)
	site, err := sptest.Start(sptest.Options{VerifyToken: id.Verify})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	site.AddList("Projects")
	site.InjectFault(sptest.Fault{Status: 404, PathContains: "/_api/contextinfo", Times: 100})
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recorder := &headerRecorder{}
	client, err := sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred, Transport: recorder,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Retry: sharepoint.RetryOptions{BaseDelay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	site.ResetRequests()
	for range 3 {
		if _, err := client.GetChanges(context.Background(), sharepoint.ListByTitle("Projects"), sharepoint.ChangeQuery{DeleteObject: true}); err != nil {
			t.Fatal(err)
		}
	}
	contextInfo := 0
	for _, r := range site.Requests() {
		if strings.HasSuffix(strings.ToLower(r), "/_api/contextinfo") {
			contextInfo++
		}
	}
	if contextInfo != 1 || countGetChanges(site) != 3 {
		t.Fatalf("%d contextinfo requests (want 1) and %d GetChanges (want 3)", contextInfo, countGetChanges(site))
	}
	recorder.mu.Lock()
	defer recorder.mu.Unlock()
	for _, d := range recorder.digests {
		if d != "" {
			t.Fatalf("a request carried X-RequestDigest %q", d)
		}
	}
}
