package sharepoint_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tenantops/tenantops/internal/sharepoint"
)

// countingCredential hands out tokens that expire after lifetime.
type countingCredential struct {
	lifetime time.Duration
	calls    int
	scopes   []string
}

func (c *countingCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.calls++
	c.scopes = opts.Scopes
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(c.lifetime)}, nil
}

func TestTokenAuthCachesUntilNearExpiry(t *testing.T) {
	tests := []struct {
		lifetime time.Duration
		calls    int
	}{
		{time.Hour, 1},       // cached
		{4 * time.Minute, 3}, // inside the refresh margin: fetched every time
	}
	for _, tt := range tests {
		cred := &countingCredential{lifetime: tt.lifetime}
		auth := sharepoint.NewTokenAuth("https://contoso.sharepoint.com/sites/ops", cred)
		for range 3 {
			req, _ := http.NewRequest("GET", "https://contoso.sharepoint.com/sites/ops/_api/web", nil)
			if err := auth.SetAuth(req, nil); err != nil || req.Header.Get("Authorization") != "Bearer t" {
				t.Fatalf("SetAuth: %v, %q", err, req.Header.Get("Authorization"))
			}
		}
		if cred.calls != tt.calls || len(cred.scopes) != 1 || cred.scopes[0] != "https://contoso.sharepoint.com/.default" {
			t.Fatalf("lifetime %s: %d calls for %v, want %d", tt.lifetime, cred.calls, cred.scopes, tt.calls)
		}
		if auth.GetStrategy() != "azidentity" || auth.GetSiteURL() != "https://contoso.sharepoint.com/sites/ops" {
			t.Fatal("strategy or site")
		}
	}
}
