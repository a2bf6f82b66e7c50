package winrmtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Parse is what the tree-sitter PowerShell grammar makes of one script.
type Parse struct {
	Errors   []string `json:"errors"`   // "line:col: ..." for each ERROR or MISSING node
	Commands []string `json:"commands"` // commands and static method calls, in order
	Shape    string   `json:"shape"`    // the tree's node types, without the text
}

// ParsePowerShell parses scripts (name -> source) with the tree-sitter
// PowerShell grammar (npm tree-sitter-powershell, loaded by web-tree-sitter
// from the repository's node_modules; `make deps` installs them). Without
// node or the packages it skips the test, or fails it when CI=true.
func ParsePowerShell(tb testing.TB, scripts map[string]string) map[string]Parse {
	tb.Helper()
	script := psparseScript(tb)
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(tb, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(repoRoot(script), "node_modules", "web-tree-sitter")); err != nil {
		unavailable(tb, "node_modules lacks web-tree-sitter; run make deps (npm ci)")
	}
	in, err := json.Marshal(scripts)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(node, script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("psparse: %v: %s", err, stderr.String())
	}
	var parses map[string]Parse
	if err := json.Unmarshal(out, &parses); err != nil {
		tb.Fatalf("psparse: %v", err)
	}
	return parses
}

func unavailable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("PowerShell syntax check unavailable under CI: %s", why)
	}
	tb.Skipf("PowerShell syntax check unavailable: %s", why)
}

// psparseScript is testdata/psparse.mjs beside this file.
func psparseScript(tb testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("psparse: cannot locate the winrmtest package")
	}
	return filepath.Join(filepath.Dir(file), "testdata", "psparse.mjs")
}

// repoRoot is the folder above script that holds go.mod.
func repoRoot(script string) string {
	dir := filepath.Dir(script)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
