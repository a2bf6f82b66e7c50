// Package mimconfigbackup is the MimConfigBackup function: the nightly export
// of the MIM Sync and Service configuration over WinRM.
package mimconfigbackup

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares MimConfigBackup.
var Declaration = function.Declaration{
	Name:    "MimConfigBackup",
	Trigger: function.Timer("timer", settings.MIMBackupSchedule),
	Settings: []settings.Spec{
		settings.Storage, settings.OpsTimeZone, settings.WebsiteTimeZone,
		settings.MIMSyncServer, settings.MIMSyncCredUser, settings.MIMSyncCredPassword,
		settings.MIMSyncWinRMPort, settings.MIMSyncWinRMUseHTTPS, settings.MIMSyncWinRMCACert,
		settings.MIMSyncWinRMInsecureSkipVerify,
		settings.MIMSyncWinRMCertThumbprint, settings.MIMSyncWinRMTLSServerName,
		settings.MIMBackupSchedule, settings.MIMBackupRoot, settings.MIMBackupFolderFormat,
		settings.MIMServiceUri, settings.MIMExtensionsPath, settings.MIMBackupRetentionDays,
		settings.MIMBackupContainer, settings.MIMBackupKeepMin, settings.MIMBackupBlobServiceURI,
	},
	Run:   run,
	Check: check,
}
