package clients

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/settings"
)

// GraphConfig is the Microsoft Graph endpoint and the credential the
// Entra* settings select.
type GraphConfig struct {
	Endpoint   string
	Credential azcred.Options
}

// entraCredential names the Entra auth settings.
var entraCredential = credentialSettings{settings.EntraTenantId, settings.EntraClientId,
	settings.EntraClientCertificate, settings.EntraManagedIdentityClientId}

// GraphConfigFrom reads EntraGraphEndpoint, EntraAuthorityHost (which
// must be the endpoint's pair for a known cloud) and the Entra auth settings:
// certificate auth when EntraTenantId, EntraClientId or
// EntraClientCertificate is set (all three then), otherwise the managed
// identity on App Service and the developer's Azure CLI login elsewhere.
// Problems are recorded on the parser; call p.Err afterwards.
func GraphConfigFrom(p *settings.Parser) GraphConfig {
	cfg := GraphConfig{Endpoint: strings.TrimRight(p.Validate(settings.EntraGraphEndpoint), "/"),
		Credential: credentialOptions(p, entraCredential)}
	cfg.Credential.AuthorityHost = strings.TrimRight(p.Validate(settings.EntraAuthorityHost), "/")
	if want, known := cloudAuthorities[strings.ToLower(cfg.Endpoint)]; known && strings.HasPrefix(cfg.Credential.AuthorityHost, "https://") &&
		!slicesContainsFold(want, cfg.Credential.AuthorityHost) {
		p.Fail(settings.EntraAuthorityHost, fmt.Sprintf("%s signs in for another cloud than EntraGraphEndpoint %s, whose authority is %s",
			cfg.Credential.AuthorityHost, cfg.Endpoint, strings.Join(want, " or ")))
	}
	return cfg
}

// cloudAuthorities pairs the Graph endpoints of the public and national
// clouds with their sign-in authorities (Microsoft's national cloud
// deployments list); an endpoint not listed here is not checked.
var cloudAuthorities = map[string][]string{
	"https://graph.microsoft.com":             {"https://login.microsoftonline.com"},
	"https://graph.microsoft.us":              {"https://login.microsoftonline.us"},
	"https://dod-graph.microsoft.us":          {"https://login.microsoftonline.us"},
	"https://microsoftgraph.chinacloudapi.cn": {"https://login.chinacloudapi.cn", "https://login.partner.microsoftonline.cn"},
}

func slicesContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Graph returns a Graph client for cfg, logging to log, with the process's
// credential for it, so that its tokens are reused across invocations.
func Graph(cfg GraphConfig, log *slog.Logger) (*graph.Client, error) {
	cred, err := credential(cfg.Credential)
	if err != nil {
		return nil, err
	}
	return graph.New(graph.Options{Endpoint: cfg.Endpoint, Credential: cred, Log: log})
}
