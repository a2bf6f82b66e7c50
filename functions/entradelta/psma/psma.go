// Package psma holds the MIM side of EntraDeltaExport: the Granfeldt
// PowerShell management agent scripts that import the change files the
// function delivers. Schema.ps1 declares the user and group object classes
// (anchor id, members a multi-valued reference); Import.ps1 runs Full and
// Delta Imports over the files, page by page. The scripts are copied to the
// MIM server as they are; this package embeds them so they can be checked
// and handed out with the binary.
package psma

import _ "embed" // the management agent's scripts

var (
	//go:embed Schema.ps1
	schemaSource string
	//go:embed Import.ps1
	importSource string
)

// Scripts returns the management agent's scripts by file name.
func Scripts() map[string]string {
	return map[string]string{"Schema.ps1": schemaSource, "Import.ps1": importSource}
}
