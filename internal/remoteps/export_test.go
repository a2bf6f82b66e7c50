package remoteps

// Scripts returns this package's embedded PowerShell scripts by file name,
// for syntax checks.
func Scripts() map[string]string {
	return map[string]string{"bootstrap.ps1": bootstrapScript, "upload.ps1": uploadScript, "download.ps1": downloadScript, "uploads.ps1": uploadsScript}
}

// EncodedCommandLength is the length of the command line every Run sends,
// far below cmd.exe's 8191 characters whatever the script.
func EncodedCommandLength() int { return len(bootstrapCommand) }
