package sink

import (
	"bufio"
	"context"
	_ "embed" // the list and delete scripts
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/remotename"
)

// The scripts the WinRM lister runs on the MIM server.
var (
	//go:embed scripts/listfiles.ps1
	listScript string
	//go:embed scripts/deletefile.ps1
	deleteScript string
)

// ScriptRunner runs a PowerShell script on the MIM server with params as
// its JSON parameters and returns what it printed; the remote PowerShell
// client implements it.
type ScriptRunner interface {
	RunScript(ctx context.Context, script string, params any) (stdout string, err error)
}

// WinRMLister lists and deletes files in a WinRM sink's folder.
type WinRMLister struct {
	run    ScriptRunner
	folder string
}

// NewWinRMLister returns a Lister for the folder of w.
func NewWinRMLister(w *WinRM, run ScriptRunner) *WinRMLister {
	return &WinRMLister{run: run, folder: w.folder}
}

// List implements Lister: the files of the folder, temporary files of
// unfinished uploads left out.
func (l *WinRMLister) List(ctx context.Context) ([]Listed, error) {
	out, err := l.run.RunScript(ctx, listScript, map[string]string{"folder": l.folder})
	if err != nil {
		return nil, fmt.Errorf("sink: winrm: list %s: %w", l.folder, err)
	}
	var files []Listed
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var f struct {
			Name     string `json:"name"`
			Size     int64  `json:"size"`
			Modified string `json:"modified"`
		}
		if err := json.Unmarshal([]byte(text), &f); err != nil {
			return nil, fmt.Errorf("sink: winrm: list %s: unexpected output line", l.folder)
		}
		mod, err := time.Parse(time.RFC3339Nano, f.Modified)
		if err != nil {
			return nil, fmt.Errorf("sink: winrm: list %s: bad time %q", l.folder, f.Modified)
		}
		if isUploadTemp(f.Name) {
			continue
		}
		files = append(files, Listed{Name: f.Name, Size: f.Size, ModTime: mod})
	}
	return files, sc.Err()
}

// isUploadTemp reports whether name is the temporary file of an upload in
// progress (".<random>.partial", see remoteps' upload scripts), which List
// leaves out: a file is listed once it is complete.
func isUploadTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".partial")
}

// Delete implements Lister.
func (l *WinRMLister) Delete(ctx context.Context, name string) error {
	if err := remotename.Check(name); err != nil {
		return fmt.Errorf("sink: winrm: %w", err)
	}
	if _, err := l.run.RunScript(ctx, deleteScript, map[string]string{"folder": l.folder, "name": name}); err != nil {
		return fmt.Errorf("sink: winrm: delete %s: %w", l.Where(name), err)
	}
	return nil
}

// Where returns the path of a name in the folder.
func (l *WinRMLister) Where(name string) string { return l.folder + `\` + name }

// Compile-time check.
var _ Lister = (*WinRMLister)(nil)
