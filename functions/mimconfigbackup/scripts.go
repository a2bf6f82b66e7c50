package mimconfigbackup

import _ "embed" // the scripts the function runs on the MIM server

// The scripts the function runs on the MIM server.
var (
	//go:embed scripts/backup.ps1
	backupScript string
	//go:embed scripts/check.ps1
	checkScript string
	//go:embed scripts/removezip.ps1
	removeZipScript string
)
