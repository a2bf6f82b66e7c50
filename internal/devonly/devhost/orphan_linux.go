package devhost

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the handler if the process that
// started it dies without stopping it (a test timeout, say), so no handler
// is left holding the CI job open.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
