package spchangepoll

import (
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// clientCertificateSetting is SPClientCertificate, checked with the parser a run uses.
var clientCertificateSetting = clients.CertificateSetting(settings.SPClientCertificate)
