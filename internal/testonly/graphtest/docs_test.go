package graphtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// get sends GET path (relative to the server, or an absolute link) with a
// bearer token and returns the status and decoded body.
func get(t *testing.T, s *graphtest.Server, link string, header ...string) (int, http.Header, map[string]any) {
	t.Helper()
	if strings.HasPrefix(link, "/") {
		link = s.URL() + link
	}
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer token")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", link, err)
	}
	return resp.StatusCode, resp.Header, body
}

func start(t *testing.T, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	s := graphtest.New(opts)
	t.Cleanup(s.Close)
	return s
}

var (
	skipLink  = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/v1\.0/(users|groups)/delta\?\$skiptoken=[A-Za-z0-9_-]{40,}$`)
	deltaLink = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/v1\.0/(users|groups)/delta\?\$deltatoken=[A-Za-z0-9_-]{40,}$`)
)

func values(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["value"].([]any)
	if !ok {
		t.Fatalf("no value array in %v", body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDocumentedUserDeltaExamples replays user-delta's examples: without
// $select the default properties, with $select=displayName,jobTitle,mobilePhone
// only those (and id); a property never set is left out, one set to null
// is a null; Prefer: return=minimal returns only the changed ones.
func TestDocumentedUserDeltaExamples(t *testing.T) {
	s := start(t, graphtest.Options{})
	megan := s.AddUser(map[string]any{"displayName": "Megan Bowen", "givenName": "Megan", "surname": "Bowen",
		"jobTitle": "Auditor", "mail": "MeganB@contoso.com", "userPrincipalName": "MeganB@contoso.com",
		"businessPhones": []any{"+1 412 555 0109"}, "department": "Finance", "mobilePhone": nil})

	status, _, body := get(t, s, "/v1.0/users/delta")
	if status != 200 || body["@odata.context"] != s.URL()+"/v1.0/$metadata#users" {
		t.Fatalf("status %d context %v", status, body["@odata.context"])
	}
	got := values(t, body)
	want := []string{"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "surname", "userPrincipalName"}
	if len(got) != 1 || !slices.Equal(keys(got[0]), want) || got[0]["id"] != megan || got[0]["mobilePhone"] != nil {
		t.Fatalf("default properties: %v, want keys %v", got, want)
	}
	if !deltaLink.MatchString(body["@odata.deltaLink"].(string)) || body["@odata.nextLink"] != nil {
		t.Fatalf("links: %v / %v", body["@odata.deltaLink"], body["@odata.nextLink"])
	}

	_, _, body = get(t, s, "/v1.0/users/delta?$select=displayName,jobTitle,mobilePhone")
	got = values(t, body)
	if body["@odata.context"] != s.URL()+"/v1.0/$metadata#users(displayName,jobTitle,mobilePhone)" {
		t.Fatalf("context %v", body["@odata.context"])
	}
	if !slices.Equal(keys(got[0]), []string{"displayName", "id", "jobTitle", "mobilePhone"}) {
		t.Fatalf("selected properties: %v", got[0])
	}
	link := body["@odata.deltaLink"].(string)
	if err := s.UpdateUser(megan, map[string]any{"jobTitle": nil}); err != nil {
		t.Fatal(err)
	}
	_, _, minimal := get(t, s, link, "Prefer", "return=minimal")
	_, _, full := get(t, s, link)
	if m := values(t, minimal); len(m) != 1 || !slices.Equal(keys(m[0]), []string{"id", "jobTitle"}) || m[0]["jobTitle"] != nil {
		t.Fatalf("return=minimal: %v", m)
	}
	if f := values(t, full); len(f) != 1 || !slices.Equal(keys(f[0]), []string{"displayName", "id", "jobTitle", "mobilePhone"}) {
		t.Fatalf("default return: %v", f)
	}
}

// TestDocumentedGroupDeltaExamples replays delta-query-groups: the initial
// request with $select=displayName,description,members, members@delta with
// @odata.type and id only on groups that have members, a deltaLink round
// with no changes (empty value), and one with a removed and an added member.
func TestDocumentedGroupDeltaExamples(t *testing.T) {
	s := start(t, graphtest.Options{})
	u1 := s.AddUser(map[string]any{"displayName": "U1"})
	u2 := s.AddUser(map[string]any{"displayName": "U2"})
	u3 := s.AddUser(map[string]any{"displayName": "U3"})
	g1 := s.AddGroup(map[string]any{"displayName": "TestGroup1", "description": "Employees in test group 1"})
	g2 := s.AddGroup(map[string]any{"displayName": "TestGroup2", "description": "Employees in test group 2"})
	for _, m := range []string{u1, u2} {
		if err := s.AddMember(g1, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/v1.0/groups/delta?$select=displayName,description,members", "/v1.0/groups/delta?$select=displayName,description&$expand=members"} {
		status, _, body := get(t, s, path)
		got := values(t, body)
		if status != 200 || len(got) != 2 || body["@odata.deltaLink"] == nil {
			t.Fatalf("%s: %d %v", path, status, body)
		}
		if !slices.Equal(keys(got[0]), []string{"description", "displayName", "id", "members@delta"}) || got[0]["id"] != g1 {
			t.Fatalf("group with members: %v", got[0])
		}
		members := got[0]["members@delta"].([]any)
		if len(members) != 2 || members[0].(map[string]any)["@odata.type"] != "#microsoft.graph.user" ||
			!slices.Equal(keys(members[0].(map[string]any)), []string{"@odata.type", "id"}) {
			t.Fatalf("members@delta: %v", members)
		}
		if _, ok := got[1]["members@delta"]; ok || got[1]["id"] != g2 {
			t.Fatalf("a group without members carries members@delta: %v", got[1])
		}
	}
	_, _, body := get(t, s, "/v1.0/groups/delta?$select=displayName,description,members")
	link := body["@odata.deltaLink"].(string)
	_, _, body = get(t, s, link)
	if len(values(t, body)) != 0 || !deltaLink.MatchString(body["@odata.deltaLink"].(string)) {
		t.Fatalf("no changes: %v", body)
	}
	link = body["@odata.deltaLink"].(string)
	if err := s.RemoveMember(g1, u1); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(g1, u3); err != nil {
		t.Fatal(err)
	}
	_, _, body = get(t, s, link)
	got := values(t, body)
	if len(got) != 1 || got[0]["displayName"] != "TestGroup1" || got[0]["description"] != "Employees in test group 1" {
		t.Fatalf("changed group: %v", got)
	}
	members, _ := json.Marshal(got[0]["members@delta"])
	want := `[{"@odata.type":"#microsoft.graph.user","@removed":{"reason":"deleted"},"id":"` + u1 + `"},{"@odata.type":"#microsoft.graph.user","id":"` + u3 + `"}]`
	if string(members) != want {
		t.Fatalf("members@delta = %s\nwant %s", members, want)
	}
}

// TestPagingFollowsDocumentedLinks pages a bulk tenant: nextLinks carry an
// opaque $skiptoken, the last page a $deltatoken, and the query options of
// the first request are not repeated.
func TestPagingFollowsDocumentedLinks(t *testing.T) {
	s := start(t, graphtest.Options{})
	s.Populate(graphtest.Bulk{Users: 450})
	_, _, body := get(t, s, "/v1.0/users/delta?$select=displayName")
	var sizes []int
	for {
		sizes = append(sizes, len(values(t, body)))
		next, ok := body["@odata.nextLink"].(string)
		if !ok {
			break
		}
		if !skipLink.MatchString(next) || strings.Contains(next, "select") {
			t.Fatalf("nextLink %q", next)
		}
		_, _, body = get(t, s, next)
	}
	if !slices.Equal(sizes, []int{200, 200, 50}) || !deltaLink.MatchString(body["@odata.deltaLink"].(string)) {
		t.Fatalf("page sizes %v, last %v", sizes, body["@odata.deltaLink"])
	}
}

// TestTokensAreOpaqueAndChecked: a tampered, a foreign or another
// resource's token is refused with a 400 that is not syncStateNotFound;
// an expired one answers syncStateNotFound in Graph's error shape.
func TestTokensAreOpaqueAndChecked(t *testing.T) {
	s := start(t, graphtest.Options{})
	other := start(t, graphtest.Options{})
	s.AddUser(map[string]any{"displayName": "A"})
	_, _, body := get(t, s, "/v1.0/users/delta?$select=displayName")
	link := body["@odata.deltaLink"].(string)
	u, _ := url.Parse(link)
	token := u.Query().Get("$deltatoken")
	tampered := token[:len(token)-3] + "AAA"
	_, _, otherBody := get(t, other, "/v1.0/users/delta")
	otherToken := strings.SplitN(otherBody["@odata.deltaLink"].(string), "=", 2)[1]
	for name, path := range map[string]string{
		"tampered":           "/v1.0/users/delta?$deltatoken=" + tampered,
		"another server's":   "/v1.0/users/delta?$deltatoken=" + otherToken,
		"another resource's": "/v1.0/groups/delta?$deltatoken=" + token,
		"a delta as skip":    "/v1.0/users/delta?$skiptoken=" + token,
		"made up":            "/v1.0/users/delta?$deltatoken=eyJrIjoiZGVsdGEifQ",
		"$top":               "/v1.0/users/delta?$top=5",
	} {
		status, _, body := get(t, s, path)
		code := body["error"].(map[string]any)["code"]
		if status != 400 || code == "syncStateNotFound" {
			t.Errorf("%s token: %d %v", name, status, code)
		}
	}
	s.ExpireTokens()
	status, header, body := get(t, s, link)
	e := body["error"].(map[string]any)
	inner, _ := e["innerError"].(map[string]any)
	if status != 400 || e["code"] != "syncStateNotFound" || e["message"] == "" || inner["request-id"] == nil || header.Get("request-id") == "" {
		t.Fatalf("expired token: %d %v", status, body)
	}
}

func TestTokensExpireAfterTheirLifetime(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := start(t, graphtest.Options{Clock: func() time.Time { return now }})
	_, _, body := get(t, s, "/v1.0/users/delta")
	link := body["@odata.deltaLink"].(string)
	now = now.Add(7*24*time.Hour - time.Minute)
	if status, _, _ := get(t, s, link); status != 200 {
		t.Fatalf("a token within its 7 days: %d", status)
	}
	now = now.Add(2 * time.Minute)
	if status, _, body := get(t, s, link); status != 400 || body["error"].(map[string]any)["code"] != "syncStateNotFound" {
		t.Fatalf("a token past 7 days: %d %v", status, body)
	}
}
