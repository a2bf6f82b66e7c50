package sharepoint

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"

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

// shared holds the clients Shared made, by a hash of their settings.
var shared sync.Map

// Shared is Open with a client kept for the life of the process: later
// invocations with the same settings reuse its token and form digest
// instead of fetching new ones. Each caller gets its own log. Like Open, it
// fails when p holds any problem, the caller's own settings' included,
// whether or not a client is cached: a cached client never hides bad settings.
func Shared(p *settings.Parser, log *slog.Logger) (*Client, error) {
	credOpts := CredentialOptionsFrom(p)
	sum := sha256.Sum256([]byte(p.String(settings.SPSiteUrl) + "\x00" + credOpts.TenantID + "\x00" + credOpts.ClientID +
		"\x00" + credOpts.Certificate + "\x00" + credOpts.ManagedIdentityClientID + "\x00" + os.Getenv("IDENTITY_ENDPOINT")))
	key := hex.EncodeToString(sum[:])
	if c, ok := shared.Load(key); ok {
		if err := p.Err(); err != nil {
			return nil, err
		}
		return c.(*Client).WithLog(log), nil
	}
	c, err := Open(p, log)
	if err != nil {
		return nil, err
	}
	actual, _ := shared.LoadOrStore(key, c)
	return actual.(*Client).WithLog(log), nil
}
