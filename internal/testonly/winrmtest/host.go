package winrmtest

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf16"
)

// Host is a Machine that emulates the remote side of remoteps: it decodes
// "powershell.exe ... -EncodedCommand" command lines and, for the remoteps
// bootstrap, reads the script and its JSON parameters from stdin the way the
// bootstrap does (line 1: the script, line 2: the parameters, each base64
// UTF-8; the rest of stdin is the script's own input), then runs the Go
// ScriptFunc registered under the script's name. Anything else goes to Other.
type Host struct {
	// Scripts are the emulated scripts, by name: a script whose first line
	// is "# backup.ps1: ..." is named "backup".
	Scripts map[string]ScriptFunc
	// Other runs command lines that are not remoteps scripts; nil answers
	// them as cmd.exe answers an unknown command.
	Other MachineFunc
}

// ScriptFunc is the Go stand-in for one PowerShell script. It returns the
// exit code; an error text on Stderr with exit code 1 is how the bootstrap
// reports a script that threw.
type ScriptFunc func(ctx context.Context, call *Call) int

// Call is one run of an emulated script.
type Call struct {
	Name   string        // the script's name
	Source string        // the script's text as the client sent it
	Params []byte        // the JSON parameters
	Input  *bufio.Reader // the rest of stdin
	Stdout io.Writer
	Stderr io.Writer
}

// maxLine bounds one stdin line (the largest Send carries one line).
const maxLine = 4 << 20

// Run implements Machine.
func (h *Host) Run(ctx context.Context, p *Process) int {
	script, ok := EncodedCommand(p.CommandLine)
	if !ok || !IsBootstrap(script) {
		if h.Other != nil {
			return h.Other(ctx, p)
		}
		fmt.Fprintf(p.Stderr, "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", firstWord(p.CommandLine))
		return 1
	}
	stdin := p.Stdin
	if p.ConsoleStdin {
		stdin = strings.NewReader("") // $input reads a pipe only
	}
	in := bufio.NewReaderSize(stdin, maxLine)
	source, err := readBase64Line(in)
	if err != nil {
		fmt.Fprintf(p.Stderr, "bootstrap: no script on stdin: %v\r\n", err)
		return 2
	}
	params, err := readBase64Line(in)
	if err != nil {
		fmt.Fprintf(p.Stderr, "bootstrap: no parameters on stdin: %v\r\n", err)
		return 2
	}
	name := ScriptName(string(source))
	f := h.Scripts[name]
	if f == nil {
		fmt.Fprintf(p.Stderr, "winrmtest: no emulation for script %q\r\n", name)
		return 1
	}
	return f(ctx, &Call{Name: name, Source: string(source), Params: params, Input: in, Stdout: p.Stdout, Stderr: p.Stderr})
}

func readBase64Line(r *bufio.Reader) ([]byte, error) {
	line, err := ReadLine(r)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(line)
}

// ReadLine reads one stdin line without its line ending, as PowerShell's
// $input enumerator yields it. It returns io.EOF when no line is left.
func ReadLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

var encodedCommand = regexp.MustCompile(`(?i)^powershell(?:\.exe)?\s(?:.*\s)?-(?:EncodedCommand|enc|e)\s+([A-Za-z0-9+/=]+)\s*$`)

// EncodedCommand returns the script of a "powershell.exe ... -EncodedCommand
// <base64 of UTF-16LE>" command line.
func EncodedCommand(commandLine string) (string, bool) {
	m := encodedCommand.FindStringSubmatch(commandLine)
	if m == nil {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil || len(raw)%2 != 0 {
		return "", false
	}
	units := make([]uint16, len(raw)/2)
	for i := range units {
		units[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(units)), true
}

// IsBootstrap reports whether a decoded command is the remoteps bootstrap:
// it builds a script block from the text it reads from $input.
func IsBootstrap(script string) bool {
	return strings.Contains(script, "[ScriptBlock]::Create(") && strings.Contains(script, "$input")
}

// ScriptName returns the name in a script's first line ("# name.ps1: ...").
func ScriptName(source string) string {
	first, _, _ := strings.Cut(source, "\n")
	first = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(first), "#"))
	name, _, _ := strings.Cut(first, ".ps1")
	return strings.TrimSpace(name)
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}
