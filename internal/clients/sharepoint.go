package clients

import (
	"fmt"
	"log/slog"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// SharePointConfig is the site and the credential the SP* settings select.
type SharePointConfig struct {
	SiteURL    string
	Credential azcred.Options
}

// sharePointCredential names the SharePoint auth settings.
var sharePointCredential = credentialSettings{settings.SPTenantId, settings.SPClientId,
	settings.SPClientCertificate, settings.SPManagedIdentityClientId}

// sites keeps one SharePoint client per configuration.
var sites cache[SharePointConfig, *sharepoint.Client]

// sharePointConfig reads SPSiteUrl and the SharePoint auth settings:
// certificate auth when SPTenantId, SPClientId or SPClientCertificate is
// set (all three then), otherwise the managed identity on App Service and
// the developer's Azure CLI login elsewhere. Problems are recorded on the
// parser; call p.Err afterwards.
func sharePointConfig(p *settings.Parser) SharePointConfig {
	cfg := SharePointConfig{SiteURL: p.String(settings.SPSiteUrl), Credential: credentialOptions(p, sharePointCredential)}
	if cfg.SiteURL != "" && sharepoint.CheckSiteURL(cfg.SiteURL) != nil {
		p.Fail(settings.SPSiteUrl, "want an absolute https URL such as https://contoso.sharepoint.com/sites/ops")
	}
	return cfg
}

// SharePoint returns the process's client for the SharePoint settings,
// logging to log: later invocations with the same settings reuse its token
// and form digest instead of fetching new ones. It fails when p holds any
// problem, the caller's own settings' included, whether or not a client is
// cached: a cached client never hides bad settings.
func SharePoint(p *settings.Parser, log *slog.Logger) (*sharepoint.Client, error) {
	cfg := sharePointConfig(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	c, err := sites.get(cfg, openSharePoint)
	if err != nil {
		return nil, err
	}
	return c.WithLog(log), nil
}

func openSharePoint(cfg SharePointConfig) (*sharepoint.Client, error) {
	cred, err := credential(cfg.Credential)
	if err != nil {
		return nil, fmt.Errorf("sharepoint: %w", err)
	}
	return sharepoint.New(sharepoint.Options{SiteURL: cfg.SiteURL, Credential: cred})
}
