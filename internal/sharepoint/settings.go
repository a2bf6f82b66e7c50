package sharepoint

import (
	"log/slog"

	"github.com/tenantops/tenantops/internal/settings"
)

// CredentialOptionsFrom reads the SharePoint auth settings: certificate
// auth when SPTenantId, SPClientId or SPClientCertificate is set (all three
// then), otherwise managed identity.
func CredentialOptionsFrom(p *settings.Parser) CredentialOptions {
	return CredentialOptions{
		TenantID:                p.String(settings.SPTenantId),
		ClientID:                p.String(settings.SPClientId),
		Certificate:             p.String(settings.SPClientCertificate),
		ManagedIdentityClientID: p.String(settings.SPManagedIdentityClientId),
	}
}

// Open returns a client for SPSiteUrl with the credential the settings
// select. Setting problems are recorded in p and also returned.
func Open(p *settings.Parser, log *slog.Logger) (*Client, error) {
	site := p.String(settings.SPSiteUrl)
	credOpts := CredentialOptionsFrom(p)
	if credOpts.UsesCertificate() {
		p.Require(settings.SPTenantId, "certificate auth")
		p.Require(settings.SPClientId, "certificate auth")
		p.Require(settings.SPClientCertificate, "certificate auth")
	}
	if site != "" {
		if _, err := normalizeSiteURL(site); err != nil {
			p.Fail(settings.SPSiteUrl, "want an absolute https URL such as https://contoso.sharepoint.com/sites/ops")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	cred, err := NewCredential(credOpts)
	if err != nil {
		return nil, err
	}
	return New(Options{SiteURL: site, Credential: cred, Log: log})
}
