package spcleanup

import (
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// The settings SharePointCleanup declares with the parser a run uses.
var (
	targetsSetting = settings.SPCleanupTargets.WithCheck(func(value string) error {
		_, err := ParseTargets(value)
		return err
	})
	clientCertificateSetting = settings.SPClientCertificate.WithCheck(func(value string) error {
		_, _, err := sharepoint.ParseCertificate(value) // its errors never quote the value
		return err
	})
)
