package identitytest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantops/tenantops/internal/testonly/identitytest"
)

const userAssigned = "0f3e2d1c-0000-4000-8000-0000000000a2"

func start(t *testing.T) *identitytest.Server {
	t.Helper()
	s, err := identitytest.Start(identitytest.Options{UserAssignedIDs: []string{userAssigned}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestAppServiceProtocol(t *testing.T) {
	s := start(t)
	tests := []struct {
		name   string
		header string
		query  url.Values
		status int
	}{
		{"system-assigned", s.IdentityHeader, url.Values{"api-version": {"2019-08-01"}, "resource": {"https://contoso.sharepoint.com"}}, 200},
		{"user-assigned", s.IdentityHeader, url.Values{"api-version": {"2019-08-01"}, "resource": {"https://contoso.sharepoint.com"}, "client_id": {userAssigned}}, 200},
		{"unknown identity", s.IdentityHeader, url.Values{"api-version": {"2019-08-01"}, "resource": {"https://contoso.sharepoint.com"}, "client_id": {"nope"}}, 400},
		{"wrong secret", "guess", url.Values{"api-version": {"2019-08-01"}, "resource": {"https://contoso.sharepoint.com"}}, 401},
		{"old api-version", s.IdentityHeader, url.Values{"api-version": {"2017-09-01"}, "resource": {"https://contoso.sharepoint.com"}}, 400},
		{"no resource", s.IdentityHeader, url.Values{"api-version": {"2019-08-01"}}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.IdentityEndpoint+"?"+tt.query.Encode(), nil)
			req.Header.Set("X-IDENTITY-HEADER", tt.header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 200 {
				return
			}
			var body map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			expires, err := strconv.ParseInt(body["expires_on"], 10, 64)
			if err != nil || expires <= time.Now().Unix() || body["token_type"] != "Bearer" {
				t.Fatalf("body %v", body)
			}
			if err := s.Verify(body["access_token"], "https://contoso.sharepoint.com"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyRefusesForeignTokens(t *testing.T) {
	s := start(t)
	other := start(t)
	t.Setenv("IDENTITY_ENDPOINT", s.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", s.IdentityHeader)
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{ID: azidentity.ClientID(userAssigned)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://fabrikam.sharepoint.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(tok.Token, "https://fabrikam.sharepoint.com"); err != nil {
		t.Fatalf("azidentity's token refused: %v", err)
	}
	tampered := tok.Token[:len(tok.Token)-2] + "xx"
	for name, check := range map[string]error{
		"another audience": s.Verify(tok.Token, "https://contoso.sharepoint.com"),
		"another issuer":   other.Verify(tok.Token, "https://fabrikam.sharepoint.com"),
		"tampered":         s.Verify(tampered, "https://fabrikam.sharepoint.com"),
		"not a token":      s.Verify("abc", "https://fabrikam.sharepoint.com"),
	} {
		if check == nil {
			t.Fatalf("%s: accepted", name)
		}
	}
	if !strings.Contains(s.Verify(tok.Token, "https://contoso.sharepoint.com").Error(), "audience") {
		t.Fatal("audience error not named")
	}
}
