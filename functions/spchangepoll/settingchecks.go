package spchangepoll

import (
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
)

// clientCertificateSetting is SPClientCertificate, checked with the parser a run uses.
var clientCertificateSetting = settings.SPClientCertificate.WithCheck(func(value string) error {
	_, _, err := azcred.ParseCertificate(value, settings.SPClientCertificate.Name) // its errors never quote the value
	return err
})
