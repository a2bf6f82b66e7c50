package spcleanup

import (
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings SharePointCleanup declares with the parser a run uses.
var (
	targetsSetting = settings.SPCleanupTargets.WithCheck(func(value string) error {
		_, err := ParseTargets(value)
		return err
	})
	clientCertificateSetting = settings.SPClientCertificate.WithCheck(func(value string) error {
		_, _, err := azcred.ParseCertificate(value, settings.SPClientCertificate.Name) // its errors never quote the value
		return err
	})
)
