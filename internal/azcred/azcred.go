// Package azcred builds the Entra credential a tenantops function
// authenticates with: an app registration's certificate when a tenant,
// client and certificate are configured, otherwise the Function App's
// managed identity (system-assigned, or a user-assigned one chosen by its
// client id). Client secrets are deliberately not offered. Error texts name
// the app settings the caller configured, never their values.
package azcred

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
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

// Options chooses the credential. Certificate auth is selected when any of
// TenantID, ClientID or Certificate is set, and then needs all three.
type Options struct {
	TenantID    string // Entra tenant id (certificate auth)
	ClientID    string // app (client) id (certificate auth)
	Certificate string // PEM, or base64 PFX without a password, holding the certificate and its private key
	// ManagedIdentityClientID selects a user-assigned managed identity;
	// empty means the system-assigned one.
	ManagedIdentityClientID string
	// Settings name the app settings behind the fields, for error texts.
	Settings Settings
	// ClientOptions reach azidentity (authority host, transport); tests use them.
	ClientOptions azcore.ClientOptions
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
		return newManagedIdentity(o, names)
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
			ClientOptions:            o.ClientOptions,
			DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
	if err != nil {
		return nil, fmt.Errorf("azcred: certificate credential from %s, %s and %s: %w",
			names.TenantID, names.ClientID, names.Certificate, err)
	}
	return cred, nil
}

func newManagedIdentity(o Options, names Settings) (azcore.TokenCredential, error) {
	opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: o.ClientOptions}
	if id := strings.TrimSpace(o.ManagedIdentityClientID); id != "" {
		opts.ID = azidentity.ClientID(id)
	}
	cred, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		if o.ManagedIdentityClientID != "" {
			return nil, fmt.Errorf("azcred: user-assigned managed identity from %s: %w", names.ManagedIdentityClientID, err)
		}
		return nil, fmt.Errorf("azcred: system-assigned managed identity: %w", err)
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
