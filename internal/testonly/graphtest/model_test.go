package graphtest_test

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
)

// roundOf follows link to the deltaLink and returns the entries page by page.
func roundOf(t *testing.T, s *graphtest.Server, link string) ([][]map[string]any, string) {
	t.Helper()
	var pages [][]map[string]any
	for {
		status, _, body := get(t, s, link)
		if status != 200 {
			t.Fatalf("status %d: %v", status, body)
		}
		pages = append(pages, values(t, body))
		next, ok := body["@odata.nextLink"].(string)
		if !ok {
			return pages, body["@odata.deltaLink"].(string)
		}
		link = next
	}
}

type memberRef struct {
	id, typ string
	removed bool
}

func membersOf(e map[string]any) []memberRef {
	raw, _ := e["members@delta"].([]any)
	var out []memberRef
	for _, m := range raw {
		m := m.(map[string]any)
		_, removed := m["@removed"]
		out = append(out, memberRef{m["id"].(string), m["@odata.type"].(string), removed})
	}
	return out
}

// TestLargeGroupsComeInSlicesOnSeveralPages: no page passes 200 objects or
// 500 member links, a large group comes back on several non-adjacent
// pages with further slices, every member arrives exactly once, and the
// page count is the minimum the link cap allows.
func TestLargeGroupsComeInSlicesOnSeveralPages(t *testing.T) {
	s := start(t, graphtest.Options{})
	bulk := graphtest.Bulk{Users: 3000, Groups: 40, Links: 9000}
	p := s.Populate(bulk)
	pages, _ := roundOf(t, s, "/v1.0/groups/delta?$select=displayName,members")
	seen := map[string]map[string]int{}
	pagesOf := map[string][]int{}
	links := 0
	for n, page := range pages {
		pageLinks := 0
		for _, e := range page {
			id := e["id"].(string)
			if e["displayName"] == nil {
				t.Fatalf("a slice of %s lacks the group's properties", id)
			}
			if seen[id] == nil {
				seen[id] = map[string]int{}
			}
			for _, m := range membersOf(e) {
				seen[id][m.id]++
				pageLinks++
			}
			pagesOf[id] = append(pagesOf[id], n)
		}
		if len(page) > graphtest.MaxObjectsPerPage || pageLinks > graphtest.MaxLinksPerPage {
			t.Fatalf("page %d: %d objects, %d links", n, len(page), pageLinks)
		}
		links += pageLinks
	}
	if links != bulk.Links || len(seen) != bulk.Groups {
		t.Fatalf("%d links in %d groups, want %d in %d", links, len(seen), bulk.Links, bulk.Groups)
	}
	if want := (bulk.Links + graphtest.MaxLinksPerPage - 1) / graphtest.MaxLinksPerPage; len(pages) != want {
		t.Errorf("%d pages, the link cap allows %d", len(pages), want)
	}
	large := p.GroupID(0)
	if len(seen[large]) != p.GroupSize(0) || p.GroupSize(0) <= 500 {
		t.Fatalf("large group: %d distinct members, size %d", len(seen[large]), p.GroupSize(0))
	}
	for id, members := range seen {
		for m, n := range members {
			if n != 1 {
				t.Fatalf("group %s member %s sent %d times", id, m, n)
			}
		}
	}
	at := slices.Compact(pagesOf[large])
	if len(at) < 3 || at[len(at)-1]-at[0]+1 <= len(at) {
		t.Fatalf("the large group's slices came on pages %v; want several, not all adjacent", at)
	}
}

// TestSelectDecidesWhatSurfaces: a change to a property outside $select
// does not bring the object back; a change inside does, with only the
// selected properties.
func TestSelectDecidesWhatSurfaces(t *testing.T) {
	s := start(t, graphtest.Options{})
	u := s.AddUser(map[string]any{"displayName": "A", "department": "Sales", "jobTitle": "Rep"})
	_, link := roundOf(t, s, "/v1.0/users/delta?$select=displayName,jobTitle")
	if err := s.UpdateUser(u, map[string]any{"department": "Finance"}); err != nil {
		t.Fatal(err)
	}
	pages, link := roundOf(t, s, link)
	if len(pages) != 1 || len(pages[0]) != 0 {
		t.Fatalf("a change outside $select surfaced: %v", pages)
	}
	if err := s.UpdateUser(u, map[string]any{"JobTitle": "Lead"}); err != nil {
		t.Fatal(err)
	}
	pages, _ = roundOf(t, s, link)
	if len(pages[0]) != 1 || !slices.Equal(keys(pages[0][0]), []string{"displayName", "id", "jobTitle"}) {
		t.Fatalf("a change inside $select: %v", pages)
	}
}

// TestRemovedReasonsAndRestore: soft delete is reason changed, restore
// brings the user back whole with its memberships, hard delete is reason
// deleted; memberships of a deleted user end with @removed.
func TestRemovedReasonsAndRestore(t *testing.T) {
	s := start(t, graphtest.Options{})
	u := s.AddUser(map[string]any{"displayName": "A"})
	g := s.AddGroup(map[string]any{"displayName": "G"})
	must(t, s.AddMember(g, u))
	_, users := roundOf(t, s, "/v1.0/users/delta?$select=displayName")
	_, groups := roundOf(t, s, "/v1.0/groups/delta?$select=displayName,members")

	must(t, s.SoftDeleteUser(u))
	pages, users := roundOf(t, s, users)
	if len(pages[0]) != 1 || !slices.Equal(keys(pages[0][0]), []string{"@removed", "id"}) ||
		pages[0][0]["@removed"].(map[string]any)["reason"] != "changed" {
		t.Fatalf("soft delete: %v", pages)
	}
	pages, groups = roundOf(t, s, groups)
	if m := membersOf(pages[0][0]); len(m) != 1 || !m[0].removed || m[0].id != u {
		t.Fatalf("membership of a soft-deleted user: %v", pages)
	}

	must(t, s.RestoreUser(u))
	pages, users = roundOf(t, s, users)
	if len(pages[0]) != 1 || pages[0][0]["displayName"] != "A" {
		t.Fatalf("restore: %v", pages)
	}
	pages, groups = roundOf(t, s, groups)
	if m := membersOf(pages[0][0]); len(m) != 1 || m[0].removed {
		t.Fatalf("membership after restore: %v", pages)
	}

	must(t, s.HardDeleteUser(u))
	pages, _ = roundOf(t, s, users)
	if pages[0][0]["@removed"].(map[string]any)["reason"] != "deleted" {
		t.Fatalf("hard delete: %v", pages)
	}
	pages, _ = roundOf(t, s, groups)
	if m := membersOf(pages[0][0]); len(m) != 1 || !m[0].removed {
		t.Fatalf("membership of a hard-deleted user: %v", pages)
	}
	if err := s.RestoreUser(u); err == nil {
		t.Fatal("a hard-deleted user was restored")
	}
	must(t, s.HardDeleteGroup(g))
	pages, _ = roundOf(t, s, groups)
	if pages[0][0]["@removed"].(map[string]any)["reason"] != "deleted" {
		t.Fatalf("group hard delete: %v", pages)
	}
}

// TestRemovedInTheFullRound: with RemovedInFullRound a soft-deleted user
// is listed with @removed in a round without a token.
func TestRemovedInTheFullRound(t *testing.T) {
	s := start(t, graphtest.Options{RemovedInFullRound: true})
	u := s.AddUser(map[string]any{"displayName": "A"})
	s.AddUser(map[string]any{"displayName": "B"})
	must(t, s.SoftDeleteUser(u))
	pages, _ := roundOf(t, s, "/v1.0/users/delta")
	if len(pages[0]) != 2 || pages[0][0]["@removed"] == nil || pages[0][1]["@removed"] != nil {
		t.Fatalf("full round: %v", pages)
	}
}

// TestOtherMemberTypes: devices, service principals, org contacts and
// groups appear in members@delta with their own @odata.type.
func TestOtherMemberTypes(t *testing.T) {
	s := start(t, graphtest.Options{})
	g := s.AddGroup(map[string]any{"displayName": "G"})
	kinds := []graphtest.Kind{graphtest.KindUser, graphtest.KindGroup, graphtest.KindDevice, graphtest.KindServicePrincipal, graphtest.KindOrgContact}
	for _, k := range kinds {
		must(t, s.AddMember(g, s.AddObject(k, "", map[string]any{"displayName": "x"})))
	}
	pages, _ := roundOf(t, s, "/v1.0/groups/delta?$select=displayName,members")
	var types []string
	for _, e := range pages[0] {
		if e["id"] == g {
			for _, m := range membersOf(e) {
				types = append(types, m.typ)
			}
		}
	}
	want := []string{"#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.device", "#microsoft.graph.servicePrincipal", "#microsoft.graph.orgContact"}
	if !slices.Equal(types, want) {
		t.Fatalf("member types %v", types)
	}
}

// TestRepeatedUsers: with RepeatUsersEvery, some users come twice in one
// round, the second time with their state at that moment.
func TestRepeatedUsers(t *testing.T) {
	s := start(t, graphtest.Options{RepeatUsersEvery: 3})
	p := s.Populate(graphtest.Bulk{Users: 300})
	_, _, body := get(t, s, "/v1.0/users/delta?$select=displayName")
	must(t, s.UpdateUser(p.UserID(0), map[string]any{"displayName": "Renamed"}))
	pages, _ := roundOf(t, s, body["@odata.nextLink"].(string))
	count := map[string]int{}
	last := map[string]any{}
	for _, page := range append([][]map[string]any{values(t, body)}, pages...) {
		for _, e := range page {
			count[e["id"].(string)]++
			last[e["id"].(string)] = e["displayName"]
		}
	}
	if len(count) != 300 || count[p.UserID(0)] != 2 || count[p.UserID(1)] != 1 || last[p.UserID(0)] != "Renamed" {
		t.Fatalf("%d users, user 0 %d times (last %v), user 1 %d times", len(count), count[p.UserID(0)], last[p.UserID(0)], count[p.UserID(1)])
	}
}

// TestLatestStartsFromNow: $deltatoken=latest answers no objects and a
// deltaLink that reports only later changes.
func TestLatestStartsFromNow(t *testing.T) {
	s := start(t, graphtest.Options{})
	s.Populate(graphtest.Bulk{Users: 500})
	_, _, body := get(t, s, "/v1.0/users/delta?$select=displayName&$deltatoken=latest")
	if len(values(t, body)) != 0 || body["@odata.nextLink"] != nil {
		t.Fatalf("latest: %v", body)
	}
	u := s.AddUser(map[string]any{"displayName": "New"})
	pages, _ := roundOf(t, s, body["@odata.deltaLink"].(string))
	if len(pages) != 1 || len(pages[0]) != 1 || pages[0][0]["id"] != u {
		t.Fatalf("after latest: %v", pages)
	}
}

// TestFaults: 429 and 503 with Retry-After, 410 Gone with a Location,
// each once, then normal service.
func TestFaults(t *testing.T) {
	s := start(t, graphtest.Options{})
	s.InjectFault(graphtest.Fault{Resource: "users", Status: 429, RetryAfter: "120"})
	s.InjectFault(graphtest.Fault{Status: 503, RetryAfter: "2"})
	s.InjectFault(graphtest.Fault{Resource: "groups", Status: 410})
	status, header, body := get(t, s, "/v1.0/users/delta")
	if status != 429 || header.Get("Retry-After") != "120" || body["error"].(map[string]any)["code"] == "" {
		t.Fatalf("429: %d %v %v", status, header, body)
	}
	if status, header, _ = get(t, s, "/v1.0/users/delta"); status != 503 || header.Get("Retry-After") != "2" {
		t.Fatalf("503: %d", status)
	}
	if status, header, _ = get(t, s, "/v1.0/groups/delta"); status != 410 || header.Get("Location") != s.URL()+"/v1.0/groups/delta" {
		t.Fatalf("410: %d %v", status, header)
	}
	if status, _, _ = get(t, s, "/v1.0/groups/delta"); status != 200 {
		t.Fatalf("after the faults: %d", status)
	}
	if s.Requests() != 4 || s.RequestsFor("users") != 2 || s.RequestsFor("groups") != 2 {
		t.Fatalf("requests %d (users %d, groups %d)", s.Requests(), s.RequestsFor("users"), s.RequestsFor("groups"))
	}
}

// TestBearerTokensAreChecked: no token and a token for another audience
// get 401 InvalidAuthenticationToken; azidentity's managed identity token
// for this endpoint is accepted.
func TestBearerTokensAreChecked(t *testing.T) {
	id, err := identitytest.Start(identitytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer id.Close()
	s := start(t, graphtest.Options{VerifyToken: id.Verify})
	t.Setenv("IDENTITY_ENDPOINT", id.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", id.IdentityHeader)
	cred, err := azidentity.NewManagedIdentityCredential(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, audience string
		status         int
	}{{"this endpoint", s.URL(), 200}, {"another audience", "https://graph.microsoft.com", 401}, {"no token", "", 401}} {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/v1.0/users/delta", nil)
		if tt.audience != "" {
			tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{tt.audience + "/.default"}})
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok.Token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
	}
}

func TestLatencyIsAdded(t *testing.T) {
	s := start(t, graphtest.Options{Latency: 30 * time.Millisecond})
	begin := time.Now()
	get(t, s, "/v1.0/users/delta")
	if elapsed := time.Since(begin); elapsed < 30*time.Millisecond {
		t.Fatalf("answered in %v", elapsed)
	}
}

func TestTLS(t *testing.T) {
	s := start(t, graphtest.Options{TLS: true})
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatal(s.URL())
	}
	status, _, body := get(t, s, "/v1.0/users/delta")
	if status != 200 || !strings.HasPrefix(body["@odata.deltaLink"].(string), s.URL()+"/v1.0/users/delta?$deltatoken=") {
		t.Fatalf("%d %v", status, body)
	}
}

// TestBulkTenantIsLean populates the benchmark tenant and checks what it
// costs on the heap and that its groups hold exactly the links asked for.
func TestBulkTenantIsLean(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 100k-user tenant")
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := graphtest.New(graphtest.Options{})
	defer s.Close()
	p := s.Populate(graphtest.BenchTenant)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("bench tenant heap: %.1f MB", float64(grown)/(1<<20))
	if grown > 64<<20 {
		t.Fatalf("the bench tenant takes %d MB", grown>>20)
	}
	links := 0
	for g := range graphtest.BenchTenant.Groups {
		links += p.GroupSize(g)
	}
	if links != graphtest.BenchTenant.Links {
		t.Fatalf("%d links", links)
	}
	runtime.KeepAlive(s)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
