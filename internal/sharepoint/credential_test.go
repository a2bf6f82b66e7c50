package sharepoint_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

func selfSigned(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tenantops"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	return cert, pemText
}

// TestCertificateCredentialReachesTheSite runs azidentity's client
// certificate flow against the authority stand-in (OpenID configuration,
// signed client assertion) and uses the token on the SharePoint stand-in.
func TestCertificateCredentialReachesTheSite(t *testing.T) {
	id := startIdentity(t)
	cert, pemText := selfSigned(t)
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
