package ftpretrieve

import (
	"fmt"
	"time"

	"github.com/tenantops/tenantops/internal/remotename"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings FtpRetrieve declares with rules of its own: the formats whose
// parsers live in this package, and the MIM server's settings, which only
// the winrm target needs.
var (
	filePatternSetting     = settings.FTPFilePattern.WithCheck(checkFilePattern)
	targetSubfolderSetting = settings.FTPTargetSubfolder.WithCheck(checkSubfolder)

	winrmTarget        = settings.Condition{Setting: settings.FTPTarget.Name, Values: []string{targetWinRM}}
	mimServerSetting   = settings.MIMSyncServer.RequiredOnlyWhen(winrmTarget)
	mimUserSetting     = settings.MIMSyncCredUser.RequiredOnlyWhen(winrmTarget)
	mimPasswordSetting = settings.MIMSyncCredPassword.RequiredOnlyWhen(winrmTarget)
)

// checkFilePattern parses FTPFilePattern as a run does: date tokens, then the glob.
func checkFilePattern(value string) error {
	expanded, err := expandDates(value, time.Now())
	if err != nil {
		return err
	}
	_, err = compileGlob(expanded)
	return err
}

// checkSubfolder parses FTPTargetSubfolder as a run does.
func checkSubfolder(value string) error {
	sub, err := expandDates(value, time.Now())
	if err != nil {
		return err
	}
	if err := remotename.CheckPath(sub); err != nil {
		return fmt.Errorf("%q is not a safe folder name", sub)
	}
	return nil
}
