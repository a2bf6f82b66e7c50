package clients

import (
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

// GraphConfigFrom reads EntraGraphEndpoint and the Entra auth settings:
// certificate auth when EntraTenantId, EntraClientId or
// EntraClientCertificate is set (all three then), otherwise the managed
// identity on App Service and the developer's Azure CLI login elsewhere.
// Problems are recorded on the parser; call p.Err afterwards.
func GraphConfigFrom(p *settings.Parser) GraphConfig {
	return GraphConfig{Endpoint: strings.TrimRight(p.Validate(settings.EntraGraphEndpoint), "/"),
		Credential: credentialOptions(p, entraCredential)}
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
