package spchangepoll

import (
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// clientCertificateSetting is SPClientCertificate, checked with the parser a run uses.
var clientCertificateSetting = settings.SPClientCertificate.WithCheck(func(value string) error {
	_, _, err := sharepoint.ParseCertificate(value) // its errors never quote the value
	return err
})
