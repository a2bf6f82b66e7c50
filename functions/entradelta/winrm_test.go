package entradelta_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// listingScripts stand in for the sink's listfiles.ps1 and deletefile.ps1
// on the stand-in's disk.
func listingScripts(d *winrmtest.Disk) map[string]winrmtest.ScriptFunc {
	var p struct{ Folder, Name string }
	return map[string]winrmtest.ScriptFunc{
		"listfiles": func(_ context.Context, c *winrmtest.Call) int {
			if json.Unmarshal(c.Params, &p) != nil {
				return 1
			}
			dir, err := d.Path(p.Folder)
			if err != nil {
				return 1
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
					line, _ := json.Marshal(map[string]any{"name": e.Name(), "size": info.Size(),
						"modified": info.ModTime().UTC().Format(time.RFC3339Nano)})
					fmt.Fprintf(c.Stdout, "%s\r\n", line)
				}
			}
			return 0
		},
		"deletefile": func(_ context.Context, c *winrmtest.Call) int {
			if json.Unmarshal(c.Params, &p) != nil {
				return 1
			}
			path, err := d.Path(p.Folder + `\` + p.Name)
			if err != nil {
				return 1
			}
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				return 1
			}
			return 0
		},
	}
}

// TestWinRMTarget delivers to a folder on the MIM server through the
// remote PowerShell upload, and prunes there: the function wired to the
// WinRM sink from its settings.
func TestWinRMTarget(t *testing.T) {
	requireAzurite(t)
	disk, err := winrmtest.NewDisk("")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(disk.Root) })
	scripts := listingScripts(disk)
	scripts["upload"] = winrmtest.UploadScript(disk)
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: &winrmtest.Host{Scripts: scripts}})
	f := newFixture(t, graphtest.Options{})
	seed(t, f)
	// an old full file and delta from before, which retention removes once a newer full file exists
	old := time.Now().Add(-40 * 24 * time.Hour)
	for _, name := range []string{"000000000000-full.jsonl", "000000000000-delta.jsonl"} {
		must(t, disk.WriteFile(`C:\MIM\Entra\`+name, []byte("{}\n")))
		path, _ := disk.Path(`C:\MIM\Entra\` + name)
		must(t, os.Chtimes(path, old, old))
	}
	env := settings.MapEnv{"AzureWebJobsStorage": azurite.ConnectionString, "EntraGraphEndpoint": f.graph.URL(),
		"EntraExportTarget": "winrm", "EntraExportDirectory": `C:\MIM\Entra`, "EntraStateContainer": f.container,
		"MIMSyncServer": srv.Host, "MIMSyncWinRMPort": strconv.Itoa(srv.Port), "MIMSyncCredUser": srv.User(),
		"MIMSyncCredPassword": srv.Password(), "MIMSyncWinRMCACert": string(srv.CACertPEM)}
	identity, err := identitytest.Start(identitytest.Options{})
	must(t, err)
	t.Cleanup(func() { _ = identity.Close() })
	t.Setenv("IDENTITY_ENDPOINT", identity.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", identity.IdentityHeader)
	inv := &function.Invocation{ID: "winrm", Function: "EntraDeltaExport", Env: env, Clock: time.Now,
		Log: slog.New(slog.DiscardHandler)}
	must(t, entradelta.Declaration.Run(context.Background(), inv))
	for _, row := range entradelta.Declaration.Check(context.Background(), inv) {
		if !row.OK {
			t.Errorf("check %s: %s", row.Dependency, row.Why)
		}
	}
	got, err := disk.ReadFile(`C:\MIM\Entra\000000000001-full.jsonl`)
	must(t, err)
	if len(got) == 0 || got[0] != '{' {
		t.Fatalf("delivered %q", got[:min(len(got), 80)])
	}
	for _, name := range []string{"000000000000-full.jsonl", "000000000000-delta.jsonl"} {
		if _, err := disk.ReadFile(`C:\MIM\Entra\` + name); err == nil {
			t.Errorf("%s was not pruned", name)
		}
	}
}
