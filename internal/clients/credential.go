package clients

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
)

// credentials keeps one credential per configuration, so that its tokens
// are reused across invocations instead of fetched for each.
var credentials cache[azcred.Options, azcore.TokenCredential]

// credential returns the process's credential for o.
func credential(o azcred.Options) (azcore.TokenCredential, error) {
	return credentials.get(o, azcred.New)
}

// CertificateSetting returns s, a certificate-and-key setting of Entra
// auth, with the check of the parser the credential uses, for a function's
// declaration: handler check and every run then refuse a bad certificate up
// front. The check's errors never quote the value.
func CertificateSetting(s settings.Spec) settings.Spec {
	return s.WithCheck(func(value string) error {
		_, _, err := azcred.ParseCertificate(value, s.Name)
		return err
	})
}

// credentialSettings are the app settings of one client's Entra auth.
type credentialSettings struct {
	tenantID, clientID, certificate, managedIdentityClientID settings.Spec
}

// credentialOptions reads certificate auth when any of the tenant, client
// or certificate setting is set (then all three are required), otherwise
// the managed identity on App Service and the default chain (the
// developer's Azure CLI login) elsewhere.
func credentialOptions(p *settings.Parser, s credentialSettings) azcred.Options {
	o := azcred.Options{
		TenantID:                p.String(s.tenantID),
		ClientID:                p.String(s.clientID),
		Certificate:             p.String(s.certificate),
		ManagedIdentityClientID: p.String(s.managedIdentityClientID),
		Settings: azcred.Settings{TenantID: s.tenantID.Name, ClientID: s.clientID.Name,
			Certificate: s.certificate.Name, ManagedIdentityClientID: s.managedIdentityClientID.Name},
	}
	if o.UsesCertificate() {
		p.Require(s.tenantID, "certificate auth")
		p.Require(s.clientID, "certificate auth")
		p.Require(s.certificate, "certificate auth")
	}
	return o
}
