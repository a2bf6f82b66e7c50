package mimconfigbackup

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// hostile are parameter values that would break out of a badly built
// literal or command line.
var hostile = []string{
	`'; Remove-Item -Recurse C:\ ; '`, "\u2019; Stop-Computer; \u2018", "\u201A\u201B'\u2018", `"; Stop-Computer; "`,
	`$(Stop-Computer)`, "`; Stop-Computer`", "a\r\nStop-Computer\nb", "@'\n'@\nStop-Computer", `#> <# ; & calc.exe | Out-Null`,
}

// TestScriptsParse checks backup.ps1 and check.ps1 with the tree-sitter
// PowerShell grammar: no syntax errors, and with their parameter text bound
// as a literal, hostile values give exactly the same tree as plain ones.
func TestScriptsParse(t *testing.T) {
	t.Parallel()
	plain := backupParams{Root: `C:\Backup`, Folder: "2026-11-24-2330", FolderFormat: "yyyy-MM-dd-HHmm", Created: "2026-11-24T23:30:00+11:00",
		ServiceURI: "http://localhost:5725", ExtensionsPath: `C:\Ext`, RetentionCutoff: "2026-10-25 23:30:00", Zip: true}
	sources := map[string]string{}
	for name, src := range Scripts() {
		sources[name] = src
		sources[name+" plain"] = bind(t, plain, src)
		for i, v := range hostile {
			p := backupParams{Root: v, Folder: v, FolderFormat: v, Created: v, ServiceURI: v, ExtensionsPath: v, RetentionCutoff: v, Zip: true}
			sources[name+" hostile "+string(rune('A'+i))] = bind(t, p, src)
		}
	}
	parses := winrmtest.ParsePowerShell(t, sources)
	for name, p := range parses {
		if len(p.Errors) > 0 {
			t.Errorf("%s: syntax errors: %v", name, p.Errors)
		}
	}
	for name := range Scripts() {
		base := parses[name+" plain"]
		if len(base.Commands) < 3 {
			t.Errorf("%s: the parse found only %v", name, base.Commands)
		}
		for i := range hostile {
			got := parses[name+" hostile "+string(rune('A'+i))]
			if !reflect.DeepEqual(got.Commands, base.Commands) || got.Shape != base.Shape {
				t.Errorf("%s: hostile value %q changes the script", name, hostile[i])
			}
		}
	}
}

func bind(t *testing.T, params any, src string) string {
	t.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return "$ParamsJson = " + winrmtest.Literal(string(b)) + "\n" + src
}
