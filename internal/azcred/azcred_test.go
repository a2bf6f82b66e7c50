package azcred_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
)

const userAssigned = "0f3e2d1c-0000-4000-8000-0000000000b7"

var entraSettings = azcred.Settings{TenantID: "EntraTenantId", ClientID: "EntraClientId",
	Certificate: "EntraClientCertificate", ManagedIdentityClientID: "EntraManagedIdentityClientId"}

func startIdentity(t *testing.T) *identitytest.Server {
	t.Helper()
	id, err := identitytest.Start(identitytest.Options{UserAssignedIDs: []string{userAssigned}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = id.Close() })
	t.Setenv("IDENTITY_ENDPOINT", id.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", id.IdentityHeader)
	return id
}

// readOnePage gets a token through cred and reads a users delta page from
// a Graph stand-in that accepts only tokens the identity stand-in issued
// for its own endpoint.
func readOnePage(t *testing.T, id *identitytest.Server, opts azcred.Options) error {
	t.Helper()
	cred, err := azcred.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	g := graphtest.New(graphtest.Options{VerifyToken: id.Verify})
	defer g.Close()
	g.AddUser(map[string]any{"displayName": "A"})
	client, err := graph.New(graph.Options{Endpoint: g.URL(), Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	page, err := client.Page(context.Background(), client.DeltaURL("users", []string{"displayName"}))
	if err == nil && (len(page.Objects) != 1 || page.DeltaLink == "") {
		t.Fatalf("page %+v", page)
	}
	return err
}

func TestManagedIdentityReachesGraph(t *testing.T) {
	id := startIdentity(t)
	for name, clientID := range map[string]string{"system-assigned": "", "user-assigned": userAssigned} {
		t.Run(name, func(t *testing.T) {
			if err := readOnePage(t, id, azcred.Options{ManagedIdentityClientID: clientID, Settings: entraSettings}); err != nil {
				t.Fatal(err)
			}
		})
	}
	err := readOnePage(t, id, azcred.Options{ManagedIdentityClientID: "9d9d9d9d-0000-4000-8000-000000000000", Settings: entraSettings})
	if err == nil {
		t.Fatal("an identity the endpoint does not know got a token")
	}
}

func TestCertificateReachesGraph(t *testing.T) {
	id := startIdentity(t)
	cert, pemText := identitytest.SelfSigned(t)
	const clientID = "3d5f0a9e-0000-4000-8000-0000000ce272"
	id.RegisterCertificate(clientID, cert)
	opts := azcred.Options{TenantID: id.TenantID(), ClientID: clientID, Certificate: pemText, Settings: entraSettings,
		ClientOptions: &azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: id.AuthorityHost()},
			Transport: id.AuthorityClient(),
		},
		DisableInstanceDiscovery: true}
	if err := readOnePage(t, id, opts); err != nil {
		t.Fatal(err)
	}
}

func TestOptionsAreCheckedByTheirSettingNames(t *testing.T) {
	_, pemText := identitytest.SelfSigned(t)
	tests := []struct {
		name string
		opts azcred.Options
		want []string
	}{
		{"certificate without tenant", azcred.Options{ClientID: "c", Certificate: pemText}, []string{"EntraTenantId", "missing EntraTenantId"}},
		{"tenant alone", azcred.Options{TenantID: "t"}, []string{"missing EntraClientId, EntraClientCertificate"}},
		{"not PEM nor base64", azcred.Options{TenantID: "t", ClientID: "c", Certificate: "not a certificate!"}, []string{"EntraClientCertificate is neither PEM nor base64 PFX"}},
		{"base64 of garbage", azcred.Options{TenantID: "t", ClientID: "c", Certificate: base64.StdEncoding.EncodeToString([]byte("garbage-secret-value"))}, []string{"EntraClientCertificate"}},
		{"certificate without key", azcred.Options{TenantID: "t", ClientID: "c", Certificate: pemText[:strings.Index(pemText, "-----BEGIN PRIVATE KEY")]}, []string{"EntraClientCertificate", "private key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Settings = entraSettings
			_, err := azcred.New(tt.opts)
			for _, want := range tt.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want %q", err, want)
				}
			}
			if c := tt.opts.Certificate; len(c) > 12 && strings.Contains(err.Error(), c[:12]) {
				t.Fatalf("error quotes the certificate value: %v", err)
			}
		})
	}
	if _, err := azcred.New(azcred.Options{TenantID: "t"}); err == nil || !strings.Contains(err.Error(), "ClientID") {
		t.Fatalf("without setting names the field names are used: %v", err)
	}
}

// TestSourceChoosesTheCredential: without a certificate, the managed
// identity serves on App Service and the default chain (which ends with the
// developer's Azure CLI login) everywhere else, unless a Source says which.
func TestSourceChoosesTheCredential(t *testing.T) {
	tests := []struct {
		name       string
		appService bool
		source     azcred.Source
		wantChain  bool
	}{
		{"automatic on a workstation", false, azcred.Automatic, true},
		{"automatic on App Service", true, azcred.Automatic, false},
		{"managed identity on a workstation", false, azcred.ManagedIdentity, false},
		{"default chain on App Service", true, azcred.DefaultChain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("IDENTITY_ENDPOINT", "")
			t.Setenv("MSI_ENDPOINT", "")
			if tt.appService {
				t.Setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token")
				t.Setenv("IDENTITY_HEADER", "h")
			}
			cred, err := azcred.New(azcred.Options{Source: tt.source})
			if err != nil {
				t.Fatal(err)
			}
			chain := azcred.IsDefaultChain(cred)
			_, managed := cred.(*azidentity.ManagedIdentityCredential)
			if chain != tt.wantChain || managed == tt.wantChain {
				t.Errorf("credential is %T, want the default chain: %v", cred, tt.wantChain)
			}
		})
	}
}

// TestNoCredentialIsOneLineSayingWhatToDo: when no credential of the
// default chain works, the error is one line that names `az login`, and
// the chain's own error is still underneath.
func TestNoCredentialIsOneLineSayingWhatToDo(t *testing.T) {
	t.Setenv("IDENTITY_ENDPOINT", "")
	t.Setenv("MSI_ENDPOINT", "")
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "dev") // no IMDS probe: the developer tools only
	t.Setenv("PATH", t.TempDir())              // no az, azd or pwsh to ask
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://storage.azure.com/.default"}})
	var none *azcred.NoCredentialError
	if !errors.As(err, &none) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "az login") {
		t.Fatalf("err = %v", err)
	}
	if errors.Unwrap(err) == nil {
		t.Error("the chain's error is not kept underneath")
	}
}

// TestAuthorityHostReachesTheCertificateCredential: the sign-in authority
// of a national cloud (EntraAuthorityHost) is where the certificate
// credential asks for its token; a wrong one gets none.
func TestAuthorityHostReachesTheCertificateCredential(t *testing.T) {
	id := startIdentity(t)
	cert, pemText := identitytest.SelfSigned(t)
	const clientID = "3d5f0a9e-0000-4000-8000-0000000ce273"
	id.RegisterCertificate(clientID, cert)
	opts := azcred.Options{TenantID: id.TenantID(), ClientID: clientID, Certificate: pemText, Settings: entraSettings,
		AuthorityHost:            strings.TrimSuffix(id.AuthorityHost(), "/"),
		ClientOptions:            &azcore.ClientOptions{Transport: id.AuthorityClient()},
		DisableInstanceDiscovery: true}
	if err := readOnePage(t, id, opts); err != nil {
		t.Fatal(err)
	}
	issued := id.Issued()
	opts.AuthorityHost = "https://127.0.0.1:1"
	if err := readOnePage(t, id, opts); err == nil || id.Issued() != issued {
		t.Fatalf("a wrong authority: %v, %d tokens issued", err, id.Issued()-issued)
	}
}
