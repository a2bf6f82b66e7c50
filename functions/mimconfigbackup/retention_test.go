package mimconfigbackup

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// backupKind is what an earlier backup folder holds.
type backupKind int

const (
	completeBackup backupKind = iota // every step ran and succeeded
	failedBackup                     // a step failed
	partialBackup                    // stopped near the deadline: steps not run
	noManifest                       // stopped in the middle: no manifest at all
)

// writeBackup makes an earlier backup folder of a kind.
func writeBackup(t *testing.T, f *fixture, folder string, kind backupKind) {
	t.Helper()
	m := Manifest{Version: 1, Folder: folder, Files: []ManifestFile{{Path: `MAExports\AD.xml`, Size: 1, SHA256: strings.Repeat("a", 64)}}, Failed: []string{}}
	for _, name := range scriptSteps {
		m.Steps = append(m.Steps, Step{Name: name, OK: true})
	}
	switch kind {
	case failedBackup:
		m.Steps[3] = Step{Name: partPortal, Error: "Failed to connect to the MIM Service"}
		m.Failed = []string{partPortal}
	case partialBackup:
		m.Steps[3] = Step{Name: partPortal, Error: notRunPrefix + " the run deadline was near"}
		m.Failed = []string{partPortal}
		m.Partial = true
	}
	if err := f.mim.Disk.WriteFile(`C:\Backup\`+folder+`\MAExports\AD.xml`, []byte("<x/>")); err != nil {
		t.Fatal(err)
	}
	if kind == noManifest {
		return
	}
	b, _ := json.Marshal(m)
	if err := f.mim.Disk.WriteFile(`C:\Backup\`+folder+`\manifest.json`, b); err != nil {
		t.Fatal(err)
	}
}

// After an outage longer than the retention period, the first good run
// keeps the newest complete backups (MIMBackupKeepMin, default 7, this one
// included) instead of deleting every older one.
func TestRetentionAfterAnOutageKeepsTheNewestCompleteBackups(t *testing.T) {
	f := newFixture(t)
	f.env["MIMBackupRetentionDays"] = "30"
	for day := 1; day <= 10; day++ {
		writeBackup(t, f, fmt.Sprintf("2026-08-%02d-2330", day), completeBackup)
	}
	logs, err := f.run(t, night(24))
	if err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 10; day++ {
		name := fmt.Sprintf("2026-08-%02d-2330", day)
		if want := day > 4; exists(t, f, name) != want {
			t.Errorf("%s: kept %v, want %v", name, !want, want)
		}
	}
	if got := f.last.Figures()["backupsPruned"]; got != 4 {
		t.Errorf("backupsPruned = %v, want 4", got)
	}
	if !strings.Contains(logs, "kept=\"2026-08-05-2330, 2026-08-06-2330") {
		t.Errorf("log does not say which old backups were kept:\n%s", logs)
	}
}

// Only complete backups count towards the minimum: failed, partial and
// stopped ones are deleted by age as before.
func TestRetentionMinimumCountsOnlyCompleteBackups(t *testing.T) {
	f := newFixture(t)
	f.env["MIMBackupRetentionDays"] = "30"
	f.env["MIMBackupKeepMin"] = "3"
	kinds := map[string]backupKind{
		"2026-08-01-2330": completeBackup, "2026-08-02-2330": completeBackup, "2026-08-03-2330": completeBackup,
		"2026-08-04-2330": partialBackup, "2026-08-05-2330": failedBackup, "2026-08-06-2330": noManifest,
	}
	for name, kind := range kinds {
		writeBackup(t, f, name, kind)
	}
	if _, err := f.run(t, night(24)); err != nil {
		t.Fatal(err)
	}
	for name := range kinds {
		want := name == "2026-08-02-2330" || name == "2026-08-03-2330"
		if exists(t, f, name) != want {
			t.Errorf("%s (%v): kept %v, want %v", name, kinds[name], !want, want)
		}
	}
}

// Export-FIMConfig returns nothing, and no error, when no management policy
// rule lets the account read the configuration: the step fails and says so.
func TestEmptyPortalExportFailsTheStep(t *testing.T) {
	f := newFixture(t)
	f.env["MIMBackupRetentionDays"] = "30"
	writeBackup(t, f, "2026-08-01-2330", completeBackup)
	f.mim.NoReadRights = true
	_, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("an empty portal export counted as a success")
	}
	for _, want := range []string{"1 step(s) failed", "PortalExport: Export-FIMConfig returned nothing", "lacks read rights in the MIM Service"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	m := f.manifest(t, "2026-11-24-2330")
	if strings.Join(m.Failed, ",") != partPortal {
		t.Errorf("manifest failed %v", m.Failed)
	}
	for _, file := range m.Files {
		if strings.HasPrefix(file.Path, partPortal+`\`) {
			t.Errorf("an empty export left %s", file.Path)
		}
	}
	if !exists(t, f, "2026-08-01-2330") {
		t.Error("an incomplete backup cost an older one")
	}
}

// The script and the stand-in agree on the empty export check.
func TestScriptFailsAnEmptyPortalExport(t *testing.T) {
	for _, want := range []string{"$objects = @(& $exports[$file])", "if ($objects.Count -eq 0)",
		"'Export-FIMConfig returned nothing for '", "the account most likely lacks read rights "} {
		if !strings.Contains(backupScript, want) {
			t.Errorf("backup.ps1 lacks %q", want)
		}
	}
}

func TestFiguresOfARun(t *testing.T) {
	f := newFixture(t)
	if _, err := f.run(t, night(23)); err != nil {
		t.Fatal(err)
	}
	f.mim.MAs[0].Version++
	if _, err := f.run(t, night(24)); err != nil {
		t.Fatal(err)
	}
	m := f.manifest(t, "2026-11-24-2330")
	got := f.last.Figures()
	want := map[string]any{"backupFolder": `C:\Backup\2026-11-24-2330`, "backupBytes": m.bytes(), "backupFiles": len(m.Files),
		"changesSincePrevious": "1 MA changed: AD; sync configuration changed; extensions unchanged; portal config unchanged",
		"backupsPruned":        0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("figure %s = %#v, want %#v", k, got[k], v)
		}
	}
}
