package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMakeBuildKeepsLocalSettings: the README puts local.settings.json in
// dist/ for `make run`; rebuilding must not delete it.
func TestMakeBuildKeepsLocalSettings(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("make is not installed")
		}
		t.Skip("make is not installed")
	}
	dist := t.TempDir()
	settingsFile := filepath.Join(dist, "local.settings.json")
	stale := filepath.Join(dist, "Stale", "function.json")
	for _, f := range []string{settingsFile, stale} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(`{"Values":{}}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("make", "-C", "..", "build", "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	if _, err := os.Stat(settingsFile); err != nil {
		t.Errorf("make build removed dist/local.settings.json: %v", err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("make build kept a stale function folder")
	}
	if _, err := os.Stat(filepath.Join(dist, "host.json")); err != nil {
		t.Errorf("make build wrote no host.json: %v", err)
	}
}
