// Package entradelta is the EntraDeltaExport function: it reads Entra ID
// users and groups (with their members) through Microsoft Graph delta
// queries, keeps the delta links and a replica of what it exported in blob
// storage, and delivers numbered change files that a MIM management agent
// imports.
package entradelta

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares EntraDeltaExport.
var Declaration = function.Declaration{
	Name:    "EntraDeltaExport",
	Trigger: function.Timer("timer", settings.EntraDeltaSchedule),
	Settings: []settings.Spec{
		settings.Storage, settings.EntraDeltaSchedule, userAttributesSetting, groupAttributesSetting,
		settings.EntraExportTarget, settings.EntraExportDirectory, settings.EntraExportContainer,
		settings.EntraStateContainer, settings.EntraExportRetentionDays, settings.EntraFullFileDays, settings.EntraGraphEndpoint, settings.EntraAuthorityHost,
		settings.EntraTenantId, settings.EntraClientId, clientCertificateSetting, settings.EntraManagedIdentityClientId,
		mimServerSetting, mimUserSetting, mimPasswordSetting,
		settings.MIMSyncWinRMPort, settings.MIMSyncWinRMUseHTTPS, settings.MIMSyncWinRMCACert,
		settings.MIMSyncWinRMInsecureSkipVerify,
		settings.MIMSyncWinRMCertThumbprint, settings.MIMSyncWinRMTLSServerName,
	},
	Run:    run,
	Check:  check,
	Status: status,
}
