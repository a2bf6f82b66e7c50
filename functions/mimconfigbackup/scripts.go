package mimconfigbackup

import "embed"

//go:embed scripts/*.ps1
var scriptFiles embed.FS

func mustScript(name string) string {
	b, err := scriptFiles.ReadFile("scripts/" + name)
	if err != nil {
		panic("mimconfigbackup: missing embedded script " + name)
	}
	return string(b)
}

var (
	backupScript = mustScript("backup.ps1")
	checkScript  = mustScript("check.ps1")
)

// Scripts returns the function's embedded PowerShell scripts by file name,
// for syntax checks.
func Scripts() map[string]string {
	return map[string]string{"backup.ps1": backupScript, "check.ps1": checkScript}
}
