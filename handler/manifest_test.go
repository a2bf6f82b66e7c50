package main

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	for _, d := range functions.All() {
		if _, ok := files[filepath.Join(d.Name, "function.json")]; !ok {
			t.Errorf("no function.json for %s", d.Name)
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

// TestBuiltBinaryWritesTheGoldenManifest runs `handler manifest DIR` on the
// built binary, as `make build` does to fill dist/, and holds its output to
// the golden files, along with what the host requires of each binding.
func TestBuiltBinaryWritesTheGoldenManifest(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(handlerBinary(t), "manifest", dir).CombinedOutput(); err != nil {
		t.Fatalf("handler manifest: %v\n%s", err, out)
	}
	got, want := manifestFiles(t, dir), manifestFiles(t, goldenManifest)
	if len(got) != len(want) {
		t.Errorf("%d files written, %d golden", len(got), len(want))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: binary wrote\n%s\nwant\n%s", name, got[name], w)
		}
		var doc struct {
			Bindings []map[string]any `json:"bindings"`
		}
		if err := json.Unmarshal([]byte(w), &doc); err != nil || len(doc.Bindings) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		trigger := doc.Bindings[0]
		if trigger["direction"] != "in" || trigger["name"] == "" {
			t.Errorf("%s: trigger %v", name, trigger)
		}
		switch trigger["type"] {
		case "timerTrigger":
			if s, _ := trigger["schedule"].(string); !isSettingRef(s) {
				t.Errorf("%s: schedule %q is not a %%Setting%% reference", name, s)
			}
		case "queueTrigger":
			if s, _ := trigger["queueName"].(string); !isSettingRef(s) {
				t.Errorf("%s: queueName %q is not a %%Setting%% reference", name, s)
			}
			if trigger["connection"] != "AzureWebJobsStorage" {
				t.Errorf("%s: connection %v", name, trigger["connection"])
			}
		default:
			t.Errorf("%s: trigger type %v", name, trigger["type"])
		}
	}
}

func isSettingRef(s string) bool {
	return len(s) > 2 && strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%") && !strings.Contains(s[1:len(s)-1], "%")
}

// TestHostJSON holds host.json to what the Functions host needs of a custom
// handler app: the v2 schema, the executable, a current extension bundle,
// the queue settings the functions rely on, and a functionTimeout the Flex
// Consumption plan accepts.
func TestHostJSON(t *testing.T) {
	raw, err := os.ReadFile("../host.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version         string `json:"version"`
		FunctionTimeout string `json:"functionTimeout"`
		CustomHandler   struct {
			Description struct {
				DefaultExecutablePath string `json:"defaultExecutablePath"`
			} `json:"description"`
			EnableForwardingHTTPRequest *bool `json:"enableForwardingHttpRequest"`
		} `json:"customHandler"`
		ExtensionBundle struct {
			ID      string `json:"id"`
			Version string `json:"version"`
		} `json:"extensionBundle"`
		Extensions struct {
			Queues struct {
				MaxDequeueCount int    `json:"maxDequeueCount"`
				MessageEncoding string `json:"messageEncoding"`
			} `json:"queues"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"version", doc.Version, "2.0"},
		{"customHandler.description.defaultExecutablePath", doc.CustomHandler.Description.DefaultExecutablePath, "handler"},
		{"customHandler.enableForwardingHttpRequest (no HTTP functions)", doc.CustomHandler.EnableForwardingHTTPRequest == nil, true},
		{"extensionBundle.id", doc.ExtensionBundle.ID, "Microsoft.Azure.Functions.ExtensionBundle"},
		{"extensionBundle.version", doc.ExtensionBundle.Version, "[4.*, 5.0.0)"},
		{"extensions.queues.maxDequeueCount", doc.Extensions.Queues.MaxDequeueCount, 5},
		{"extensions.queues.messageEncoding", doc.Extensions.Queues.MessageEncoding, "base64"},
		{"functionTimeout", doc.FunctionTimeout, "00:30:00"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}
