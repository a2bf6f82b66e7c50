package main

// What the commands share: their arguments and app settings.

import (
	"flag"
	"os"
	"strings"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/settings"
)

// settingsFlag declares a command's --settings flag: the file commandEnv reads.
func settingsFlag(fs *flag.FlagSet) *string {
	return fs.String("settings", "", "a local.settings.json whose Values are the app settings (the environment wins, as in Core Tools)")
}

// commandEnv is the app settings of a command: the process environment,
// over the Values of a local.settings.json when --settings names one.
func commandEnv(file string) (settings.Env, error) {
	if file == "" {
		return settings.OSEnv{}, nil
	}
	return loadSettingsFile(file, settings.OSEnv{}, os.Stderr)
}

// splitName takes the first non-flag argument as the function name.
func splitName(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// names lists every function's name, for usage errors.
func names() string {
	var out []string
	for _, d := range functions.All() {
		out = append(out, d.Name)
	}
	return strings.Join(out, ", ")
}
