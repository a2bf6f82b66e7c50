package entradelta

import (
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings EntraDeltaExport declares with rules of its own: the
// certificate, read by the parser a run uses. The export target's settings,
// the MIM server's among them, come from targetSettings.
var (
	clientCertificateSetting = clients.CertificateSetting(settings.EntraClientCertificate)
)
