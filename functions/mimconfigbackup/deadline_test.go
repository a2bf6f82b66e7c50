package mimconfigbackup

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/settings"
)

// withDeadline shortens the run deadline and the off-site reserve for one
// test (the script's step budget is their difference).
func withDeadline(t *testing.T, deadline, reserve time.Duration) {
	t.Helper()
	oldDeadline, oldReserve, oldWait := runDeadline, offsiteReserve, receiveWait
	runDeadline, offsiteReserve, receiveWait = deadline, reserve, time.Second
	t.Cleanup(func() { runDeadline, offsiteReserve, receiveWait = oldDeadline, oldReserve, oldWait })
}

// The function stops itself well before the host would kill it, with time
// left for the off-site copy and for saying what happened.
func TestRunDeadlineIsSafelyBelowFunctionTimeout(t *testing.T) {
	b, err := os.ReadFile("../../host.json")
	if err != nil {
		t.Fatal(err)
	}
	var host struct {
		FunctionTimeout string `json:"functionTimeout"`
	}
	if err := json.Unmarshal(b, &host); err != nil {
		t.Fatal(err)
	}
	timeout, err := settings.ParseTimeSpan(host.FunctionTimeout)
	if err != nil {
		t.Fatalf("host.json functionTimeout %q: %v", host.FunctionTimeout, err)
	}
	if runDeadline > timeout-3*time.Minute {
		t.Errorf("run deadline %s is not safely below functionTimeout %s", runDeadline, timeout)
	}
	if budget := runDeadline - offsiteReserve; budget < runDeadline/2 || offsiteReserve < 5*time.Minute {
		t.Errorf("step budget %s, off-site reserve %s: unbalanced", budget, offsiteReserve)
	}
	if runDeadline+receiveWait > timeout-2*time.Minute {
		t.Errorf("a script stopped %s after the %s deadline leaves too little of functionTimeout %s", receiveWait, runDeadline, timeout)
	}
}

// Once the step budget is spent, the script starts no further export step:
// the manifest says which steps ran, the backup is partial (retention
// deletes nothing, no zip), and the error says what was and wasn't done.
func TestRunDeadlineNearStopsStartingSteps(t *testing.T) {
	withDeadline(t, time.Minute, time.Minute-300*time.Millisecond)
	f := newFixture(t)
	f.env["MIMBackupRetentionDays"] = "30"
	f.env["MIMBackupContainer"] = "mim-config-backups"
	f.env["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" // never reached
	f.mim.StepDelay = map[string]time.Duration{"MAExports": 600 * time.Millisecond}
	writeBackup(t, f, "2026-09-01-2330", completeBackup)
	_, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("a partial backup counted as a success")
	}
	for _, want := range []string{`C:\Backup\2026-11-24-2330`, "the run deadline (1m0s) came near", "steps run: MAExports, Retention;",
		"not run: ServerExport, MAExtensions, PortalExport;", "never counted as complete", "no off-site copy was made"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	m := f.manifest(t, "2026-11-24-2330")
	if !m.Partial || strings.Join(m.Failed, ",") != "ServerExport,MAExtensions,PortalExport" {
		t.Errorf("manifest partial=%v failed=%v", m.Partial, m.Failed)
	}
	if !exists(t, f, "2026-09-01-2330") {
		t.Error("retention ran in a partial backup")
	}
	if exists(t, f, ".2026-11-24-2330.zip") {
		t.Error("a partial backup was zipped")
	}
	if got := f.last.Figures()["stepsFinished"]; got != "MAExports, Retention" {
		t.Errorf("stepsFinished figure %v", got)
	}
}

// When the deadline passes in the middle of a step, the script is stopped;
// the error says which steps had finished and where the partial folder is.
func TestRunDeadlineInTheMiddleOfAStep(t *testing.T) {
	withDeadline(t, 1500*time.Millisecond, 0)
	f := newFixture(t)
	f.mim.StepDelay = map[string]time.Duration{"PortalExport": time.Minute}
	start := time.Now()
	logs, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("the run succeeded past its deadline")
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("the run went on for %s past its deadline", time.Since(start))
	}
	for _, want := range []string{"stopped at the run deadline (1.5s) while the backup script ran",
		"steps finished: MAExports (ok), ServerExport (ok), MAExtensions (ok);", "not finished: PortalExport, Retention",
		`the partial folder C:\Backup\2026-11-24-2330 has no manifest and is never counted as a complete backup`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\2026-11-24-2330\manifest.json`); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stopped run wrote a manifest: %v", err)
	}
	if got := f.last.Figures()["backupFolder"]; got != `C:\Backup\2026-11-24-2330` {
		t.Errorf("backupFolder figure %v", got)
	}
	if !strings.Contains(logs, "stopped at the run deadline") {
		t.Errorf("log lacks the stop:\n%s", logs)
	}
}

// When the deadline passes during the off-site copy, the backup is complete
// and says so; the copy is not made, nothing is committed, and the zip
// stays for the next run to remove.
func TestRunDeadlineDuringTheOffsiteCopy(t *testing.T) {
	withDeadline(t, 2*time.Second, time.Second)
	f, az := offsiteFixture(t, nil)
	f.mim.DownloadDelay = time.Minute
	_, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("the run succeeded past its deadline")
	}
	for _, want := range []string{`backup C:\Backup\2026-11-24-2330:`, "stopped at the run deadline (2s) after the backup was written",
		`the zip stays on the server at C:\Backup\.2026-11-24-2330.zip until the next run`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if m := f.manifest(t, "2026-11-24-2330"); m.Partial || len(m.Failed) != 0 {
		t.Errorf("manifest partial=%v failed=%v, want a complete backup", m.Partial, m.Failed)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); err != nil {
		t.Errorf("the zip is gone: %v", err)
	}
	if _, err := az.Account.Blob.ServiceClient().NewContainerClient("mim-config-backups").
		NewBlobClient(f.srv.Host+"/2026-11-24-2330.zip").GetProperties(context.Background(), nil); err == nil {
		t.Error("a blob was committed")
	}
}

// A caller's deadline sooner than the run's own is the one the run keeps,
// and the one it names.
func TestRunDeadlineFollowsASoonerCallerDeadline(t *testing.T) {
	withDeadline(t, 25*time.Minute, 8*time.Minute)
	f := newFixture(t)
	f.mim.StepDelay = map[string]time.Duration{"PortalExport": time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := f.runCtx(ctx, t, night(24))
	if err == nil || !strings.Contains(err.Error(), "stopped at the run deadline (1.5s) while the backup script ran") ||
		!strings.Contains(err.Error(), "not finished: PortalExport, Retention") {
		t.Fatalf("err = %v, want a stop at the caller's deadline", err)
	}
}
