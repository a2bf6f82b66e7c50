package sink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// putNamed delivers files named names through s, each holding its name.
func putNamed(t *testing.T, s sink.Sink, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := s.Put(context.Background(), sink.File{Name: n, Size: int64(len(n))}, strings.NewReader(n)); err != nil {
			t.Fatal(err)
		}
	}
}

// checkListDelete lists, deletes one name and a missing one, and lists again.
func checkListDelete(t *testing.T, l sink.Lister, want []string) {
	t.Helper()
	ctx := context.Background()
	names := func() []string {
		files, err := l.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range files {
			if f.Size != int64(len(f.Name)) || f.ModTime.IsZero() || time.Since(f.ModTime) > time.Hour {
				t.Errorf("listed %+v", f)
			}
			out = append(out, f.Name)
		}
		sort.Strings(out)
		return out
	}
	if got := names(); !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	if err := l.Delete(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "missing.jsonl"); err != nil {
		t.Errorf("deleting a missing file: %v", err)
	}
	if err := l.Delete(ctx, `..\escape`); err == nil {
		t.Error("an unsafe name was deleted")
	}
	if got := names(); !slices.Equal(got, want[1:]) {
		t.Fatalf("after delete: %v, want %v", got, want[1:])
	}
}

func TestLocalListDelete(t *testing.T) {
	dir := t.TempDir()
	l, err := sink.NewLocal(dir, "exports")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	putNamed(t, l, "000000000001-full.jsonl", "000000000002-delta.jsonl")
	if err := os.MkdirAll(filepath.Join(dir, "exports", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "exports", ".x.partial"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	checkListDelete(t, l, []string{"000000000001-full.jsonl", "000000000002-delta.jsonl"})
	empty, err := sink.NewLocal(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if files, err := empty.List(context.Background()); err != nil || len(files) != 0 {
		t.Errorf("empty folder: %v %v", files, err)
	}
}

// A lister of a container not there yet lists nothing.
func TestBlobListMissingContainer(t *testing.T) {
	az := azuritetest.Start(t)
	missing, err := sink.NewBlob(az.Account.Blob, "no-such-container", "")
	if err != nil {
		t.Fatal(err)
	}
	if files, err := missing.List(context.Background()); err != nil || len(files) != 0 {
		t.Errorf("a missing container: %v %v", files, err)
	}
}

// listScripts emulates listfiles.ps1 and deletefile.ps1 on a Disk.
func listScripts(d *winrmtest.Disk) map[string]winrmtest.ScriptFunc {
	var p struct{ Folder, Name string }
	return map[string]winrmtest.ScriptFunc{
		"listfiles": func(_ context.Context, c *winrmtest.Call) int {
			if json.Unmarshal(c.Params, &p) != nil {
				return 1
			}
			dir, err := d.Path(p.Folder)
			if err != nil {
				fmt.Fprintln(c.Stderr, err)
				return 1
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				info, err := e.Info()
				if err != nil || !info.Mode().IsRegular() {
					continue
				}
				line, _ := json.Marshal(map[string]any{"name": e.Name(), "size": info.Size(),
					"modified": info.ModTime().UTC().Format("2006-01-02T15:04:05.0000000Z")})
				fmt.Fprintf(c.Stdout, "%s\r\n", line)
			}
			return 0
		},
		"deletefile": func(_ context.Context, c *winrmtest.Call) int {
			if json.Unmarshal(c.Params, &p) != nil {
				return 1
			}
			path, err := d.Path(p.Folder + `\` + p.Name)
			if err != nil {
				fmt.Fprintln(c.Stderr, err)
				return 1
			}
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				fmt.Fprintln(c.Stderr, err)
				return 1
			}
			return 0
		},
	}
}

// TestListScriptsParse checks listfiles.ps1 and deletefile.ps1 with the
// tree-sitter PowerShell grammar: no syntax errors, and hostile folder and
// file names bound as their parameters give the same tree as plain ones.
func TestListScriptsParse(t *testing.T) {
	hostile := []string{`'; Remove-Item -Recurse C:\ ; '`, "\u2019; Stop-Computer; \u2018", `"; Stop-Computer; "`,
		`$(Stop-Computer)`, "`; Stop-Computer`", "a\r\nStop-Computer\nb", "@'\n'@\nStop-Computer"}
	bind := func(folder, name, src string) string {
		b, _ := json.Marshal(map[string]string{"folder": folder, "name": name})
		return "$ParamsJson = " + winrmtest.Literal(string(b)) + "\n" + src
	}
	sources := map[string]string{}
	for name, src := range sink.Scripts() {
		sources[name+" plain"] = bind(`C:\MIM\Entra`, "000000000001-full.jsonl", src)
		for i, v := range hostile {
			sources[fmt.Sprintf("%s hostile %d", name, i)] = bind(v, v, src)
		}
	}
	parses := winrmtest.ParsePowerShell(t, sources)
	for name, p := range parses {
		if len(p.Errors) > 0 {
			t.Errorf("%s: syntax errors: %v", name, p.Errors)
		}
	}
	for name := range sink.Scripts() {
		base := parses[name+" plain"]
		if len(base.Commands) < 2 {
			t.Errorf("%s: the parse found only %v", name, base.Commands)
		}
		for i := range hostile {
			got := parses[fmt.Sprintf("%s hostile %d", name, i)]
			if !reflect.DeepEqual(got.Commands, base.Commands) || got.Shape != base.Shape {
				t.Errorf("%s: hostile value %q changes the script", name, hostile[i])
			}
		}
	}
}
