package remoteps

import (
	_ "embed" // the scripts the client runs on the server
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// The scripts the client runs on the server.
var (
	//go:embed scripts/bootstrap.ps1
	bootstrapScript string
	//go:embed scripts/upload.ps1
	uploadScript string
	//go:embed scripts/download.ps1
	downloadScript string
	//go:embed scripts/uploads.ps1
	uploadsScript string
)

// bootstrapCommand is the command line of every Run: the bootstrap, its
// comments dropped, as UTF-16LE base64 for -EncodedCommand.
var bootstrapCommand = "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -InputFormat Text -EncodedCommand " +
	encodeCommand(stripComments(bootstrapScript))

func stripComments(script string) string {
	var out []string
	for _, line := range strings.Split(script, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			out = append(out, strings.TrimRight(line, "\r"))
		}
	}
	return strings.Join(out, "\n")
}

// encodeCommand encodes a script for powershell.exe -EncodedCommand.
func encodeCommand(script string) string {
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		raw[2*i], raw[2*i+1] = byte(u), byte(u>>8)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// scriptName is the name in a script's first line ("# upload.ps1: ..."),
// or "script".
func scriptName(script string) string {
	first, _, _ := strings.Cut(script, "\n")
	first = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(first), "#"))
	if name, _, ok := strings.Cut(first, ".ps1"); ok && name != "" && !strings.ContainsAny(name, " \t") {
		return name + ".ps1"
	}
	return "script"
}
