// Package ftpretrieve is the FtpRetrieve function: the daily pull of extract
// files from an FTP server to the MIM server, a blob container or a folder.
package ftpretrieve

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares FtpRetrieve.
var Declaration = function.Declaration{
	Name:    "FtpRetrieve",
	Trigger: function.Timer("timer", settings.FTPSchedule),
	Settings: []settings.Spec{
		settings.Storage, settings.OpsTimeZone, settings.WebsiteTimeZone,
		settings.FTPServer, settings.FTPUsername, settings.FTPPassword,
		settings.FTPSourceDirectory, settings.FTPTargetDirectory, settings.FTPSchedule,
		filePatternSetting, targetSubfolderSetting, settings.FTPTarget,
		settings.FTPTargetContainer, settings.FTPTLS, settings.FTPMaxConnections, settings.FTPMinFileAge,
		settings.FTPCACert, settings.FTPTimeout, settings.FTPUnparsedRunsLimit,
		mimServerSetting, mimUserSetting, mimPasswordSetting,
		settings.MIMSyncWinRMPort, settings.MIMSyncWinRMUseHTTPS, settings.MIMSyncWinRMCACert,
		settings.MIMSyncWinRMInsecureSkipVerify,
		settings.MIMSyncWinRMCertThumbprint, settings.MIMSyncWinRMTLSServerName,
	},
	Run:    run,
	Check:  check,
	Status: status,
}
