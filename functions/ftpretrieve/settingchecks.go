package ftpretrieve

import (
	"fmt"
	"time"

	"github.com/tenantops/tenantops/internal/remotename"
	"github.com/tenantops/tenantops/internal/settings"
)

// The settings FtpRetrieve declares with rules of its own: the formats whose
// parsers live in this package. The target's settings, the MIM server's
// among them, come from targetSettings.
var (
	filePatternSetting     = settings.FTPFilePattern.WithCheck(checkFilePattern)
	targetSubfolderSetting = settings.FTPTargetSubfolder.WithCheck(checkSubfolder)
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
