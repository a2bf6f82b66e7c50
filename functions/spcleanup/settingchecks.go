package spcleanup

import (
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings SharePointCleanup declares with the parser a run uses.
var (
	targetsSetting = settings.SPCleanupTargets.WithCheck(func(value string) error {
		_, err := ParseTargets(value)
		return err
	})
	clientCertificateSetting = clients.CertificateSetting(settings.SPClientCertificate)
)
