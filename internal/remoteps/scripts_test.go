package remoteps_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// hostileValues are parameter values that would break out of a badly built
// literal or command: quotes of every kind, subexpressions, backticks,
// statement separators, newlines, here-string markers.
var hostileValues = []string{
	`'; Remove-Item -Recurse C:\ ; '`,
	"\u2019; Stop-Computer; \u2018",
	"\u201A\u201B'\u2018",
	`"; Stop-Computer; "`,
	`$(Stop-Computer)`,
	"`; Stop-Computer`",
	"a\r\nStop-Computer\nb",
	"@'\n'@\nStop-Computer",
	`#> <# ; & calc.exe | Out-Null`,
}

// TestScriptsParse checks every embedded script with the tree-sitter
// PowerShell grammar: no syntax errors, and parameters cannot change what
// runs. Parameters reach a script as data, not code; where a script's
// parameter text is bound as a literal (Literal), hostile values give
// exactly the same tree as plain ones.
func TestScriptsParse(t *testing.T) {
	t.Parallel()
	checkScripts(t, remoteps.Scripts(), map[string]any{"path": `C:\Drop\hr.csv`})
}

// checkScripts is the syntax and injection check, shared in shape with the
// scripts of other packages.
func checkScripts(t *testing.T, scripts map[string]string, plain map[string]any) {
	t.Helper()
	sources := map[string]string{}
	for name, src := range scripts {
		sources[name] = src
		sources[name+" with plain parameters"] = bindParams(t, plain, src)
		for i, v := range hostileValues {
			hostile := map[string]any{}
			for k := range plain {
				hostile[k] = v
			}
			sources[name+" with hostile parameters "+string(rune('A'+i))] = bindParams(t, hostile, src)
		}
	}
	for i, v := range hostileValues {
		sources["literal "+string(rune('A'+i))] = "Write-Output " + winrmtest.Literal(v)
	}
	parses := winrmtest.ParsePowerShell(t, sources)
	for name, p := range parses {
		if len(p.Errors) > 0 {
			t.Errorf("%s: syntax errors: %v", name, p.Errors)
		}
	}
	for name := range scripts {
		base := parses[name+" with plain parameters"]
		if len(base.Commands) == 0 {
			t.Errorf("%s: the parse found no commands", name)
		}
		for i := range hostileValues {
			got := parses[name+" with hostile parameters "+string(rune('A'+i))]
			if !reflect.DeepEqual(got.Commands, base.Commands) || got.Shape != base.Shape {
				t.Errorf("%s: hostile value %q changes the script: commands %v, want %v", name, hostileValues[i], got.Commands, base.Commands)
			}
		}
	}
	for i, v := range hostileValues {
		if got := parses["literal "+string(rune('A'+i))]; !reflect.DeepEqual(got.Commands, []string{"Write-Output"}) {
			t.Errorf("Literal(%q): commands %v, want only Write-Output", v, got.Commands)
		}
	}
}

// bindParams is the script as the remote host runs it, with its parameter
// text bound in front as a literal.
func bindParams(t *testing.T, params map[string]any, src string) string {
	t.Helper()
	text, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return "$ParamsJson = " + winrmtest.Literal(string(text)) + "\n" + src
}
