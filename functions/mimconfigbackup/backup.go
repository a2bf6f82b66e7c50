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
	Root            string `json:"root"`
	Folder          string `json:"folder"`
	FolderFormat    string `json:"folderFormat"`
	Created         string `json:"created"`
	ServiceURI      string `json:"serviceUri"`
	ExtensionsPath  string `json:"extensionsPath"`
	RetentionCutoff string `json:"retentionCutoff"` // "yyyy-MM-dd HH:mm:ss" in the ops zone; "" keeps all
	Zip             bool   `json:"zip"`
}

// cutoffLayout is the Go form of the script's 'yyyy-MM-dd HH:mm:ss'.
const cutoffLayout = "2006-01-02 15:04:05"

func run(ctx context.Context, inv *function.Invocation) error {
	p := inv.Settings()
	opts := readOptions(p)
	if err := p.Err(); err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	client, err := remoteps.New(opts.winrm, inv.Log)
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	params, err := newParams(opts, inv.Now())
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	inv.Log.Info("MimConfigBackup: starting", "server", opts.winrm.Host, "folder", params.Root+`\`+params.Folder)
	res, err := client.Run(ctx, backupScript, params)
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	sum, err := parseSummary(res.Stdout)
	if err != nil {
		return fmt.Errorf("MimConfigBackup: %w", err)
	}
	report(inv, sum)
	var problems []error
	if failed := sum.manifest.failures(); failed != "" {
		problems = append(problems, fmt.Errorf("%d step(s) failed: %s", len(sum.manifest.Failed), failed))
	}
	if opts.container != "" {
		if err := copyOffsite(ctx, inv, client, opts, sum); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("MimConfigBackup: backup %s: %w", sum.Path, errors.Join(problems...))
	}
	return nil
}

// newParams names the new folder (MIMBackupFolderFormat in the ops zone)
// and the retention cutoff.
func newParams(opts options, now time.Time) (backupParams, error) {
	local := now.In(opts.zone)
	folder, err := opstime.Format(local, opts.folderFormat)
	if err != nil {
		return backupParams{}, err
	}
	p := backupParams{Root: opts.root, Folder: folder, FolderFormat: opts.folderFormat, Created: local.Format(time.RFC3339),
		ServiceURI: opts.serviceURI, ExtensionsPath: opts.extensionsPath, Zip: opts.container != ""}
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
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
