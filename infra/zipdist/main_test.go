package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeDist lays out a minimal built app under a temporary folder.
func writeDist(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var app = map[string]string{
	"host.json":                       `{"version":"2.0"}`,
	"handler":                         "\x7fELF binary",
	"FtpRetrieve/function.json":       `{"bindings":[]}`,
	"SharePointCleanup/function.json": `{"bindings":[]}`,
}

func TestPackKeepsLayoutAndExecBit(t *testing.T) {
	dir := writeDist(t, app)
	out := filepath.Join(t.TempDir(), "app.zip")
	n, err := pack(dir, out)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(app) {
		t.Errorf("packed %d files, want %d", n, len(app))
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	modes := map[string]os.FileMode{}
	for _, f := range zr.File {
		modes[f.Name] = f.Mode()
		if strings.Contains(f.Name, `\`) {
			t.Errorf("entry %q uses a backslash", f.Name)
		}
	}
	tests := []struct {
		name string
		mode os.FileMode
	}{
		{"handler", 0o755},
		{"host.json", 0o644},
		{"FtpRetrieve/function.json", 0o644},
		{"SharePointCleanup/function.json", 0o644},
	}
	for _, tc := range tests {
		if got, ok := modes[tc.name]; !ok || got.Perm() != tc.mode {
			t.Errorf("%s: mode %v (present %v), want %v", tc.name, got.Perm(), ok, tc.mode)
		}
	}
}

func TestPackIsReproducible(t *testing.T) {
	dir := writeDist(t, app)
	a, b := filepath.Join(t.TempDir(), "a.zip"), filepath.Join(t.TempDir(), "b.zip")
	for _, out := range []string{a, b} {
		if _, err := pack(dir, out); err != nil {
			t.Fatal(err)
		}
	}
	za, _ := os.ReadFile(a)
	zb, _ := os.ReadFile(b)
	if !bytes.Equal(za, zb) {
		t.Error("two packs of the same folder differ")
	}
}

func TestPackRefusesAnIncompleteFolder(t *testing.T) {
	tests := []struct {
		name    string
		missing string
		want    string
	}{
		{"no host.json", "host.json", "host.json"},
		{"no binary", "handler", "handler"},
		{"no function", "FtpRetrieve/function.json", "function.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range app {
				if k != tc.missing && !(tc.want == "function.json" && strings.HasSuffix(k, "function.json")) {
					files[k] = v
				}
			}
			_, err := pack(writeDist(t, files), filepath.Join(t.TempDir(), "x.zip"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// TestPackLeavesOutLocalSettings: make build keeps dist/local.settings.json
// for `make run`; it must never reach the deployment zip.
func TestPackLeavesOutLocalSettings(t *testing.T) {
	files := map[string]string{"local.settings.json": `{"Values":{"FTPPassword":"secret"}}`}
	for name, body := range app {
		files[name] = body
	}
	dir := writeDist(t, files)
	out := filepath.Join(t.TempDir(), "app.zip")
	n, err := pack(dir, out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "local.settings.json" {
			t.Error("local.settings.json was packed")
		}
	}
	if n != len(app) {
		t.Errorf("packed %d files, want %d", n, len(app))
	}
}
