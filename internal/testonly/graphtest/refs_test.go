package graphtest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
)

// refsIn returns the entries of a <name>@delta list of an entry.
func refsIn(e map[string]any, name string) []memberRef {
	raw, _ := e[name+"@delta"].([]any)
	var out []memberRef
	for _, m := range raw {
		m := m.(map[string]any)
		_, removed := m["@removed"]
		out = append(out, memberRef{m["id"].(string), m["@odata.type"].(string), removed})
	}
	return out
}

func entryByID(pages [][]map[string]any, id string) map[string]any {
	var found map[string]any
	for _, p := range pages {
		for _, e := range p {
			if e["id"] == id {
				found = e
			}
		}
	}
	return found
}

// TestManagerAndOwnersDelta follows user-delta and group-delta: with
// $select=manager a user carries manager@delta, an array of one
// {"@odata.type","id"} entry (a removed manager with @removed); with
// $select=owners a group carries owners@delta like members@delta. A
// change of either alone brings the object back; without the selection it
// does not, and neither name appears as a property.
func TestManagerAndOwnersDelta(t *testing.T) {
	s := start(t, graphtest.Options{})
	boss := s.AddUser(map[string]any{"displayName": "Boss"})
	ada := s.AddUser(map[string]any{"displayName": "Ada"})
	app := s.AddObject(graphtest.KindServicePrincipal, "", map[string]any{"displayName": "app"})
	ops := s.AddGroup(map[string]any{"displayName": "Ops"})
	if err := s.SetManager(ada, boss); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{boss, app} {
		if err := s.AddOwner(ops, o); err != nil {
			t.Fatal(err)
		}
	}
	users, usersDelta := roundOf(t, s, "/v1.0/users/delta?$select=displayName,manager")
	if got := refsIn(entryByID(users, ada), "manager"); len(got) != 1 || got[0] != (memberRef{boss, "#microsoft.graph.user", false}) {
		t.Fatalf("ada's manager@delta %+v", got)
	}
	if e := entryByID(users, boss); e["manager@delta"] != nil || e["manager"] != nil {
		t.Fatalf("boss %v", e)
	}
	groups, groupsDelta := roundOf(t, s, "/v1.0/groups/delta?$select=displayName,owners")
	if got := refsIn(entryByID(groups, ops), "owners"); len(got) != 2 || got[1].typ != "#microsoft.graph.servicePrincipal" {
		t.Fatalf("owners@delta %+v", got)
	}
	_, plainDelta := roundOf(t, s, "/v1.0/users/delta?$select=displayName")

	if err := s.SetManager(ada, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOwner(ops, boss); err != nil {
		t.Fatal(err)
	}
	users, _ = roundOf(t, s, usersDelta)
	if got := refsIn(entryByID(users, ada), "manager"); len(got) != 1 || !got[0].removed || got[0].id != boss {
		t.Fatalf("the removed manager %+v", got)
	}
	groups, _ = roundOf(t, s, groupsDelta)
	if got := refsIn(entryByID(groups, ops), "owners"); len(got) != 1 || !got[0].removed || got[0].id != boss {
		t.Fatalf("the removed owner %+v", got)
	}
	if plain, _ := roundOf(t, s, plainDelta); entryByID(plain, ada) != nil {
		t.Fatal("a manager change surfaced without $select=manager")
	}
}

// TestSyncStateAnswers: expired tokens answer as told (400 with another
// code or message, 410 with a Location), a 5xx storm starts after the
// requests it lets pass, and a user property held outside the directory
// answers 501 naming it.
func TestSyncStateAnswers(t *testing.T) {
	s := start(t, graphtest.Options{})
	s.AddUser(map[string]any{"displayName": "A"})
	_, delta := roundOf(t, s, "/v1.0/users/delta")
	s.ExpireTokensAs(400, "BadRequest", "DeltaLink older than 30 days is not supported")
	status, _, body := get(t, s, delta)
	if e := body["error"].(map[string]any); status != 400 || e["message"] != "DeltaLink older than 30 days is not supported" {
		t.Fatalf("%d %v", status, body)
	}
	_, delta = roundOf(t, s, "/v1.0/users/delta")
	s.ExpireTokensAs(410, "", "")
	if status, header, _ := get(t, s, delta); status != 410 || header.Get("Location") != s.URL()+"/v1.0/users/delta" {
		t.Fatalf("410: %d %v", status, header)
	}
	s.InjectFault(graphtest.Fault{Status: 502, After: 2, Times: 2})
	var statuses []int
	for range 5 {
		status, _, _ := get(t, s, "/v1.0/users/delta")
		statuses = append(statuses, status)
	}
	if want := []int{200, 200, 502, 502, 200}; !equalInts(statuses, want) {
		t.Fatalf("storm statuses %v, want %v", statuses, want)
	}
	status, _, body = get(t, s, "/v1.0/users/delta?$select=displayName,skills")
	if e := body["error"].(map[string]any); status != 501 || !strings.HasSuffix(e["message"].(string), ": skills") {
		t.Fatalf("skills: %d %v", status, body)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDrivenByTheRealClientLibrary: azidentity's certificate credential
// gets a token from the identity stand-in's authority, and net/http reads a
// round with manager@delta through a 503 storm as Graph's clients do.
func TestDrivenByTheRealClientLibrary(t *testing.T) {
	id, err := identitytest.Start(identitytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer id.Close()
	cert, pemText := identitytest.SelfSigned(t)
	const clientID = "3d5f0a9e-0000-4000-8000-0000000ce274"
	id.RegisterCertificate(clientID, cert)
	certs, key, err := azidentity.ParseCertificates([]byte(pemText), nil)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := azidentity.NewClientCertificateCredential(id.TenantID(), clientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: id.AuthorityHost()}, Transport: id.AuthorityClient()}})
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, graphtest.Options{VerifyToken: id.Verify})
	boss := s.AddUser(map[string]any{"displayName": "Boss"})
	ada := s.AddUser(map[string]any{"displayName": "Ada"})
	if err := s.SetManager(ada, boss); err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(graphtest.Fault{Status: 503, RetryAfter: "1", Times: 2})
	link, statuses := s.URL()+"/v1.0/users/delta?$select=displayName,manager", []int{}
	for len(statuses) < 10 {
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == 200 {
			break
		}
		if resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("a 503 without Retry-After: %v", resp.Header)
		}
	}
	if !equalInts(statuses, []int{503, 503, 200}) {
		t.Fatalf("statuses %v", statuses)
	}
}
