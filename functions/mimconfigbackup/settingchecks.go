package mimconfigbackup

import (
	"errors"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings MimConfigBackup declares with rules of its own: the folders
// on the MIM server, checked by the rule the remote PowerShell client
// applies to every path it is given.
var (
	rootSetting       = settings.MIMBackupRoot.WithCheck(serverFolder(`want an absolute folder on the server such as C:\Backup`))
	extensionsSetting = settings.MIMExtensionsPath.WithCheck(serverFolder("want an absolute folder on the server"))
)

// serverFolder returns a check that a value is an absolute folder on the
// MIM server, failing with why.
func serverFolder(why string) func(string) error {
	return func(value string) error {
		if remoteps.CheckRemotePath(value) != nil {
			return errors.New(why)
		}
		return nil
	}
}
