package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tenantops/tenantops/functions/mimconfigbackup"
	"github.com/tenantops/tenantops/internal/opstime"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/mimtest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

func init() {
	register(scenario{Name: "MimConfigBackup", Order: 10, Setup: setUpMIMBackup, Run: runMIMBackup})
}

// The demo's backup settings: seconds in the folder name, so two runs a
// moment apart get two folders.
const (
	mimBackupRoot      = `C:\Backup`
	mimBackupFormat    = "yyyy-MM-dd-HHmmss"
	mimBackupContainer = "mim-config-backups"
)

// mimDemo is what the setup leaves for the run.
type mimDemo struct {
	server *mimtest.Server
	winrm  *winrmtest.Server
	old    string // a dated folder older than the retention period
}

var mimState mimDemo

// setUpMIMBackup starts the WinRM stand-in over HTTPS with NTLM, in front
// of an emulated MIM server (four MAs, an Extensions folder), and leaves an
// expired backup and an operator's notes folder under the backup root.
func setUpMIMBackup(ctx context.Context, st *Stage) (map[string]string, error) {
	disk, err := winrmtest.NewDisk(filepath.Join(st.Dir, "mim-server"))
	if err != nil {
		return nil, err
	}
	mim, err := mimtest.New(disk)
	if err != nil {
		return nil, err
	}
	zone, err := settings.LoadLocation(demoTimeZone)
	if err != nil {
		return nil, err
	}
	old, _ := opstime.Format(time.Now().In(zone).AddDate(0, 0, -45), mimBackupFormat)
	for _, p := range []string{old + `\manifest.json`, `notes\restore-runbook.txt`} {
		if err := disk.WriteFile(mimBackupRoot+`\`+p, []byte("{}")); err != nil {
			return nil, err
		}
	}
	srv, err := winrmtest.New(winrmtest.Options{HTTPS: true, Machine: mim.Host()})
	if err != nil {
		return nil, err
	}
	st.Cleanup(srv.Close)
	mimState = mimDemo{server: mim, winrm: srv, old: old}
	return map[string]string{
		"MIMSyncServer":          srv.Host,
		"MIMSyncWinRMPort":       strconv.Itoa(srv.Port),
		"MIMSyncWinRMUseHTTPS":   "true",
		"MIMSyncWinRMCACert":     string(srv.CACertPEM),
		"MIMSyncCredUser":        srv.User(),
		"MIMSyncCredPassword":    srv.Password(),
		"MIMBackupRoot":          mimBackupRoot,
		"MIMBackupFolderFormat":  mimBackupFormat,
		"MIMExtensionsPath":      mimtest.ExtensionsPath,
		"MIMBackupRetentionDays": "30",
		"MIMBackupContainer":     mimBackupContainer,
	}, nil
}

// runMIMBackup runs the backup twice, changing two MAs and the policy in
// between, and shows the second night's result and its diff.
func runMIMBackup(ctx context.Context, st *Stage, host Host, out io.Writer) error {
	if err := host.Fire(ctx, "MimConfigBackup"); err != nil {
		return fmt.Errorf("first backup: %w", err)
	}
	first, err := newestBackup()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "first backup: %s\\%s\n", mimBackupRoot, first)
	fmt.Fprintf(out, "retention (30 days): 45-day-old %s %s; operator's notes\\ %s\n",
		mimState.old, presence(mimBackupRoot+`\`+mimState.old, "kept (WRONG)", "deleted"), presence(mimBackupRoot+`\notes`, "kept", "deleted (WRONG)"))

	mim := mimState.server
	mim.MAs[0].Version++ // AD
	mim.MAs[2].Version++ // HR
	mim.Policy += "<!-- a new management policy rule -->"
	time.Sleep(1100 * time.Millisecond) // the next folder name is a second later
	if err := host.Fire(ctx, "MimConfigBackup"); err != nil {
		return fmt.Errorf("second backup: %w", err)
	}
	second, err := newestBackup()
	if err != nil {
		return err
	}
	return describeBackups(ctx, st, out, first, second)
}

func describeBackups(ctx context.Context, st *Stage, out io.Writer, first, second string) error {
	prev, err := readManifest(first)
	if err != nil {
		return err
	}
	cur, err := readManifest(second)
	if err != nil {
		return err
	}
	var size int64
	for _, f := range cur.Files {
		size += f.Size
	}
	var steps []string
	for _, s := range cur.Steps {
		steps = append(steps, fmt.Sprintf("%s %s", s.Name, map[bool]string{true: "ok", false: "FAILED"}[s.OK]))
	}
	fmt.Fprintf(out, "second backup: %s\\%s, %d files, %d bytes, manifest.json with SHA-256 of each\n", mimBackupRoot, second, len(cur.Files), size)
	fmt.Fprintf(out, "steps: %s\n", strings.Join(steps, ", "))
	fmt.Fprintf(out, "changes since %s: %s\n", first, mimconfigbackup.Compare(&prev, cur))
	pager := st.Storage.Blob.NewListBlobsFlatPager(mimBackupContainer, nil)
	var blobs []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing %s: %w", mimBackupContainer, err)
		}
		for _, b := range page.Segment.BlobItems {
			blobs = append(blobs, fmt.Sprintf("%s (%d bytes)", *b.Name, *b.Properties.ContentLength))
		}
	}
	fmt.Fprintf(out, "off-site copies in blob container %s: %s\n", mimBackupContainer, strings.Join(blobs, ", "))
	fmt.Fprintf(out, "WinRM shells left open on the server: %d\n", mimState.winrm.OpenShells())
	return nil
}

// presence says which of two things is true of a folder on the server.
func presence(folder, exists, missing string) string {
	p, err := mimState.server.Disk.Path(folder)
	if err == nil {
		if _, err = os.Stat(p); err == nil {
			return exists
		}
	}
	return missing
}

// newestBackup is the newest dated folder under the backup root.
func newestBackup() (string, error) {
	root, err := mimState.server.Disk.Path(mimBackupRoot)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", err
	}
	var dated []string
	for _, e := range entries {
		if _, err := opstime.Parse(mimBackupFormat, e.Name(), time.UTC); err == nil && e.IsDir() {
			dated = append(dated, e.Name())
		}
	}
	if len(dated) == 0 {
		return "", fmt.Errorf("no backup folder under %s", mimBackupRoot)
	}
	sort.Strings(dated)
	return dated[len(dated)-1], nil
}

func readManifest(folder string) (mimconfigbackup.Manifest, error) {
	var m mimconfigbackup.Manifest
	b, err := mimState.server.Disk.ReadFile(mimBackupRoot + `\` + folder + `\manifest.json`)
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}
