package sharepoint

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// CredentialOptions chooses how tenantops authenticates to SharePoint:
// an Entra app certificate when TenantID, ClientID and Certificate are all
// set, otherwise a managed identity. Client secrets are not offered:
// SharePoint rejects app-only tokens obtained with a secret.
type CredentialOptions struct {
	TenantID    string // Entra tenant id (certificate auth)
	ClientID    string // app (client) id (certificate auth)
	Certificate string // PEM, or base64 PFX without a password, holding the certificate and its private key
	// ManagedIdentityClientID selects a user-assigned managed identity;
	// empty means the system-assigned one.
	ManagedIdentityClientID string
	// ClientOptions reach azidentity (authority host, transport); tests use them.
	ClientOptions azcore.ClientOptions
	// DisableInstanceDiscovery skips Entra instance discovery (private clouds, tests).
	DisableInstanceDiscovery bool
}

// UsesCertificate reports whether the options select certificate auth.
func (o CredentialOptions) UsesCertificate() bool {
	return o.TenantID != "" || o.ClientID != "" || o.Certificate != ""
}

// NewCredential returns the credential the options select.
func NewCredential(o CredentialOptions) (azcore.TokenCredential, error) {
	if !o.UsesCertificate() {
		return newManagedIdentity(o)
	}
	if o.TenantID == "" || o.ClientID == "" || o.Certificate == "" {
		return nil, fmt.Errorf("sharepoint: certificate auth needs SPTenantId, SPClientId and SPClientCertificate together")
	}
	certs, key, err := ParseCertificate(o.Certificate)
	if err != nil {
		return nil, err
	}
	cred, err := azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            o.ClientOptions,
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
	if err != nil {
		return nil, fmt.Errorf("sharepoint: certificate credential: %w", err)
	}
	return cred, nil
}

func newManagedIdentity(o CredentialOptions) (azcore.TokenCredential, error) {
	if !onAppService() {
		return newWorkstationCredential(o)
	}
	opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: o.ClientOptions}
	if o.ManagedIdentityClientID != "" {
		opts.ID = azidentity.ClientID(o.ManagedIdentityClientID)
	}
	cred, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("sharepoint: managed identity: %w", err)
	}
	return cred, nil
}

// onAppService reports whether the process runs where App Service's
// managed identity endpoint is (Azure Functions sets IDENTITY_ENDPOINT).
func onAppService() bool {
	return os.Getenv("IDENTITY_ENDPOINT") != "" || os.Getenv("MSI_ENDPOINT") != ""
}

// newWorkstationCredential is the credential off App Service: the default
// chain (environment, workload identity, a VM's managed identity, then the
// developer's Azure CLI login), as the storage account's identity-based
// connection uses, so `handler check` works after `az login`. The chain
// reads a user-assigned identity's client id from AZURE_CLIENT_ID.
func newWorkstationCredential(o CredentialOptions) (azcore.TokenCredential, error) {
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: o.ClientOptions})
	if err != nil {
		return nil, fmt.Errorf("sharepoint: default credential chain: %w", err)
	}
	return cred, nil
}

// ParseCertificate reads SPClientCertificate: PEM text (certificate and
// unencrypted private key), or base64 of a PFX without a password, the form
// Key Vault gives a certificate referenced as a secret. Errors never quote
// the value.
func ParseCertificate(value string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data := []byte(strings.TrimSpace(value))
	if !strings.Contains(value, "-----BEGIN") {
		decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value), ""))
		if err != nil {
			return nil, nil, fmt.Errorf("sharepoint: SPClientCertificate is neither PEM nor base64 PFX")
		}
		data = decoded
	}
	certs, key, err := azidentity.ParseCertificates(data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("sharepoint: SPClientCertificate: %s", certificateReason(err))
	}
	if key == nil {
		return nil, nil, fmt.Errorf("sharepoint: SPClientCertificate holds no private key")
	}
	return certs, key, nil
}

// certificateReason keeps the parser's reason short and free of key material.
func certificateReason(err error) string {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}
