package infra

import (
	"os/exec"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// TestBicepCompilesWhereBicepIsInstalled runs the real compiler and linter when
// the bicep CLI is on PATH, and is skipped otherwise; the text checks in this
// package stand in for it there.
func TestBicepCompilesWhereBicepIsInstalled(t *testing.T) {
	bicep, err := exec.LookPath("bicep")
	if err != nil {
		t.Skip("bicep CLI not installed")
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
}
