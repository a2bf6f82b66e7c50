//go:build !windows

package devhost

import "syscall"

// terminate is the signal the host's process manager sends on shutdown.
var terminate = syscall.SIGTERM
