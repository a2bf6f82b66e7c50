package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// goldenManifest holds the function.json files the host reads, as reviewed.
const goldenManifest = "testdata/manifest"

// TestManifestGolden keeps the generated function.json files visible: any
// change to a declaration's bindings shows up as a diff under testdata.
// Run `go test ./handler -run Golden -update` to accept a change.
func TestManifestGolden(t *testing.T) {
	if *update {
		if err := os.RemoveAll(goldenManifest); err != nil {
			t.Fatal(err)
		}
		if err := function.WriteManifest(goldenManifest, functions.All()); err != nil {
			t.Fatal(err)
		}
	}
	got := t.TempDir()
	if err := function.WriteManifest(got, functions.All()); err != nil {
		t.Fatal(err)
	}
	gotFiles := manifestFiles(t, got)
	wantFiles := manifestFiles(t, goldenManifest)
	for name, want := range wantFiles {
		g, ok := gotFiles[name]
		if !ok {
			t.Errorf("%s is in %s but no declaration generates it", name, goldenManifest)
			continue
		}
		if g != want {
			t.Errorf("%s differs from the golden file (rerun with -update if intended)\n got: %s\nwant: %s", name, g, want)
		}
	}
	for name := range gotFiles {
		if _, ok := wantFiles[name]; !ok {
			t.Errorf("%s is generated but missing from %s (rerun with -update)", name, goldenManifest)
		}
	}
}

func TestManifestHasEveryFunction(t *testing.T) {
	files := manifestFiles(t, goldenManifest)
	for _, name := range []string{"MimConfigBackup", "FtpRetrieve", "SharePointChangePoll", "SharePointCleanup"} {
		if _, ok := files[filepath.Join(name, "function.json")]; !ok {
			t.Errorf("no function.json for %s", name)
		}
	}
}

// manifestFiles reads dir/<Function>/function.json into a map keyed by the
// path under dir.
func manifestFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*", "function.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
	}
	return out
}
