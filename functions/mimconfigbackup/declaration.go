// Package mimconfigbackup is the MimConfigBackup function: the nightly export
// of the MIM Sync and Service configuration over WinRM.
package mimconfigbackup

import (
	"slices"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares MimConfigBackup.
var Declaration = function.Declaration{
	Name:    "MimConfigBackup",
	Trigger: function.Timer("timer", settings.MIMBackupSchedule),
	Settings: slices.Concat([]settings.Spec{
		settings.Storage, settings.OpsTimeZone, settings.WebsiteTimeZone,
	}, clients.WinRMSettings, []settings.Spec{
		settings.MIMBackupSchedule, rootSetting, settings.MIMBackupFolderFormat,
		settings.MIMServiceUri, extensionsSetting, settings.MIMBackupRetentionDays,
		settings.MIMBackupContainer, settings.MIMBackupKeepMin, settings.MIMBackupBlobServiceURI,
	}),
	Run:   run,
	Check: check,
}
