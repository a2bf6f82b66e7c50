package sink

// Scripts returns the package's embedded PowerShell scripts by file name,
// for the syntax and injection checks.
func Scripts() map[string]string {
	return map[string]string{"listfiles.ps1": listScript, "deletefile.ps1": deleteScript}
}
