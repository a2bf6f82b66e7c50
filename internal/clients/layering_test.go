package clients_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tenantops/tenantops"

// standalone are the client packages: each knows its protocol and takes
// its configuration as values, never reading the app's settings.
var standalone = []string{"azcred", "certpin", "ftpsource", "graph", "remoteps", "sharepoint", "sink", "storage"}

// appOnly are the packages a client must not depend on: the app settings,
// the wiring that reads them, the functions and the binary.
var appOnly = []string{module + "/internal/settings", module + "/internal/clients", module + "/functions", module + "/handler"}

// deps runs `go list -deps` on the patterns and returns, for each listed
// package of the module, the packages it depends on (tests excluded).
func deps(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-f", `{{.ImportPath}} {{join .Deps " "}}`}, patterns...)
	cmd := exec.Command("go", args...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	result := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			result[fields[0]] = fields[1:]
		}
	}
	return result
}

// TestClientsStandAlone: no client package imports the app settings, the
// wiring, a function or the handler, directly or through another package.
func TestClientsStandAlone(t *testing.T) {
	var patterns []string
	for _, name := range standalone {
		patterns = append(patterns, module+"/internal/"+name)
	}
	listed := deps(t, patterns...)
	if len(listed) != len(standalone) {
		t.Fatalf("go list gave %d packages, want %d", len(listed), len(standalone))
	}
	for pkg, imports := range listed {
		for _, dep := range imports {
			for _, banned := range appOnly {
				if dep == banned || strings.HasPrefix(dep, banned+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

// TestNothingImportsTheHandler: the handler is the binary; no function or
// internal package depends on it.
func TestNothingImportsTheHandler(t *testing.T) {
	listed := deps(t, module+"/functions/...", module+"/internal/...")
	if len(listed) < len(standalone) {
		t.Fatalf("go list gave only %d packages", len(listed))
	}
	for pkg, imports := range listed {
		for _, dep := range imports {
			if dep == module+"/handler" || strings.HasPrefix(dep, module+"/handler/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
