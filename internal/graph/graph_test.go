package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

func TestDeltaURLs(t *testing.T) {
	c, _, _ := newClient(t, "", graph.Options{})
	tests := []struct {
		resource string
		selected []string
		want     string
	}{
		{"users", []string{"displayName", "id", " mail ", ""}, "https://graph.microsoft.com/v1.0/users/delta?$select=id,displayName,mail"},
		{"groups", []string{"displayName", "Members"}, "https://graph.microsoft.com/v1.0/groups/delta?$select=id,displayName,Members"},
		{"groups", nil, "https://graph.microsoft.com/v1.0/groups/delta?$select=id,members"},
	}
	for _, tt := range tests {
		if got := c.DeltaURL(tt.resource, tt.selected); got != tt.want {
			t.Errorf("DeltaURL(%s, %v) = %s, want %s", tt.resource, tt.selected, got, tt.want)
		}
	}
	if got := c.LatestURL("users", nil); got != "https://graph.microsoft.com/v1.0/users/delta?$select=id&$deltatoken=latest" {
		t.Errorf("LatestURL = %s", got)
	}
}

func TestNewChecksTheEndpoint(t *testing.T) {
	for endpoint, ok := range map[string]bool{
		"https://graph.microsoft.us":       true,
		"https://graph.microsoft.com/":     true,
		"http://127.0.0.1:8080":            true,
		"http://graph.microsoft.com":       false,
		"https://graph.microsoft.com/v1.0": false,
		"graph.microsoft.com":              false,
	} {
		_, err := graph.New(graph.Options{Endpoint: endpoint, Credential: &staticCredential{token: "t"}})
		if (err == nil) != ok {
			t.Errorf("New(%q) = %v", endpoint, err)
		}
	}
	if _, err := graph.New(graph.Options{}); err == nil {
		t.Error("New without a credential")
	}
}

// TestRoundToTheDeltaLink pages users and groups against the stand-in,
// then a delta round with changes, and checks the token went to the
// endpoint's scope and was fetched once.
func TestRoundToTheDeltaLink(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	p := s.Populate(graphtest.Bulk{Users: 650, Groups: 12, Links: 3000})
	c, cred, _ := newClient(t, s.URL(), graph.Options{})
	pages, userDelta := round(t, c, c.DeltaURL("users", []string{"displayName"}))
	if len(pages) != 4 || len(pages[3].Objects) != 50 || pages[0].DeltaLink != "" || userDelta == "" {
		t.Fatalf("%d user pages, delta %q", len(pages), userDelta)
	}
	first := pages[0].Objects[0]
	if first.ID != p.UserID(0) || string(first.Attributes["displayName"]) != `"User 0"` || len(first.Attributes) != 1 || first.HasMembers {
		t.Fatalf("first user %+v", first)
	}
	pages, groupDelta := round(t, c, c.DeltaURL("groups", []string{"displayName"}))
	links := 0
	for _, page := range pages {
		for _, o := range page.Objects {
			links += len(o.Members)
			if !o.HasMembers || o.Members[0].Type != "#microsoft.graph.user" {
				t.Fatalf("group %+v", o)
			}
		}
	}
	if links != 3000 || len(pages) != 6 {
		t.Fatalf("%d links on %d pages", links, len(pages))
	}
	must(t, s.SoftDeleteUser(p.UserID(1)))
	must(t, s.UpdateUser(p.UserID(2), map[string]any{"displayName": nil}))
	pages, _ = round(t, c, userDelta)
	got := pages[0].Objects
	if len(got) != 2 || got[0].Removed != "changed" || got[1].ID != p.UserID(2) || string(got[1].Attributes["displayName"]) != "null" {
		t.Fatalf("delta users %+v", got)
	}
	pages, _ = round(t, c, groupDelta)
	removed := 0
	for _, o := range pages[0].Objects {
		for _, m := range o.Members {
			if m.ID == p.UserID(1) && m.Removed {
				removed++
			}
		}
	}
	if removed == 0 {
		t.Fatalf("membership removals of a soft-deleted user missing: %+v", pages)
	}
	if cred.Calls() != 1 || len(cred.scopes) != 1 || cred.scopes[0] != s.URL()+"/.default" {
		t.Fatalf("credential called %d times with %v", cred.Calls(), cred.scopes)
	}
}

// TestRetryAfterIsHonoured: seconds beyond azcore's 60 s maximum and an
// HTTP date are waited for as asked, on 429, 503 and 504.
func TestRetryAfterIsHonoured(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	s.AddUser(map[string]any{"displayName": "A"})
	at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	s.InjectFault(graphtest.Fault{Status: 429, RetryAfter: "120"})
	s.InjectFault(graphtest.Fault{Status: 503, RetryAfter: at})
	s.InjectFault(graphtest.Fault{Status: 504, RetryAfter: "3"})
	c, _, rec := newClient(t, s.URL(), graph.Options{})
	page, err := c.Page(context.Background(), c.DeltaURL("users", nil))
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("page %+v, %v", page, err)
	}
	waits := rec.all()
	if len(waits) != 3 || waits[0] != 120*time.Second || waits[1] < 85*time.Second || waits[1] > 91*time.Second || waits[2] != 3*time.Second {
		t.Fatalf("waits %v", waits)
	}
}

// TestBackoffWithoutRetryAfter doubles the wait per attempt (with jitter)
// and gives up after MaxRetries.
func TestBackoffWithoutRetryAfter(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	s.InjectFault(graphtest.Fault{Status: 503, Times: 10})
	c, _, rec := newClient(t, s.URL(), graph.Options{MaxRetries: 4})
	_, err := c.Page(context.Background(), c.DeltaURL("users", nil))
	if err == nil || !strings.Contains(err.Error(), "503") || errors.Is(err, graph.ErrOutOfBudget) {
		t.Fatalf("err = %v", err)
	}
	want := []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second}
	if got := rec.all(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	if s.Requests() != 5 {
		t.Fatalf("%d requests, want 5", s.Requests())
	}
}

// TestOutOfBudget: a Retry-After that would pass the deadline ends the
// call at once with ErrOutOfBudget, without waiting.
func TestOutOfBudget(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	s.InjectFault(graphtest.Fault{Status: 429, RetryAfter: "300"})
	c, _, rec := newClient(t, s.URL(), graph.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Page(ctx, c.DeltaURL("users", nil))
	if !errors.Is(err, graph.ErrOutOfBudget) || len(rec.all()) != 0 {
		t.Fatalf("err = %v after waits %v", err, rec.all())
	}
}

// TestResyncCodes: syncStateNotFound and 410 are ErrResync; another 400
// is a plain error naming its code.
func TestResyncCodes(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	c, _, _ := newClient(t, s.URL(), graph.Options{})
	_, delta := round(t, c, c.DeltaURL("users", nil))
	s.ExpireTokens()
	if _, err := c.Page(context.Background(), delta); !errors.Is(err, graph.ErrResync) || !strings.Contains(err.Error(), "syncStateNotFound") {
		t.Fatalf("expired token: %v", err)
	}
	s.InjectFault(graphtest.Fault{Status: 410})
	if _, err := c.Page(context.Background(), c.DeltaURL("users", nil)); !errors.Is(err, graph.ErrResync) {
		t.Fatalf("410: %v", err)
	}
	s.InjectFault(graphtest.Fault{Status: 400, Code: "Request_UnsupportedQuery"})
	_, err := c.Page(context.Background(), c.DeltaURL("users", nil))
	if err == nil || errors.Is(err, graph.ErrResync) || !strings.Contains(err.Error(), "Request_UnsupportedQuery") {
		t.Fatalf("another 400: %v", err)
	}
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Status != 400 {
		t.Fatalf("not a *graph.Error: %v", err)
	}
}

// TestLinksToAnotherHostAreRefused: the client neither follows nor
// accepts a link to another host, and sends nothing there.
func TestLinksToAnotherHostAreRefused(t *testing.T) {
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer other.Close()
	var endpoint string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"value":[],"@odata.nextLink":%q}`, other.URL+"/v1.0/users/delta?$skiptoken=x")
	}))
	defer srv.Close()
	endpoint = srv.URL
	c, _, _ := newClient(t, endpoint, graph.Options{})
	for _, link := range []string{other.URL + "/v1.0/users/delta", "https://" + strings.TrimPrefix(endpoint, "http://") + "/v1.0/users/delta", "/v1.0/users/delta"} {
		if _, err := c.Page(context.Background(), link); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("link %s: %v", link, err)
		}
	}
	if _, err := c.Page(context.Background(), endpoint+"/v1.0/users/delta"); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("a nextLink to another host was accepted: %v", err)
	}
	if elsewhere != 0 {
		t.Fatalf("%d requests went to the other host", elsewhere)
	}
}

// TestLinksAreSentAsReturned: a nextLink's encoding reaches the server
// byte for byte.
func TestLinksAreSentAsReturned(t *testing.T) {
	var got []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RequestURI())
		if len(got) == 1 {
			fmt.Fprintf(w, `{"value":[],"@odata.nextLink":%q}`, srv.URL+"/v1.0/users/delta?$skiptoken=a%2Bb+c%3D%3D&x=%7e")
			return
		}
		fmt.Fprintf(w, `{"value":[],"@odata.deltaLink":%q}`, srv.URL+"/v1.0/users/delta?%24deltatoken=Zz%2f")
	}))
	defer srv.Close()
	c, _, _ := newClient(t, srv.URL, graph.Options{})
	_, delta := round(t, c, c.DeltaURL("users", []string{"displayName"}))
	if _, err := c.Page(context.Background(), delta); err != nil {
		t.Fatal(err)
	}
	want := []string{"/v1.0/users/delta?$select=id,displayName", "/v1.0/users/delta?$skiptoken=a%2Bb+c%3D%3D&x=%7e", "/v1.0/users/delta?%24deltatoken=Zz%2f"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests %q\nwant %q", got, want)
	}
}

// TestUnauthorized: 401 and 403 are ErrUnauthorized with Graph's code
// and message, never the token.
func TestUnauthorized(t *testing.T) {
	s := standIn(t, graphtest.Options{VerifyToken: func(token, audience string) error {
		return errors.New("invalid audience")
	}})
	c, cred, _ := newClient(t, s.URL(), graph.Options{})
	_, err := c.Page(context.Background(), c.DeltaURL("users", nil))
	if !errors.Is(err, graph.ErrUnauthorized) || !strings.Contains(err.Error(), "InvalidAuthenticationToken") || strings.Contains(err.Error(), cred.token) {
		t.Fatalf("401: %v", err)
	}
	s2 := standIn(t, graphtest.Options{})
	s2.InjectFault(graphtest.Fault{Status: 403})
	c2, cred2, _ := newClient(t, s2.URL(), graph.Options{})
	_, err = c2.Page(context.Background(), c2.DeltaURL("groups", nil))
	if !errors.Is(err, graph.ErrUnauthorized) || !strings.Contains(err.Error(), "Authorization_RequestDenied") || strings.Contains(err.Error(), cred2.token) {
		t.Fatalf("403: %v", err)
	}
	if _, err := c2.Page(context.Background(), c2.DeltaURL("groups", nil)); err != nil || cred2.Calls() != 2 {
		t.Fatalf("after a 403 the token is asked for again: %v, %d calls", err, cred2.Calls())
	}
}

// TestTokenIsCachedUntilNearExpiry: a token with an hour left is reused;
// one within five minutes of expiry is replaced.
func TestTokenIsCachedUntilNearExpiry(t *testing.T) {
	s := standIn(t, graphtest.Options{})
	c, cred, _ := newClient(t, s.URL(), graph.Options{})
	for range 3 {
		if _, err := c.Page(context.Background(), c.DeltaURL("users", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if cred.Calls() != 1 {
		t.Fatalf("%d token requests for 3 pages", cred.Calls())
	}
	short, shortCred, _ := newClient(t, s.URL(), graph.Options{})
	shortCred.expires = 4 * time.Minute
	for range 2 {
		if _, err := short.Page(context.Background(), short.DeltaURL("users", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if shortCred.Calls() != 2 {
		t.Fatalf("a token near expiry was reused: %d calls", shortCred.Calls())
	}
}

// TestMalformedPages: a 200 whose body is not a complete delta page is an
// error, never an empty page.
func TestMalformedPages(t *testing.T) {
	tests := map[string]string{
		"truncated":          `{"value":[{"id":"a"}`,
		"not JSON":           `<html>gateway</html>`,
		"empty":              ``,
		"no value":           `{"@odata.deltaLink":"LINK"}`,
		"value not an array": `{"value":{},"@odata.deltaLink":"LINK"}`,
		"no link":            `{"value":[]}`,
		"entry without id":   `{"value":[{"displayName":"x"}],"@odata.deltaLink":"LINK"}`,
		"entry not object":   `{"value":[1],"@odata.deltaLink":"LINK"}`,
		"trailing data":      `{"value":[],"@odata.deltaLink":"LINK"} {}`,
		"bad members":        `{"value":[{"id":"g","members@delta":[{"@odata.type":"#microsoft.graph.user"}]}],"@odata.deltaLink":"LINK"}`,
		"too large":          `{"value":[{"id":"a","x":"` + strings.Repeat("x", 2048) + `"}],"@odata.deltaLink":"LINK"}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, strings.ReplaceAll(body, "LINK", srv.URL+"/v1.0/users/delta?$deltatoken=x"))
			}))
			defer srv.Close()
			c, _, _ := newClient(t, srv.URL, graph.Options{MaxPageBytes: 1024})
			page, err := c.Page(context.Background(), c.DeltaURL("users", nil))
			if err == nil {
				t.Fatalf("accepted as %+v", page)
			}
		})
	}
}

// TestPageDecoding: @odata annotations are dropped, nulls kept, members
// of every type and @removed read, a nextLink wins over a deltaLink.
func TestPageDecoding(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"@odata.context":"x","value":[
			{"@odata.type":"#microsoft.graph.group","id":"g","displayName":null,"mail@odata.type":"x","members@delta":[
				{"@odata.type":"#microsoft.graph.device","id":"d"},{"@odata.type":"#microsoft.graph.user","id":"u","@removed":{"reason":"deleted"}}]},
			{"id":"e","members@delta":[]},
			{"id":"r","@removed":{"reason":"changed"}},
			{"id":"q","@removed":{}}],
			"@odata.nextLink":%q,"@odata.deltaLink":%q}`, srv.URL+"/n", srv.URL+"/d")
	}))
	defer srv.Close()
	c, _, _ := newClient(t, srv.URL, graph.Options{})
	page, err := c.Page(context.Background(), srv.URL+"/x")
	if err != nil {
		t.Fatal(err)
	}
	g := page.Objects[0]
	if g.ODataType != "#microsoft.graph.group" || len(g.Attributes) != 1 || string(g.Attributes["displayName"]) != "null" ||
		fmt.Sprint(g.Members) != "[{d #microsoft.graph.device false} {u #microsoft.graph.user true}]" {
		t.Fatalf("group %+v", g)
	}
	if e := page.Objects[1]; !e.HasMembers || len(e.Members) != 0 {
		t.Fatalf("empty members@delta %+v", e)
	}
	if page.Objects[2].Removed != "changed" || page.Objects[3].Removed != "deleted" {
		t.Fatalf("removed %+v", page.Objects[2:])
	}
	if page.NextLink != srv.URL+"/n" || page.DeltaLink != "" {
		t.Fatalf("links %q %q", page.NextLink, page.DeltaLink)
	}
}

// TestTransportErrorsAreRetried: a dropped connection is retried with
// backoff, and its error text does not carry the link's token.
func TestTransportErrorsAreRetried(t *testing.T) {
	calls := 0
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		fmt.Fprintf(w, `{"value":[],"@odata.deltaLink":%q}`, srv.URL+"/d")
	}))
	defer srv.Close()
	c, _, rec := newClient(t, srv.URL, graph.Options{})
	if _, err := c.Page(context.Background(), srv.URL+"/v1.0/users/delta?$skiptoken=SECRETSTATE"); err != nil || calls != 2 || len(rec.all()) != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	srv.Close()
	c2, _, _ := newClient(t, srv.URL, graph.Options{MaxRetries: 1})
	_, err := c2.Page(context.Background(), srv.URL+"/v1.0/users/delta?$skiptoken=SECRETSTATE")
	if err == nil || strings.Contains(err.Error(), "SECRETSTATE") {
		t.Fatalf("err %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
