package azuritetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill Azurite if the test process dies
// without running its cleanups (a test timeout, say), so no emulator is
// left holding the CI job open.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
