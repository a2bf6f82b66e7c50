// Package azcred builds the Entra credential every Azure client of tenantops
// (storage, SharePoint, Microsoft Graph) authenticates with: an app
// registration's certificate when a tenant, client and certificate are
// configured, otherwise the Function App's managed identity (system-assigned,
// or a user-assigned one chosen by its client id) on App Service, and the
// default chain, which ends with the developer's Azure CLI login, on a
// workstation. Client secrets are deliberately not offered: SharePoint
// rejects app-only tokens obtained with one. Error texts name the settings
// the caller configured, never their values, and fit on one line.
package azcred

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Settings are the names of the app settings the options come from, used
// in error texts (e.g. "EntraTenantId"). Empty names fall back to the field
// names.
type Settings struct {
	TenantID                string
	ClientID                string
	Certificate             string
	ManagedIdentityClientID string
}

// Source is where a credential without a certificate comes from.
type Source int

// Sources of a credential without a certificate.
const (
	// Automatic is the managed identity on App Service (where Azure
	// Functions sets IDENTITY_ENDPOINT) and the default chain elsewhere, so
	// that a workstation uses the developer's `az login`.
	Automatic Source = iota
	// ManagedIdentity is the managed identity wherever the process runs.
	ManagedIdentity
	// DefaultChain is azidentity's default chain wherever the process runs
	// (environment, workload identity, managed identity, Azure CLI, ...), as
	// the Functions host uses for an identity-based connection.
	DefaultChain
)

// Options chooses the credential. Certificate auth is selected when any of
// TenantID, ClientID or Certificate is set, and then needs all three.
// Options is comparable, so that a cache can key on the whole value.
type Options struct {
	TenantID    string // Entra tenant id (certificate auth)
	ClientID    string // app (client) id (certificate auth)
	Certificate string // PEM, or base64 PFX without a password, holding the certificate and its private key
	// ManagedIdentityClientID selects a user-assigned managed identity;
	// empty means the system-assigned one.
	ManagedIdentityClientID string
	// Source says where a credential without a certificate comes from.
	Source Source
	// Settings name the app settings behind the fields, for error texts.
	Settings Settings
	// AuthorityHost is the Entra sign-in authority of a national cloud
	// (e.g. https://login.microsoftonline.us/); empty means the public
	// cloud's. It wins over ClientOptions.Cloud's authority host.
	AuthorityHost string
	// ClientOptions reach azidentity (authority host, transport); tests use
	// them. Nil means the defaults.
	ClientOptions *azcore.ClientOptions
	// DisableInstanceDiscovery skips Entra instance discovery (private clouds, tests).
	DisableInstanceDiscovery bool
}

// UsesCertificate reports whether the options select certificate auth.
func (o Options) UsesCertificate() bool {
	return o.TenantID != "" || o.ClientID != "" || o.Certificate != ""
}

// New returns the credential the options select.
func New(o Options) (azcore.TokenCredential, error) {
	names := o.Settings.withDefaults()
	if !o.UsesCertificate() {
		return withoutCertificate(o, names)
	}
	var missing []string
	for _, field := range []struct{ value, name string }{
		{o.TenantID, names.TenantID}, {o.ClientID, names.ClientID}, {o.Certificate, names.Certificate},
	} {
		if strings.TrimSpace(field.value) == "" {
			missing = append(missing, field.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("azcred: certificate auth needs %s, %s and %s together; missing %s",
			names.TenantID, names.ClientID, names.Certificate, strings.Join(missing, ", "))
	}
	certs, key, err := ParseCertificate(o.Certificate, names.Certificate)
	if err != nil {
		return nil, err
	}
	cred, err := azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            o.clientOptions(),
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
	if err != nil {
		return nil, fmt.Errorf("azcred: certificate credential from %s, %s and %s: %s",
			names.TenantID, names.ClientID, names.Certificate, oneLine(err))
	}
	return cred, nil
}

// withoutCertificate returns the managed identity or the default chain, as
// the Source says.
func withoutCertificate(o Options, names Settings) (azcore.TokenCredential, error) {
	source := o.Source
	if source == Automatic {
		source = DefaultChain
		if onAppService() {
			source = ManagedIdentity
		}
	}
	if source == DefaultChain {
		return newDefaultChain(o)
	}
	return newManagedIdentity(o, names)
}

// onAppService reports whether the process runs where App Service's
// managed identity endpoint is (Azure Functions sets IDENTITY_ENDPOINT).
func onAppService() bool {
	return os.Getenv("IDENTITY_ENDPOINT") != "" || os.Getenv("MSI_ENDPOINT") != ""
}

// newDefaultChain is azidentity's default chain: environment, workload
// identity, a VM's managed identity, then the developer's Azure CLI login,
// so that `handler check` works on a workstation after `az login`. The
// chain reads a user-assigned identity's client id from AZURE_CLIENT_ID.
func newDefaultChain(o Options) (azcore.TokenCredential, error) {
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: o.clientOptions(), DisableInstanceDiscovery: o.DisableInstanceDiscovery})
	if err != nil {
		return nil, fmt.Errorf("azcred: default credential chain: %s", oneLine(err))
	}
	return defaultChain{cred}, nil
}

// defaultChain is the default chain with a failure told in one line that
// says what to do, instead of the chain's report of every credential it
// tried, one per line.
type defaultChain struct {
	chain *azidentity.DefaultAzureCredential
}

// GetToken implements azcore.TokenCredential.
func (d defaultChain) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	token, err := d.chain.GetToken(ctx, opts)
	if err != nil {
		return token, &NoCredentialError{err: err}
	}
	return token, nil
}

// NoCredentialError is the default chain's failure to get a token: no
// credential it tried worked. Its text is one line.
type NoCredentialError struct{ err error }

// NoCredentialHint is what an operator does when no Azure credential works.
const NoCredentialHint = "no Azure credential worked: on a workstation sign in with `az login` " +
	"(the Azure CLI login is tried last); in Azure give the app a managed identity with access"

func (e *NoCredentialError) Error() string {
	return "azcred: " + NoCredentialHint + " (" + oneLine(e.err) + ")"
}

// Unwrap returns the chain's own error.
func (e *NoCredentialError) Unwrap() error { return e.err }

func newManagedIdentity(o Options, names Settings) (azcore.TokenCredential, error) {
	opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: o.clientOptions()}
	if id := strings.TrimSpace(o.ManagedIdentityClientID); id != "" {
		opts.ID = azidentity.ClientID(id)
	}
	cred, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		if o.ManagedIdentityClientID != "" {
			return nil, fmt.Errorf("azcred: user-assigned managed identity from %s: %s", names.ManagedIdentityClientID, oneLine(err))
		}
		return nil, fmt.Errorf("azcred: system-assigned managed identity: %s", oneLine(err))
	}
	return cred, nil
}

// ParseCertificate reads a certificate setting (named setting in errors):
// PEM text (certificate and unencrypted private key), or base64 of a PFX
// without a password, the form Key Vault gives a certificate referenced as
// a secret. Errors never quote the value.
func ParseCertificate(value, setting string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	if setting == "" {
		setting = "Certificate"
	}
	data := []byte(strings.TrimSpace(value))
	if !strings.Contains(value, "-----BEGIN") {
		decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value), ""))
		if err != nil {
			return nil, nil, fmt.Errorf("azcred: %s is neither PEM nor base64 PFX", setting)
		}
		data = decoded
	}
	certs, key, err := azidentity.ParseCertificates(data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("azcred: %s: %s", setting, shortReason(err))
	}
	if len(certs) == 0 {
		return nil, nil, fmt.Errorf("azcred: %s holds no certificate", setting)
	}
	if key == nil {
		return nil, nil, fmt.Errorf("azcred: %s holds no private key", setting)
	}
	return certs, key, nil
}

// clientOptions returns the azidentity client options, the defaults when
// unset, with the authority host of AuthorityHost.
func (o Options) clientOptions() azcore.ClientOptions {
	var opts azcore.ClientOptions
	if o.ClientOptions != nil {
		opts = *o.ClientOptions
	}
	if host := strings.TrimSpace(o.AuthorityHost); host != "" {
		opts.Cloud.ActiveDirectoryAuthorityHost = strings.TrimRight(host, "/") + "/"
	}
	return opts
}

// oneLine joins an SDK error's lines, so that an error text fits a log
// line or a table cell.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// withDefaults fills unnamed settings with the option field names.
func (s Settings) withDefaults() Settings {
	if s.TenantID == "" {
		s.TenantID = "TenantID"
	}
	if s.ClientID == "" {
		s.ClientID = "ClientID"
	}
	if s.Certificate == "" {
		s.Certificate = "Certificate"
	}
	if s.ManagedIdentityClientID == "" {
		s.ManagedIdentityClientID = "ManagedIdentityClientID"
	}
	return s
}

// shortReason keeps the parser's reason short and free of key material.
func shortReason(err error) string {
	text := err.Error()
	if len(text) > 120 {
		text = text[:120]
	}
	return text
}
