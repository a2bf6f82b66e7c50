package mimconfigbackup

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/mimtest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// fixture is a MIM server behind the WinRM stand-in, and the settings that reach it.
type fixture struct {
	mim  *mimtest.Server
	srv  *winrmtest.Server
	env  settings.MapEnv
	last *function.Invocation // the latest run's invocation, for its figures
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, nil)
}

// newFixtureOn is newFixture with the emulated host changed by edit.
func newFixtureOn(t *testing.T, edit func(*mimtest.Server, *winrmtest.Host)) *fixture {
	t.Helper()
	disk, err := winrmtest.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mim, err := mimtest.New(disk)
	if err != nil {
		t.Fatal(err)
	}
	host := mim.Host()
	if edit != nil {
		edit(mim, host)
	}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: host})
	env := settings.MapEnv{
		"MIMSyncServer": srv.Host, "MIMSyncWinRMPort": strings.TrimSpace(itoa(srv.Port)),
		"MIMSyncCredUser": srv.User(), "MIMSyncCredPassword": srv.Password(), "MIMSyncWinRMCACert": string(srv.CACertPEM),
		"MIMBackupRoot": `C:\Backup`, "MIMExtensionsPath": mimtest.ExtensionsPath, "OpsTimeZone": "AUS Eastern Standard Time",
	}
	return &fixture{mim: mim, srv: srv, env: env}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// run invokes the function at a given time and returns its log and error.
func (f *fixture) run(t *testing.T, at time.Time) (string, error) {
	t.Helper()
	return f.runCtx(context.Background(), t, at)
}

// runCtx is run with the caller's context.
func (f *fixture) runCtx(ctx context.Context, t *testing.T, at time.Time) (string, error) {
	t.Helper()
	var logs bytes.Buffer
	f.mim.SetClock(func() time.Time { return at })
	inv := &function.Invocation{ID: "test", Function: "MimConfigBackup", Env: f.env,
		Log: slog.New(slog.NewTextHandler(&logs, nil)), Clock: func() time.Time { return at }, Outputs: map[string]any{}}
	f.last = inv
	err := Declaration.Run(ctx, inv)
	if f.srv.OpenShells() != 0 {
		t.Errorf("%d shell(s) left open", f.srv.OpenShells())
	}
	if strings.Contains(logs.String(), f.srv.Password()) {
		t.Error("the log contains the password")
	}
	return logs.String(), err
}

func (f *fixture) manifest(t *testing.T, folder string) Manifest {
	t.Helper()
	b, err := f.mim.Disk.ReadFile(`C:\Backup\` + folder + `\manifest.json`)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// night is 23:30 in Sydney on a November day (UTC+11).
func night(day int) time.Time { return time.Date(2026, 11, day, 12, 30, 0, 0, time.UTC) }

func TestBackupWritesEveryPartAndTheManifest(t *testing.T) {
	f := newFixture(t)
	logs, err := f.run(t, night(24))
	if err != nil {
		t.Fatal(err)
	}
	m := f.manifest(t, "2026-11-24-2330")
	want := []string{`MAExports\AAD.xml`, `MAExports\AD.xml`, `MAExports\HR.xml`, `MAExports\MIMService.xml`,
		`MAExtensions\Contoso.Mim.Rules.dll`, `MAExtensions\HR\Contoso.Mim.HR.Connector.dll`,
		`PortalExport\policy.xml`, `PortalExport\portal.xml`, `PortalExport\schema.xml`, `ServerExport\MV.XML`}
	paths := map[string]ManifestFile{}
	for _, file := range m.Files {
		paths[file.Path] = file
	}
	for _, p := range want {
		if file, ok := paths[p]; !ok || len(file.SHA256) != 64 || file.Size == 0 {
			t.Errorf("manifest entry %s: %+v", p, file)
		}
	}
	if len(m.Failed) != 0 || len(m.Steps) != 5 {
		t.Errorf("steps %+v failed %v", m.Steps, m.Failed)
	}
	if !strings.Contains(logs, "no earlier backup to compare with") || !strings.Contains(logs, `folder=C:\Backup\2026-11-24-2330`) {
		t.Errorf("log lacks the summary:\n%s", logs)
	}
}

func TestBackupDiffsAgainstThePreviousNight(t *testing.T) {
	f := newFixture(t)
	if _, err := f.run(t, night(23)); err != nil {
		t.Fatal(err)
	}
	f.mim.MAs[2].Version++ // HR
	f.mim.MAs[0].Version++ // AD
	f.mim.Policy += "<!-- new MPR -->"
	logs, err := f.run(t, night(24))
	if err != nil {
		t.Fatal(err)
	}
	want := "changes since 2026-11-23-2330: 2 MAs changed: AD, HR; sync configuration changed; extensions unchanged; portal config changed: policy"
	if !strings.Contains(logs, want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
	if logs, err := f.run(t, night(25)); err != nil || !strings.Contains(logs, "MAs unchanged; sync configuration unchanged; extensions unchanged; portal config unchanged") {
		t.Errorf("an unchanged night should say so (export dates aside): %v\n%s", err, logs)
	}
}

func TestBackupFailingStepsFailTheRunAfterTheOthersRan(t *testing.T) {
	f := newFixture(t)
	f.mim.NoFIMAutomation = true
	f.mim.FailMAs = map[string]string{"HR": "The management agent HR is locked by a running profile."}
	_, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("the run succeeded with two failed steps")
	}
	for _, want := range []string{"2 step(s) failed", "MAExports: export failed for HR: The management agent HR is locked", "PortalExport: The Windows PowerShell snap-in 'FIMAutomation' is not installed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	m := f.manifest(t, "2026-11-24-2330")
	if strings.Join(m.Failed, ",") != "MAExports,PortalExport" {
		t.Errorf("manifest failed steps %v", m.Failed)
	}
	found := false
	for _, file := range m.Files {
		found = found || file.Path == `MAExports\AD.xml`
	}
	if !found {
		t.Error("the other MAs were not exported")
	}
}

func TestRetentionKeepsEverythingWhenThisBackupIsIncomplete(t *testing.T) {
	f := newFixture(t)
	f.env["MIMBackupRetentionDays"] = "30"
	f.mim.NoFIMAutomation = true
	if err := f.mim.Disk.WriteFile(`C:\Backup\2026-09-01-2330\manifest.json`, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("the run succeeded with a failed step")
	}
	if !exists(t, f, "2026-09-01-2330") {
		t.Error("an incomplete backup cost an older one: retention deleted 2026-09-01-2330")
	}
	if !strings.Contains(logs, "retention skipped") || !strings.Contains(logs, "PortalExport") {
		t.Errorf("the log does not say why retention was skipped:\n%s", logs)
	}
}

func TestBackupRefusesAnExistingFolder(t *testing.T) {
	f := newFixture(t)
	if err := f.mim.Disk.WriteFile(`C:\Backup\2026-11-24-2330\keep.txt`, []byte("operator's notes")); err != nil {
		t.Fatal(err)
	}
	_, err := f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "already exists; refusing to overwrite it") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if b, _ := f.mim.Disk.ReadFile(`C:\Backup\2026-11-24-2330\keep.txt`); string(b) != "operator's notes" {
		t.Error("the existing folder was touched")
	}
}

func TestRetentionDeletesOnlyOldDatedFolders(t *testing.T) {
	f := newFixture(t)
	f.env["MIMBackupRetentionDays"] = "30"
	for _, p := range []string{`C:\Backup\2026-09-01-2330\manifest.json`, `C:\Backup\2026-11-20-2330\x.txt`,
		`C:\Backup\notes\readme.txt`, `C:\Backup\2026-13-01-2330\x.txt`, `C:\Backup\2026-09-01-2330.txt`} {
		if err := f.mim.Disk.WriteFile(p, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	// An old dated name that is a link to a folder elsewhere: deleting it
	// would delete what it points to.
	if err := f.mim.Disk.WriteFile(`C:\Data\precious\keep.txt`, []byte("not a backup")); err != nil {
		t.Fatal(err)
	}
	target, _ := f.mim.Disk.Path(`C:\Data\precious`)
	link, _ := f.mim.Disk.Path(`C:\Backup\2026-08-01-2330`)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, night(24))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := f.mim.Disk.ReadFile(`C:\Data\precious\keep.txt`); err != nil || string(b) != "not a backup" {
		t.Errorf("retention reached through a link: %v", err)
	}
	gone, kept := []string{`2026-09-01-2330`}, []string{`2026-11-20-2330`, `notes`, `2026-13-01-2330`, `2026-09-01-2330.txt`, `2026-11-24-2330`, `2026-08-01-2330`}
	for _, name := range gone {
		if exists(t, f, name) {
			t.Errorf("%s should have been deleted", name)
		}
	}
	for _, name := range kept {
		if !exists(t, f, name) {
			t.Errorf("%s should have been kept", name)
		}
	}
	if !strings.Contains(logs, "deleted=2026-09-01-2330") {
		t.Errorf("log lacks the deletion:\n%s", logs)
	}
}

func exists(t *testing.T, f *fixture, name string) bool {
	p, err := f.mim.Disk.Path(`C:\Backup\` + name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(p)
	return err == nil
}

func TestBadSettingsNameEveryProblem(t *testing.T) {
	f := newFixture(t)
	f.env["MIMBackupFolderFormat"] = `yyyy\\MM`
	f.env["MIMBackupRoot"] = "Backup"
	f.env["MIMServiceUri"] = "localhost:5725"
	f.env["MIMBackupContainer"] = "Bad_Name"
	f.env["MIMBackupRetentionDays"] = "-7"
	f.env["MIMBackupKeepMin"] = "0"
	_, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"MIMBackupFolderFormat", "MIMBackupRoot", "MIMServiceUri", "MIMBackupContainer", "MIMBackupRetentionDays", "MIMBackupKeepMin"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if f.srv.Stats().Requests != 0 {
		t.Error("the server was contacted despite bad settings")
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	inv := &function.Invocation{ID: "check", Function: "MimConfigBackup", Env: f.env, Log: slog.New(slog.DiscardHandler), Clock: time.Now}
	rows := Declaration.Check(context.Background(), inv)
	if len(rows) != 5 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if !r.OK {
			t.Errorf("row %+v failed", r)
		}
	}
	if !strings.Contains(rows[1].Why, "PowerShell 5.1") {
		t.Errorf("shell row %+v lacks the PowerShell version", rows[1])
	}
	f.mim.NoLithnet = true
	rows = Declaration.Check(context.Background(), inv)
	if rows[2].OK || !strings.Contains(rows[2].Why, "LithnetMiisAutomation") {
		t.Errorf("Lithnet row %+v, want a failure", rows[2])
	}
	f.env["MIMSyncCredPassword"] = "wrong-password-1"
	rows = Declaration.Check(context.Background(), inv)
	if len(rows) != 2 || rows[1].OK || !strings.Contains(rows[1].Why, "401") {
		t.Errorf("rows %+v, want the shell row to fail with 401", rows)
	}
	if f.srv.OpenShells() != 0 {
		t.Errorf("%d shell(s) left open", f.srv.OpenShells())
	}
}
