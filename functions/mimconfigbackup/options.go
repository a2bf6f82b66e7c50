package mimconfigbackup

import (
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
)

// options are the function's settings, read and checked.
type options struct {
	winrm          remoteps.Config
	root           string // MIMBackupRoot on the server
	folderFormat   string // .NET date format of the folder names
	zone           *time.Location
	serviceURI     string
	extensionsPath string
	retentionDays  int    // 0 keeps every backup
	keepMin        int    // the newest complete backups kept whatever their age
	container      string // blob container for the zipped copy; "" = none
}

// readOptions reads the settings, each checked as it is read by the
// catalog's rule and the function's own (settingchecks.go), the same rules
// settings.Validate applies before a run; problems are recorded on p.
func readOptions(p *settings.Parser) options {
	o := options{
		winrm:          clients.WinRM(p),
		root:           p.Validate(rootSetting),
		folderFormat:   p.Validate(settings.MIMBackupFolderFormat),
		zone:           p.Zone(),
		serviceURI:     p.Validate(settings.MIMServiceUri),
		extensionsPath: p.Validate(extensionsSetting),
		retentionDays:  p.Int(settings.MIMBackupRetentionDays),
		keepMin:        p.Int(settings.MIMBackupKeepMin),
		container:      p.Validate(settings.MIMBackupContainer),
	}
	return o
}
