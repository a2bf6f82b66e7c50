package sharepoint_test

import (
	"context"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// TestCertificateCredentialReachesTheSite runs azidentity's client
// certificate flow against the authority stand-in (OpenID configuration,
// signed client assertion) and uses the token on the SharePoint stand-in.
func TestCertificateCredentialReachesTheSite(t *testing.T) {
	id := startIdentity(t)
	cert, pemText := identitytest.SelfSigned(t)
	const clientID = "3d5f0a9e-0000-4000-8000-0000000ce271"
	id.RegisterCertificate(clientID, cert)
	site, err := sptest.Start(sptest.Options{VerifyToken: id.Verify})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	listID := site.AddList("Projects")
	cred, err := azcred.New(azcred.Options{
		TenantID: id.TenantID(), ClientID: clientID, Certificate: pemText,
		ClientOptions: &azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: id.AuthorityHost()},
			Transport: id.AuthorityClient(),
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	client, err := sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.ListInfo(context.Background(), sharepoint.ListByTitle("Projects"))
	if err != nil || info.ID != listID {
		t.Fatalf("ListInfo = %+v, %v", info, err)
	}
}

func TestManagedIdentityTokenIsRejectedForAnotherSite(t *testing.T) {
	id := startIdentity(t)
	site, err := sptest.Start(sptest.Options{VerifyToken: func(token, _ string) error {
		return id.Verify(token, "https://other.sharepoint.com")
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	site.AddList("Projects")
	cred, _ := azcred.New(azcred.Options{})
	client, _ := sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	_, err = client.ListInfo(context.Background(), sharepoint.ListByTitle("Projects"))
	if err == nil || !strings.Contains(err.Error(), "401") || site.RequestCount() != 1 {
		t.Fatalf("err = %v after %d requests, want one 401", err, site.RequestCount())
	}
}
