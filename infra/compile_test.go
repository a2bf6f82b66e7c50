package infra

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// The template must compile whether or not a Bicep CLI is installed. Where
// it is, the real compiler and linter run; bicepcheck runs everywhere: it
// reports the syntax errors the compiler rejects (BCP236, BCP238) and checks
// every resource body against Azure's published type definitions.

// bicepcheck is the checker of Bicep resources against Azure's published type
// definitions, beside the repository in shared/.
var bicepcheck = filepath.Join("..", "..", "shared", "tools", "bicepcheck", "bicepcheck.py")

// bicepcheckSummary is bicepcheck's last line: "bicepcheck: N resources, M findings".
var bicepcheckSummary = regexp.MustCompile(`(?m)^bicepcheck: (\d+) resources, (\d+) findings$`)

// checkBicep runs bicepcheck on dir and returns its problems: any finding,
// a missing summary, or a failed run.
func checkBicep(dir string) []string {
	out, err := exec.Command("python3", bicepcheck, dir).CombinedOutput()
	m := bicepcheckSummary.FindSubmatch(out)
	switch {
	case m == nil:
		return []string{fmt.Sprintf("bicepcheck gave no summary (%v):\n%s", err, out)}
	case string(m[2]) != "0" || err != nil:
		return []string{fmt.Sprintf("bicepcheck: %s findings (%v):\n%s", m[2], err, strings.TrimSpace(string(out)))}
	}
	return nil
}

// TestBicepCompiles runs bicepcheck, which fails on any finding, and the
// real compiler and linter where the bicep CLI is on PATH. Where it is not,
// the "bicep CLI" subtest is skipped with a message that says so: go test
// shows it with -v and in -json output (package-list mode prints a passing
// package's output only on failure, by design).
func TestBicepCompiles(t *testing.T) {
	t.Run("bicepcheck", func(t *testing.T) {
		if _, err := os.Stat(bicepcheck); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("bicepcheck not found at %s: %v", bicepcheck, err)
			}
			t.Skipf("NOT CHECKED: bicepcheck not found at %s", bicepcheck)
		}
		reportAll(t, checkBicep("."))
	})
	t.Run("bicep CLI", func(t *testing.T) {
		bicep, err := exec.LookPath("bicep")
		if err != nil {
			t.Skip("NOT COMPILED: no bicep CLI on PATH, so `bicep build` and `bicep lint` did not run; bicepcheck stood in for them")
		}
		// main.bicepparam reads the secrets from the environment.
		for _, s := range secrets(settings.All()) {
			t.Setenv(EnvVarName(s), "placeholder")
		}
		for _, args := range [][]string{
			{"build", "main.bicep", "--stdout"},
			{"lint", "main.bicep"},
			{"build-params", "main.bicepparam", "--stdout"},
		} {
			out, err := exec.Command(bicep, args...).CombinedOutput()
			if err != nil {
				t.Errorf("bicep %v: %v\n%s", args, err, out)
			}
		}
	})
}

// TestBicepcheckCatchesASyntaxError: the check the compile test leans on
// where no Bicep CLI is installed fails on the error that once shipped: two
// items of a list on one line (BCP236).
func TestBicepcheckCatchesASyntaxError(t *testing.T) {
	if _, err := os.Stat(bicepcheck); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("bicepcheck not found at %s: %v", bicepcheck, err)
		}
		t.Skipf("bicepcheck not found at %s", bicepcheck)
	}
	dir := t.TempDir()
	broken := "var beats = [\n  {\n    a: 1\n  }  {\n    a: 2\n  }\n]\n\noutput n int = length(beats)\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.bicep"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	problems := checkBicep(dir)
	if len(problems) == 0 || !strings.Contains(problems[0], "BCP236") {
		t.Errorf("bicepcheck passed a list with two items on one line: %v", problems)
	}
}
