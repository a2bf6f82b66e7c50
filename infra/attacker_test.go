package infra

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The operator's guide has a table, "What an attacker with the app's
// identity can do", with one row per role assignment of the template: the
// role, its scope (the template's symbol in backquotes) and whether the
// identity can read, add, and change or delete there. These tests keep the
// table and modules/roles.bicep in step.

// attackerRow is one row of the guide's table.
type attackerRow struct {
	Role, Scope             string
	Read, Add, ChangeDelete bool
}

// grant is one role assignment of the template: the role's name and the
// symbol of the resource it is scoped to (a loop's index dropped).
type grant struct {
	Role, Scope string
}

// roleCapabilities are what each allowed role lets its holder do to the data
// in its scope: read, add, change or delete.
var roleCapabilities = map[string][3]bool{
	"Storage Blob Data Contributor":  {true, true, true},
	"Storage Queue Data Contributor": {true, true, true},
	"Storage Table Data Contributor": {true, true, true},
	"Monitoring Metrics Publisher":   {false, true, false},
	"Key Vault Secrets User":         {true, false, false},
}

const attackerHeading = "## 14. What an attacker with the app's identity can do"

// attackerTable parses the guide's table.
func attackerTable(t *testing.T, guide string) []attackerRow {
	t.Helper()
	i := strings.Index(guide, attackerHeading)
	if i < 0 {
		t.Fatalf("docs/operations.md has no %q section", attackerHeading)
	}
	var rows []attackerRow
	for _, line := range strings.Split(guide[i:], "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if !strings.HasPrefix(line, "|") || len(cells) != 6 || strings.TrimSpace(cells[0]) == "role" || strings.HasPrefix(cells[0], "---") {
			continue
		}
		yes := func(c string) bool { return strings.HasPrefix(strings.TrimSpace(c), "yes") }
		rows = append(rows, attackerRow{Role: strings.TrimSpace(cells[0]), Scope: cells[1],
			Read: yes(cells[2]), Add: yes(cells[3]), ChangeDelete: yes(cells[4])})
	}
	if len(rows) == 0 {
		t.Fatal("the attacker table has no rows")
	}
	return rows
}

var (
	roleKey    = regexp.MustCompile(`roleDefinitionId:.*roleIds\.(\w+)`)
	scopeIndex = regexp.MustCompile(`\[[^\]]*\]$`)
)

// grants returns the role assignments of roles.bicep as role name and scope symbol.
func grants(t *testing.T) []grant {
	t.Helper()
	code := stripComments(readFile(t, "modules/roles.bicep"))
	ids := objectEntries(strings.Trim(variable(code, "roleIds"), "{}"))
	var out []grant
	for _, a := range roleAssignments(t) {
		if a.File != "modules/roles.bicep" {
			t.Errorf("%s: role assignment %s outside roles.bicep, which the guide's table describes", a.File, a.Symbol)
			continue
		}
		m := roleKey.FindStringSubmatch(a.Body)
		if m == nil {
			t.Fatalf("role assignment %s does not take its role from roleIds", a.Symbol)
		}
		id, _ := literalValue(ids[m[1]])
		scope := scopeIndex.ReplaceAllString(objectEntries(a.Body)["scope"], "")
		out = append(out, grant{Role: allowedRoles[id], Scope: scope})
	}
	return out
}

// immutableScopes are the symbols of roles.bicep whose data the backup
// account's time-based retention policy protects: a container of the backup
// account, which backupstorage.bicep creates with a retention policy.
func immutableScopes(t *testing.T) map[string]bool {
	t.Helper()
	backup := stripComments(readFile(t, "modules/backupstorage.bicep"))
	for _, want := range []string{"immutableStorageWithVersioning:", "immutabilityPeriodSinceCreationInDays: immutabilityDays", "isVersioningEnabled: true"} {
		if !strings.Contains(backup, want) {
			t.Errorf("backupstorage.bicep lacks %s: the backups are not immutable", want)
			return nil
		}
	}
	out := map[string]bool{}
	code := stripComments(readFile(t, "modules/roles.bicep"))
	head := regexp.MustCompile(`resource\s+(\w+)\s+'Microsoft\.Storage/storageAccounts/blobServices/containers@[^']+'\s+existing`)
	for _, m := range head.FindAllStringSubmatchIndex(code, -1) {
		if strings.Contains(objectEntries(block(code[m[0]:], `=\s*`))["name"], "${backupStorageAccountName}/") {
			out[code[m[2]:m[3]]] = true
		}
	}
	return out
}

// tableMismatches compares the table with the template's grants.
func tableMismatches(rows []attackerRow, gs []grant, immutable map[string]bool) []string {
	var problems []string
	matched := make([]bool, len(rows))
	for _, g := range gs {
		found := false
		for i, r := range rows {
			if r.Role == g.Role && strings.Contains(r.Scope, "`"+g.Scope+"`") {
				found, matched[i] = true, true
				caps := roleCapabilities[g.Role]
				want := attackerRow{Role: r.Role, Scope: r.Scope, Read: caps[0], Add: caps[1], ChangeDelete: caps[2] && !immutable[g.Scope]}
				if r != want {
					problems = append(problems, fmt.Sprintf("row %s on `%s` claims read/add/change-or-delete %v/%v/%v, the template gives %v/%v/%v",
						r.Role, g.Scope, r.Read, r.Add, r.ChangeDelete, want.Read, want.Add, want.ChangeDelete))
				}
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s on `%s` is assigned in roles.bicep but has no row in the guide's table", g.Role, g.Scope))
		}
	}
	for i, r := range rows {
		if !matched[i] {
			problems = append(problems, fmt.Sprintf("the guide's row %s on %s matches no role assignment of the template", r.Role, strings.TrimSpace(r.Scope)))
		}
	}
	return problems
}

func TestAttackerTableMatchesTheRoleAssignments(t *testing.T) {
	gs := grants(t)
	for _, g := range gs {
		if _, ok := roleCapabilities[g.Role]; !ok {
			t.Errorf("role %q on %s: no capabilities known; add it to roleCapabilities", g.Role, g.Scope)
		}
	}
	immutable := immutableScopes(t)
	if !immutable["backupContainer"] {
		t.Errorf("the backup container is not among the immutable scopes %v", immutable)
	}
	reportAll(t, tableMismatches(attackerTable(t, readFile(t, "../docs/operations.md")), gs, immutable))
}

// TestAttackerTableCheckFires: a wrong claim, a row the template lacks and an
// assignment the table lacks are each reported.
func TestAttackerTableCheckFires(t *testing.T) {
	gs := []grant{{"Storage Blob Data Contributor", "hostContainers"}, {"Storage Blob Data Contributor", "backupContainer"}}
	immutable := map[string]bool{"backupContainer": true}
	good := []attackerRow{
		{"Storage Blob Data Contributor", " host (`hostContainers`) ", true, true, true},
		{"Storage Blob Data Contributor", " backup (`backupContainer`) ", true, true, false},
	}
	if p := tableMismatches(good, gs, immutable); len(p) != 0 {
		t.Fatalf("a matching table was reported: %v", p)
	}
	tests := []struct {
		name string
		rows []attackerRow
		want string
	}{
		{"backups claimed deletable", []attackerRow{good[0], {good[1].Role, good[1].Scope, true, true, true}}, "claims read/add/change-or-delete true/true/true"},
		{"host claimed safe", []attackerRow{{good[0].Role, good[0].Scope, true, true, false}, good[1]}, "`hostContainers` claims"},
		{"assignment missing", good[:1], "has no row"},
		{"extra row", append(append([]attackerRow{}, good...), attackerRow{"Key Vault Secrets User", "`vault`", true, false, false}), "matches no role assignment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(strings.Join(tableMismatches(tt.rows, gs, immutable), "\n"), tt.want) {
				t.Errorf("not reported: %s; got %v", tt.want, tableMismatches(tt.rows, gs, immutable))
			}
		})
	}
}
