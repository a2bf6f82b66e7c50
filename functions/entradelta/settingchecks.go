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

	// The attribute lists: property names delta can export (no other
	// navigation property than manager and owners, nothing it cannot
	// track), checked by handler check and before every run.
	userAttributesSetting = settings.EntraUserAttributes.WithCheck(func(value string) error {
		return checkAttributes("users", value)
	})
	groupAttributesSetting = settings.EntraGroupAttributes.WithCheck(func(value string) error {
		return checkAttributes("groups", value)
	})
)
