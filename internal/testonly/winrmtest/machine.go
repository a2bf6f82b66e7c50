package winrmtest

import (
	"context"
	"io"
)

// Machine stands in for the remote Windows host: it runs the command lines
// that clients send. PowerShell cannot run here, so a test supplies the
// behaviour of each command in Go.
type Machine interface {
	// Run runs one command and returns its exit code. It should return
	// soon after ctx is done (the client signalled terminate or deleted the
	// shell); reading Stdin then fails.
	Run(ctx context.Context, p *Process) int
}

// MachineFunc adapts a function to Machine.
type MachineFunc func(ctx context.Context, p *Process) int

// Run implements Machine.
func (f MachineFunc) Run(ctx context.Context, p *Process) int { return f(ctx, p) }

// Process is one command as the remote host runs it.
type Process struct {
	// CommandLine is the command and its arguments, as cmd.exe gets them.
	CommandLine string
	// Stdin delivers what the client sends, until it sends End.
	Stdin io.Reader
	// Stdout and Stderr go back to the client in Receive responses.
	Stdout, Stderr io.Writer
	// ConsoleStdin is WINRS_CONSOLEMODE_STDIN=TRUE: stdin is a console, not
	// a pipe, and PowerShell's $input sees nothing of what the client sends.
	ConsoleStdin bool
}

// cmdLineLimit is cmd.exe's limit on a command line (8191 characters).
const cmdLineLimit = 8191

// createProcessLimit is CreateProcess's limit on a command line (32767
// characters); the shell plugin faults above it before cmd.exe runs.
const createProcessLimit = 32767

// cmdLineTooLong is what cmd.exe prints when a command line exceeds it.
const cmdLineTooLong = "The command line is too long.\r\n"
