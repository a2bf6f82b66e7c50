package main

// The manifest command: the function.json of every function.

import (
	"errors"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
)

// manifestCommand is `handler manifest DIR`: every function's function.json under DIR.
func manifestCommand(args []string) error {
	if len(args) != 1 {
		return errors.New("manifest: usage: handler manifest DIR")
	}
	return function.WriteManifest(args[0], functions.All())
}
