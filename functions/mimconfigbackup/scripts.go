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

// The scripts the function runs on the MIM server.
var (
	backupScript    = mustScript("backup.ps1")
	checkScript     = mustScript("check.ps1")
	removeZipScript = mustScript("removezip.ps1")
)
