package layout

import (
	"maps"
	"os/exec"
	"strings"
	"testing"
)

// floors puts every package the binary links on a floor; a package imports
// only packages on its own floor or below. The floors, from the ground up:
// tools that know no other package of the module; the clients of the
// outside services and the settings catalog; what a function is, the
// wiring of settings into clients, and the status built on run records;
// the functions; the binary.
var floors = map[string]int{
	"internal/azcred": 1, "internal/certpin": 1, "internal/ftpsource": 1, "internal/invoke": 1,
	"internal/logging": 1, "internal/opstime": 1, "internal/pause": 1, "internal/remotename": 1, "internal/runrecord": 1,
	"internal/schedule": 1, "internal/storage": 1, "internal/version": 1,

	"internal/graph": 2, "internal/remoteps": 2, "internal/settings": 2, "internal/sharepoint": 2, "internal/sink": 2,

	"internal/clients": 3, "internal/function": 3, "internal/status": 3,

	"functions": 4, "functions/deleteditem": 4, "functions/entradelta": 4, "functions/ftpretrieve": 4,
	"functions/mimconfigbackup": 4, "functions/spchangepoll": 4, "functions/spcleanup": 4,

	"handler": 5,
}

// moduleImports returns, for each shipped package (relative to the module
// root), the module packages it imports directly (tests excluded).
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./handler")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./handler: %v", err)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module+"/")
		if !ok && fields[0] != module {
			continue
		}
		imports[pkg] = nil
		for _, dep := range fields[1:] {
			if rel, ok := strings.CutPrefix(dep, module+"/"); ok {
				imports[pkg] = append(imports[pkg], rel)
			}
		}
	}
	return imports
}

// TestNoUpwardImport: every package the binary links has a floor, and none
// imports a package on a floor above its own. A function's package, which
// functions.All registers, is on the functions' floor without an entry.
func TestNoUpwardImport(t *testing.T) {
	imports := moduleImports(t)
	if len(imports) < 10 {
		t.Fatalf("go list found only %v", imports)
	}
	floors := maps.Clone(floors)
	for pkg := range registeredFunctions(t) {
		if _, ok := floors[pkg]; !ok {
			floors[pkg] = floors["functions"]
		}
	}
	for pkg, deps := range imports {
		floor, ok := floors[pkg]
		if !ok {
			t.Errorf("%s has no floor: give it one in floors", pkg)
			continue
		}
		for _, dep := range upward(floors, floor, deps) {
			t.Errorf("%s (floor %d) imports %s (floor %d)", pkg, floor, dep, floors[dep])
		}
	}
	for pkg := range floors {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("floors names %s, which the binary does not link", pkg)
		}
	}
}

// upward returns the deps on a floor above floor.
func upward(floors map[string]int, floor int, deps []string) []string {
	var out []string
	for _, dep := range deps {
		if floors[dep] > floor {
			out = append(out, dep)
		}
	}
	return out
}

// TestUpwardFindsAnUpwardImport holds the check to account.
func TestUpwardFindsAnUpwardImport(t *testing.T) {
	got := upward(floors, floors["internal/sink"], []string{"internal/remotename", "internal/settings", "internal/clients"})
	if len(got) != 1 || got[0] != "internal/clients" {
		t.Errorf("upward = %v, want [internal/clients]", got)
	}
}
