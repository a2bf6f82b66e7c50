package psma

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// The scripts run inside the MIM Synchronization Service with its rights and
// read files that arrive from elsewhere: their text is checked with the
// tree-sitter PowerShell grammar for syntax errors, and for anything that
// could turn file content into code or touch more than the change files.

// allowedCommands are the cmdlets the scripts may run, besides their own functions.
var allowedCommands = []string{"Set-StrictMode", "New-Object", "Get-ChildItem", "Test-Path", "Sort-Object", "Where-Object",
	"ForEach-Object", "ConvertFrom-Json", "ConvertTo-Json", "Add-Member", "Get-Variable"}

// allowedStatics are the static .NET calls they may make.
var allowedStatics = []string{"[string]::IsNullOrEmpty", "[string]::IsNullOrWhiteSpace", "[System.IO.File]::ReadAllLines",
	"[System.IO.File]::OpenRead", "[Math]::Min", "[long]::TryParse"}

// allowedMethods are the instance methods they may call.
var allowedMethods = []string{"ReadLine", "Dispose", "Add", "Contains", "ContainsKey", "Trim", "Split", "Substring",
	"ToUniversalTime", "ReadByte", "GetByteCount", "Insert"}

// allowedTypes are the types they may create with New-Object.
var allowedTypes = []string{"System.Text.UTF8Encoding", "System.IO.StreamReader", "System.Collections.ArrayList",
	"System.Collections.Generic.HashSet[string]", "PSObject"}

var (
	forbidden = regexp.MustCompile(`(?i)invoke-expression|\biex\b|invoke-command|start-process|add-type|scriptblock|` +
		`\$executioncontext|-comobject|invoke-webrequest|invoke-restmethod|remove-item|set-content|out-file|` +
		`new-item|copy-item|move-item|\.invoke\w*\(|(^|[\s(;|])[&.]\s*[$('"]`)
	definedFunction = regexp.MustCompile(`(?m)^function\s+([\w-]+)`)
	newObjectType   = regexp.MustCompile(`New-Object\s+(?:-TypeName\s+)?('[^']+'|[\w.\[\]]+)`)
	globbingPath    = regexp.MustCompile(`(?i)\b(Get-ChildItem|Test-Path)\b(?:\s+-(?:File|PathType\s+\w+))*\s+(?:-Path\b|[^-\s])`)
)

// scriptProblems lists what is wrong with one script's source and parse.
func scriptProblems(src string, p winrmtest.Parse) []string {
	var problems []string
	for _, e := range p.Errors {
		problems = append(problems, "syntax: "+e)
	}
	code := stripComments(src)
	if m := forbidden.FindString(code); m != "" {
		problems = append(problems, "forbidden construct "+strings.TrimSpace(m))
	}
	if m := globbingPath.FindString(code); m != "" {
		problems = append(problems, "a path that wildcards apply to (use -LiteralPath): "+m)
	}
	own := map[string]bool{}
	for _, m := range definedFunction.FindAllStringSubmatch(code, -1) {
		own[m[1]] = true
	}
	for _, c := range p.Commands {
		if !commandAllowed(c, own) {
			problems = append(problems, "command not on the allow list: "+c)
		}
	}
	for _, m := range newObjectType.FindAllStringSubmatch(code, -1) {
		if !slices.Contains(allowedTypes, strings.Trim(m[1], "'")) {
			problems = append(problems, "New-Object of a type not on the allow list: "+m[1])
		}
	}
	return problems
}

func commandAllowed(c string, own map[string]bool) bool {
	switch {
	case own[c], slices.Contains(allowedCommands, c), slices.Contains(allowedStatics, c):
		return true
	case strings.HasPrefix(c, "$"):
		dot := strings.LastIndex(c, ".")
		return dot > 0 && regexp.MustCompile(`^\$\w+$`).MatchString(c[:dot]) && slices.Contains(allowedMethods, c[dot+1:])
	}
	return false
}

// stripComments drops # comments outside quotes (the scripts have no block comments).
func stripComments(src string) string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		quote := byte(0)
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case quote != 0 && c == quote:
				quote = 0
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
			case quote == 0 && c == '#':
				line = line[:i]
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// probes are scripts that must be refused, each for its own reason.
var probes = map[string]string{
	"invoke-expression": "$line = 'x'\nInvoke-Expression $line\n",
	"iex":               "$o = ConvertFrom-Json -InputObject '{}'\niex $o.cmd\n",
	"call operator":     "$cmd = 'calc'\n& $cmd\n",
	"dot source":        "$p = 'x.ps1'\n. $p\n",
	"script block":      "$b = [scriptblock]::Create('calc')\n",
	"invoke method":     "$b = 1\n$b.Invoke()\n",
	"other cmdlet":      "Get-Content -LiteralPath 'x'\n",
	"other static":      "[System.IO.File]::Delete('x')\n",
	"other method":      "$x = 1\n$x.GetType()\n",
	"com object":        "New-Object -ComObject WScript.Shell\n",
	"other type":        "New-Object System.Net.WebClient\n",
	"globbing path":     "Get-ChildItem -Path $folder\n",
	"bare path":         "Test-Path $folder\n",
	"syntax error":      "function f( {\n",
}

func TestScriptsParseAndRunOnlyWhatTheyMay(t *testing.T) {
	t.Parallel()
	sources := Scripts()
	for name, src := range probes {
		sources["probe "+name] = src
	}
	parses := winrmtest.ParsePowerShell(t, sources)
	for name, src := range Scripts() {
		p := parses[name]
		if len(p.Commands) < 5 {
			t.Errorf("%s: the parse found only %v", name, p.Commands)
		}
		for _, problem := range scriptProblems(src, p) {
			t.Errorf("%s: %s", name, problem)
		}
	}
	for name, src := range probes {
		if len(scriptProblems(src, parses["probe "+name])) == 0 {
			t.Errorf("probe %q was not refused:\n%s", name, src)
		}
	}
}
