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

// checkFilePattern parses FTPFilePattern as a run does.
func checkFilePattern(value string) error {
	_, err := parsePattern(value, time.Now())
	return err
}

// checkSubfolder parses FTPTargetSubfolder as a run does.
func checkSubfolder(value string) error {
	_, err := parseSubfolder(value, time.Now())
	return err
}

// parsePattern reads FTPFilePattern for the day of now: its date tokens
// resolved, then the glob compiled.
func parsePattern(value string, now time.Time) (*glob, error) {
	expanded, err := expandDates(value, now)
	if err != nil {
		return nil, err
	}
	return compileGlob(expanded)
}

// parseSubfolder reads FTPTargetSubfolder for the day of now: its date
// tokens resolved, then checked to be a safe relative folder.
func parseSubfolder(value string, now time.Time) (string, error) {
	sub, err := expandDates(value, now)
	if err != nil {
		return "", err
	}
	if err := remotename.CheckPath(sub); err != nil {
		return "", fmt.Errorf("%q is not a safe folder name", sub)
	}
	return sub, nil
}
