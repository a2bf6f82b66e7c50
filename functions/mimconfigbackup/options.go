package mimconfigbackup

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/opstime"
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

// containerName is Azure's rule for container names.
var containerName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// readOptions reads the settings; problems are recorded on p.
func readOptions(p *settings.Parser) options {
	o := options{
		winrm:          clients.WinRM(p),
		root:           p.String(settings.MIMBackupRoot),
		folderFormat:   p.String(settings.MIMBackupFolderFormat),
		zone:           p.Zone(),
		serviceURI:     p.String(settings.MIMServiceUri),
		extensionsPath: p.String(settings.MIMExtensionsPath),
		retentionDays:  p.Int(settings.MIMBackupRetentionDays),
		keepMin:        p.Int(settings.MIMBackupKeepMin),
		container:      p.String(settings.MIMBackupContainer),
	}
	if err := remoteps.CheckRemotePath(o.root); err != nil {
		p.Fail(settings.MIMBackupRoot, `want an absolute folder on the server such as C:\Backup`)
	}
	if err := remoteps.CheckRemotePath(o.extensionsPath); err != nil {
		p.Fail(settings.MIMExtensionsPath, "want an absolute folder on the server")
	}
	if err := opstime.Validate(o.folderFormat); err != nil {
		p.Fail(settings.MIMBackupFolderFormat, err.Error())
	} else if name, _ := opstime.Format(time.Date(2026, 12, 31, 23, 59, 58, 0, time.UTC), o.folderFormat); strings.ContainsAny(name, `\/`) ||
		remoteps.CheckRemotePath(`C:\x\`+name) != nil {
		p.Fail(settings.MIMBackupFolderFormat, "want a format that gives a plain folder name (no \\ / : * ? \" < > |)")
	}
	if u, err := url.Parse(o.serviceURI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.Fail(settings.MIMServiceUri, "want an http(s) address such as http://localhost:5725")
	}
	if o.retentionDays < 0 {
		p.Fail(settings.MIMBackupRetentionDays, "want 0 (keep every backup) or a number of days")
	}
	if o.keepMin < 1 {
		p.Fail(settings.MIMBackupKeepMin, "want 1 or more: the newest complete backups kept whatever their age")
	}
	if o.container != "" && !containerName.MatchString(o.container) {
		p.Fail(settings.MIMBackupContainer, "want a blob container name: 3-63 lower-case letters, digits and single hyphens")
	}
	return o
}
