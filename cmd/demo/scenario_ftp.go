package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/opstime"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

func init() {
	register(scenario{Name: "FtpRetrieve", Order: 20, Setup: setUpFTP, Run: runFTP})
}

// ftpDemo is what the FTP scenario's setup leaves for its run.
type ftpDemo struct {
	server  *ftptest.Server
	hostile []string
	target  string
	young   string
	zone    *time.Location
}

var ftpState ftpDemo

// setUpFTP starts an explicit-TLS FTP server whose outbox holds today's
// two extracts, an older one, one still being written, and one whose name
// tries to climb out of the target folder.
func setUpFTP(ctx context.Context, st *Stage) (map[string]string, error) {
	zone, err := settings.LoadLocation(demoTimeZone)
	if err != nil {
		return nil, err
	}
	today, _ := opstime.Format(time.Now().In(zone), "yyyyMMdd")
	yesterday, _ := opstime.Format(time.Now().In(zone).AddDate(0, 0, -1), "yyyyMMdd")
	root := filepath.Join(st.Dir, "ftp-server")
	outbox := filepath.Join(root, "outbox")
	if err := os.MkdirAll(outbox, 0o755); err != nil {
		return nil, err
	}
	old := time.Now().Add(-time.Hour)
	files := map[string]int{
		"HR_" + today + "_staff.csv":       180_000,
		"HR_" + today + "_leavers.csv":     2_400,
		"HR_" + yesterday + "_staff.csv":   175_000,
		"HR_" + today + "_contractors.csv": 9_000, // still being written
	}
	for name, size := range files {
		if err := writeRandom(filepath.Join(outbox, name), size); err != nil {
			return nil, err
		}
		if !strings.Contains(name, "contractors") {
			_ = os.Chtimes(filepath.Join(outbox, name), old, old)
		}
	}
	ftpState = ftpDemo{
		hostile: []string{"HR_" + today + `_..\..\..\evil.csv`, "HR_" + today + "_/../../../evil.csv", "HR_" + today + "_<script>.csv",
			"HR_" + today + "_pay\u202Eslx.exe.csv"}, // a right-to-left override disguises how the name reads
		target: filepath.Join(st.Dir, "mim-imports"),
		young:  "HR_" + today + "_contractors.csv",
		zone:   zone,
	}
	srv, err := ftptest.Start(ftptest.Options{Mode: ftptest.Explicit, Dir: root, User: "hr-drop", Password: "demo-ftp-pass"})
	if err != nil {
		return nil, err
	}
	ftpState.server = srv
	st.Cleanup(func() { srv.Close() })
	return map[string]string{
		"FTPServer":          srv.Addr,
		"FTPUsername":        srv.User,
		"FTPPassword":        srv.Password,
		"FTPTLS":             "explicit",
		"FTPCACert":          string(srv.Cert.CertPEM),
		"FTPSourceDirectory": "/outbox",
		"FTPFilePattern":     "HR_{yyyyMMdd}_*.csv",
		"FTPTargetSubfolder": "{yyyy-MM-dd}",
		"FTPTarget":          "local",
		"FTPTargetDirectory": ftpState.target,
		"FTPMinFileAge":      "2m",
	}, nil
}

func writeRandom(path string, size int) error {
	data := make([]byte, size)
	_, _ = rand.Read(data)
	return os.WriteFile(path, data, 0o644)
}

// runFTP fires FtpRetrieve twice: the first run is a clean one that
// delivers today's two complete files; before the second the server starts
// listing unsafe names, so that run fails (on purpose, so someone looks)
// and fetches nothing again.
func runFTP(ctx context.Context, st *Stage, host Host, out io.Writer) error {
	folder, _ := opstime.Format(time.Now().In(ftpState.zone), "yyyy-MM-dd")
	_, offset := time.Now().In(ftpState.zone).Zone()
	fmt.Fprintf(out, "dated folders and file-name tokens are in OpsTimeZone %q (%s, UTC%+03d:%02d): today is %s there\n",
		demoTimeZone, ftpState.zone, offset/3600, abs(offset%3600)/60, folder)
	if err := host.Fire(ctx, "FtpRetrieve"); err != nil {
		return fmt.Errorf("the clean run failed: %w", err)
	}
	fmt.Fprintln(out, "run 1: ok")
	first, err := reportDelivered(out)
	if err != nil {
		return err
	}
	ftpState.server.SetHostile(ftpState.hostile)
	err = host.Fire(ctx, "FtpRetrieve")
	switch {
	case err == nil:
		return fmt.Errorf("the run succeeded although the server listed unsafe names")
	case !strings.Contains(err.Error(), "unsafe file names"):
		return err
	}
	fmt.Fprintf(out, "run 2 (the server now lists unsafe names): failed as it should, so someone looks: %v\n", err)
	if _, err := reportDelivered(out); err != nil {
		return err
	}
	for name, fi := range statTree(ftpState.target) {
		if !os.SameFile(fi, first[name]) {
			return fmt.Errorf("run 2 fetched %s again", name)
		}
	}
	fmt.Fprintln(out, "  run 2 fetched nothing again: the files delivered by run 1 are recorded in blob storage")
	for _, h := range ftpState.hostile {
		fmt.Fprintf(out, "rejected name %q (nothing written for it)\n", h)
	}
	fmt.Fprintf(out, "skipped %s: modified within FTPMinFileAge\n", ftpState.young)
	if escaped, _ := listTree(filepath.Dir(filepath.Dir(ftpState.target))); containsEvil(escaped) {
		return fmt.Errorf("a hostile name escaped the target folder")
	}
	return nil
}

// reportDelivered prints what is under the target folder and checks it is
// today's two complete extracts.
func reportDelivered(out io.Writer) (map[string]os.FileInfo, error) {
	delivered, err := listTree(ftpState.target)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "  delivered under %s:\n", ftpState.target)
	for _, d := range delivered {
		fmt.Fprintf(out, "    %s\n", d)
	}
	if len(delivered) != 2 {
		return nil, fmt.Errorf("want today's two complete extracts delivered, found %d", len(delivered))
	}
	return statTree(ftpState.target), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func listTree(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, fmt.Sprintf("%s (%d bytes)", filepath.ToSlash(rel), info.Size()))
		return nil
	})
	return out, err
}

// statTree returns the files under dir by relative path.
func statTree(dir string) map[string]os.FileInfo {
	out := map[string]os.FileInfo{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := os.Stat(p); err == nil {
				out[p] = fi
			}
		}
		return nil
	})
	return out
}

func containsEvil(paths []string) bool {
	for _, p := range paths {
		if strings.Contains(p, "evil") {
			return true
		}
	}
	return false
}
