package layout

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// codeMapRow is one row of a table of the code map in docs/development.md.
type codeMapRow struct {
	table string // the heading above the table: "What ships" or "What does not ship"
	first string // the row's first cell
	text  string // the whole row
}

// codeMapRows reads the tables of the "## Code map" section.
func codeMapRows(t *testing.T) []codeMapRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "development.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Code map\n")
	if !ok {
		t.Fatal(`docs/development.md has no "## Code map" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []codeMapRow
	table := ""
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "### "):
			table = strings.TrimSpace(strings.TrimPrefix(line, "### "))
		case strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---"):
			cells := strings.Split(line, "|")
			rows = append(rows, codeMapRow{table: table, first: cells[1], text: line})
		}
	}
	return rows
}

// mapped returns the table of the row that maps pkg (a path relative to the
// module root): the row's first cell names it in backquotes, or names its
// parent as `parent/...` while the row names its last element. A function's
// package, which functions.All registers (registered), is mapped by the
// `functions/<name>` row, so adding a function needs no edit here.
func mapped(rows []codeMapRow, pkg string, registered map[string]bool) (string, bool) {
	for _, r := range rows {
		if registered[pkg] && strings.Contains(r.first, "`functions/<name>`") {
			return r.table, true
		}
		if strings.Contains(r.first, "`"+pkg+"`") {
			return r.table, true
		}
		parent, base := filepath.ToSlash(filepath.Dir(pkg)), filepath.Base(pkg)
		if parent != "." && strings.Contains(r.first, "`"+parent+"/...`") && strings.Contains(r.text, "`"+base+"`") {
			return r.table, true
		}
	}
	return "", false
}

// registeredFunctions are the function packages functions.All registers:
// the module's packages under functions/ that functions/functions.go imports.
func registeredFunctions(t *testing.T) map[string]bool {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, "./functions")
	cmd.Dir = repoRoot
	imports, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./functions: %v", err)
	}
	out := map[string]bool{}
	for _, p := range strings.Fields(string(imports)) {
		if rel, ok := strings.CutPrefix(p, module+"/functions/"); ok {
			out["functions/"+rel] = true
		}
	}
	return out
}

// modulePackages lists every package of the module (go list ./...), test-only
// ones included, as paths relative to the module root.
func modulePackages(t *testing.T) []string {
	t.Helper()
	var pkgs []string
	for _, p := range goList(t, "./...") {
		if rel := strings.TrimPrefix(p, module+"/"); rel != p {
			pkgs = append(pkgs, rel)
		}
	}
	return pkgs
}

// TestCodeMapPlacesEveryPackage: every package go list ./... prints has a
// row in docs/development.md's code map, under "What ships" exactly when the
// handler binary links it (go list -deps ./handler) and under "What does not
// ship" otherwise.
func TestCodeMapPlacesEveryPackage(t *testing.T) {
	rows := codeMapRows(t)
	var ships []string
	for _, p := range shipped(t) {
		ships = append(ships, strings.TrimPrefix(p, module+"/"))
	}
	pkgs := modulePackages(t)
	if len(pkgs) < 10 || !slices.Contains(pkgs, "handler") {
		t.Fatalf("go list ./... gave %v", pkgs)
	}
	registered := registeredFunctions(t)
	for _, pkg := range pkgs {
		want := "What does not ship"
		if slices.Contains(ships, pkg) {
			want = "What ships"
		}
		table, ok := mapped(rows, pkg, registered)
		switch {
		case !ok:
			t.Errorf("the code map has no row for %s (it belongs under %q)", pkg, want)
		case table != want:
			t.Errorf("the code map has %s under %q; it belongs under %q", pkg, table, want)
		}
	}
}

// TestCodeMapCheckFindsAMissingPackage holds the check to account: a
// package named nowhere, or only in passing outside a row's first cell, is
// not mapped, and the parent/... form needs the last element in its row.
func TestCodeMapCheckFindsAMissingPackage(t *testing.T) {
	rows := []codeMapRow{
		{table: "What ships", first: " `internal/sink` ", text: "| `internal/sink` | uses `internal/other` |"},
		{table: "What does not ship", first: " `internal/testonly/...` ", text: "| `internal/testonly/...` | `ftptest` |"},
		{table: "What ships", first: " `functions/<name>`: `functions/a` ", text: "| `functions/<name>`: `functions/a` | one function each |"},
	}
	registered := map[string]bool{"functions/b": true}
	tests := []struct {
		pkg, table string
		ok         bool
	}{
		{"internal/sink", "What ships", true},
		{"internal/other", "", false},
		{"internal/testonly/ftptest", "What does not ship", true},
		{"internal/testonly/sptest", "", false},
		{"sink", "", false},
		{"functions/b", "What ships", true},
		{"functions/c", "", false},
	}
	for _, tt := range tests {
		if table, ok := mapped(rows, tt.pkg, registered); ok != tt.ok || table != tt.table {
			t.Errorf("mapped(%s) = %q, %v; want %q, %v", tt.pkg, table, ok, tt.table, tt.ok)
		}
	}
}
