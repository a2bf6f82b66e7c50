package entradelta

import (
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings EntraDeltaExport declares with rules of its own: the
// certificate, read by the parser a run uses. The export target's settings,
// the MIM server's among them, come from targetSettings.
var (
	clientCertificateSetting = settings.EntraClientCertificate.WithCheck(func(value string) error {
		_, _, err := azcred.ParseCertificate(value, settings.EntraClientCertificate.Name) // never quotes the value
		return err
	})
)
