package mimconfigbackup

// Scripts returns the function's embedded PowerShell scripts by file name,
// for the syntax and contract checks.
func Scripts() map[string]string {
	return map[string]string{"backup.ps1": backupScript, "check.ps1": checkScript, "removezip.ps1": removeZipScript}
}
