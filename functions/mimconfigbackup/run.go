package mimconfigbackup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/opstime"
	"github.com/tenantops/tenantops/internal/remoteps"
)

// backupParams are backup.ps1's parameters.
type backupParams struct {
	Root            string  `json:"root"`
	Folder          string  `json:"folder"`
	FolderFormat    string  `json:"folderFormat"`
	Created         string  `json:"created"`
	ServiceURI      string  `json:"serviceUri"`
	ExtensionsPath  string  `json:"extensionsPath"`
	RetentionCutoff string  `json:"retentionCutoff"` // "yyyy-MM-dd HH:mm:ss" in the ops zone; "" keeps all
	KeepMin         int     `json:"keepMin"`         // newest complete backups kept whatever their age, this one included
	BudgetSeconds   float64 `json:"budgetSeconds"`   // no export step starts after this long; 0 = no limit
	Zip             bool    `json:"zip"`
	LeftoverMax     int     `json:"leftoverMax"` // leftover zips of earlier runs this run hashes and delivers
}

// cutoffLayout is the Go form of the script's 'yyyy-MM-dd HH:mm:ss'.
const cutoffLayout = "2006-01-02 15:04:05"

// The run deadline. The host stops the handler at host.json's
// functionTimeout (30 minutes); the function stops itself well before, so
// that it can say what was and was not done. The script starts no export
// step later than offsiteReserve before the deadline, leaving that time for
// the zip and the off-site copy.
//
// A run past its deadline is stopped when the Receive that is waiting for
// the script's output returns: receiveWait bounds that wait (the WinRM
// OperationTimeout), so the script is stopped at most that long after the
// deadline.
var (
	runDeadline    = 25 * time.Minute
	offsiteReserve = 8 * time.Minute
	receiveWait    = 20 * time.Second
)

// scriptSteps are backup.ps1's steps, in order.
var scriptSteps = []string{partMAs, partServer, partExtensions, partPortal, "Retention"}

// notRunPrefix starts the error of a step the script did not start
// because the run deadline was near.
const notRunPrefix = "not run:"

func run(ctx context.Context, inv *function.Invocation) error {
	p := inv.Settings()
	opts := readOptions(p)
	if err := p.Err(); err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	if opts.winrm.OperationTimeout == 0 || opts.winrm.OperationTimeout > receiveWait {
		opts.winrm.OperationTimeout = receiveWait
	}
	client, err := remoteps.New(opts.winrm, inv.Log)
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	limit, budget := limitsOf(ctx)
	params, err := newParams(opts, inv.Now(), budget)
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	folder := params.Root + `\` + params.Folder
	inv.Figure("backupFolder", folder)
	inv.Log.Info("MimConfigBackup: starting", "server", opts.winrm.Host, "folder", folder, "deadline", limit.String())
	res, err := client.Run(ctx, backupScript, params)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return stoppedInScript(inv, limit, folder, res.Stdout)
		}
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	sum, err := parseSummary(res.Stdout)
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	report(inv, sum)
	problems := stepProblems(inv, limit, sum)
	if opts.container != "" {
		for _, err := range offsite(ctx, inv, client, opts, sum) {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("stopped at the run deadline (%s) after the backup was written: %w", limit, err)
			}
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("MimConfigBackup: backup %s: %w", sum.Path, errors.Join(problems...))
	}
	return nil
}

// limitsOf returns how long a run may take, runDeadline or less when ctx
// ends sooner, and the budget of the script's export steps. A run cut short
// by its caller keeps a third of its time for the zip and the off-site copy.
func limitsOf(ctx context.Context) (limit, budget time.Duration) {
	limit, reserve := runDeadline, offsiteReserve
	if d, ok := ctx.Deadline(); ok && time.Until(d) < limit {
		limit = time.Until(d).Round(100 * time.Millisecond)
		reserve = min(reserve, limit/3)
	}
	return limit, limit - reserve
}

// stepProblems describes the failed steps and, for a partial backup, what
// was and was not done.
func stepProblems(inv *function.Invocation, limit time.Duration, sum *summary) []error {
	var problems []error
	var ran, notRun []string
	for _, st := range sum.manifest.Steps {
		if strings.HasPrefix(st.Error, notRunPrefix) {
			notRun = append(notRun, st.Name)
		} else {
			ran = append(ran, st.Name)
		}
	}
	if n, failed := sum.manifest.failures(); n > 0 {
		problems = append(problems, fmt.Errorf("%d step(s) failed: %s", n, failed))
	}
	if sum.manifest.Partial {
		inv.Figure("stepsFinished", strings.Join(ran, ", "))
		problems = append(problems, fmt.Errorf("the run deadline (%s) came near: steps run: %s; not run: %s; "+
			"the partial backup is never counted as complete, and no off-site copy was made",
			limit, orNone(strings.Join(ran, ", ")), strings.Join(notRun, ", ")))
	}
	return problems
}

// stoppedInScript is the error of a run whose deadline passed while the
// backup script ran: the steps the script reported as finished, those it
// did not, and where the partial folder is.
func stoppedInScript(inv *function.Invocation, limit time.Duration, folder, stdout string) error {
	done := map[string]bool{}
	var finished, unfinished []string
	for _, st := range finishedSteps(stdout) {
		state := "ok"
		if !st.OK {
			state = "failed"
		}
		done[st.Name] = true
		finished = append(finished, st.Name+" ("+state+")")
	}
	for _, name := range scriptSteps {
		if !done[name] {
			unfinished = append(unfinished, name)
		}
	}
	inv.Figure("stepsFinished", strings.Join(finished, ", "))
	inv.Log.Warn("MimConfigBackup: stopped at the run deadline", "folder", folder,
		"finished", strings.Join(finished, ", "), "unfinished", strings.Join(unfinished, ", "))
	return fmt.Errorf("MimConfigBackup: stopped at the run deadline (%s) while the backup script ran: steps finished: %s; "+
		"not finished: %s; the partial folder %s has no manifest and is never counted as a complete backup; "+
		"no off-site copy was made", limit, orNone(strings.Join(finished, ", ")), strings.Join(unfinished, ", "), folder)
}

// newParams names the new folder (MIMBackupFolderFormat in the ops zone)
// and the retention cutoff; budget is the script's time for its steps.
func newParams(opts options, now time.Time, budget time.Duration) (backupParams, error) {
	local := now.In(opts.zone)
	folder, err := opstime.Format(local, opts.folderFormat)
	if err != nil {
		return backupParams{}, err
	}
	p := backupParams{Root: opts.root, Folder: folder, FolderFormat: opts.folderFormat, Created: local.Format(time.RFC3339),
		ServiceURI: opts.serviceURI, ExtensionsPath: opts.extensionsPath, KeepMin: opts.keepMin,
		BudgetSeconds: budget.Seconds(), Zip: opts.container != "", LeftoverMax: catchUpMax}
	if opts.retentionDays > 0 {
		p.RetentionCutoff = local.AddDate(0, 0, -opts.retentionDays).Format(cutoffLayout)
	}
	return p, nil
}

// report logs the summary: what was saved, how long each step took, what
// changed since the previous backup, and what retention removed.
func report(inv *function.Invocation, s *summary) {
	var steps []string
	for _, st := range s.manifest.Steps {
		state := "ok"
		if !st.OK {
			state = "FAILED"
		}
		steps = append(steps, fmt.Sprintf("%s %s %.1fs", st.Name, state, st.Seconds))
	}
	diff := Compare(s.previous, s.manifest)
	inv.Figure("backupFolder", s.Path)
	inv.Figure("backupBytes", s.manifest.bytes())
	inv.Figure("backupFiles", len(s.manifest.Files))
	inv.Figure("changesSincePrevious", diff.String())
	inv.Figure("backupsPruned", len(s.Deleted))
	inv.Log.Info("MimConfigBackup: backup written",
		"folder", s.Path, "files", len(s.manifest.Files), "bytes", s.manifest.bytes(),
		"steps", strings.Join(steps, ", "), "failed", len(s.manifest.Failed))
	inv.Log.Info("MimConfigBackup: changes since "+orNone(s.PreviousFolder)+": "+diff.String(), "previous", s.PreviousFolder)
	if s.RetentionSkipped != "" {
		inv.Log.Warn("MimConfigBackup: retention skipped", "why", s.RetentionSkipped)
	}
	if len(s.Deleted) > 0 {
		inv.Log.Info("MimConfigBackup: retention deleted old backups", "deleted", strings.Join(s.Deleted, ", "))
	}
	if len(s.KeptByMinimum) > 0 {
		inv.Log.Info("MimConfigBackup: retention kept backups older than the retention period, as the newest complete ones",
			"kept", strings.Join(s.KeptByMinimum, ", "))
	}
	for _, z := range s.LeftoversRemoved {
		inv.Log.Warn("MimConfigBackup: removed a zip an earlier run left on the server, without copying it off-site",
			"zip", z.Zip, "why", z.Why)
	}
	if s.CleanupError != "" {
		inv.Log.Warn("MimConfigBackup: sorting out the zips an earlier run left on the server failed", "err", s.CleanupError)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
