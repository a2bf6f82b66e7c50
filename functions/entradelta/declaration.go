// Package entradelta is the EntraDeltaExport function: it reads Entra ID
// users and groups (with their members) through Microsoft Graph delta
// queries, keeps the delta links and a replica of what it exported in blob
// storage, and delivers numbered change files that a MIM management agent
// imports.
package entradelta

import (
	"slices"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares EntraDeltaExport.
var Declaration = function.Declaration{
	Name:    "EntraDeltaExport",
	Trigger: function.Timer("timer", settings.EntraDeltaSchedule),
	Settings: slices.Concat([]settings.Spec{
		settings.Storage, settings.EntraDeltaSchedule, userAttributesSetting, groupAttributesSetting,
		settings.EntraStateContainer, settings.EntraExportRetentionDays, settings.EntraFullFileDays, settings.EntraGraphEndpoint, settings.EntraAuthorityHost,
		settings.EntraTenantId, settings.EntraClientId, clientCertificateSetting, settings.EntraManagedIdentityClientId,
	}, targetSettings.Specs()),
	Run:    run,
	Check:  check,
	Status: status,
}
