// Package ftpretrieve is the FtpRetrieve function: the daily pull of extract
// files from an FTP server to the MIM server, a blob container or a folder.
package ftpretrieve

import (
	"slices"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares FtpRetrieve.
var Declaration = function.Declaration{
	Name:    "FtpRetrieve",
	Trigger: function.Timer("timer", settings.FTPSchedule),
	Settings: slices.Concat([]settings.Spec{
		settings.Storage, settings.OpsTimeZone, settings.WebsiteTimeZone,
		settings.FTPServer, settings.FTPUsername, settings.FTPPassword,
		settings.FTPSourceDirectory, settings.FTPSchedule,
		filePatternSetting, targetSubfolderSetting,
		settings.FTPTLS, settings.FTPMaxConnections, settings.FTPMinFileAge,
		settings.FTPCACert, settings.FTPTimeout, settings.FTPUnparsedRunsLimit,
	}, targetSettings.Specs()),
	Run:    run,
	Check:  check,
	Status: status,
}
