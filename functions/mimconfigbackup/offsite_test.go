package mimconfigbackup

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/azuritetest"
)

func TestZippedCopyGoesToTheContainer(t *testing.T) {
	az := azuritetest.Start(t)
	f := newFixture(t)
	f.env["AzureWebJobsStorage"] = az.ConnectionString
	f.env["MIMBackupContainer"] = "mim-config-backups"
	if logs, err := f.run(t, night(24)); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	resp, err := az.Account.Blob.DownloadStream(context.Background(), "mim-config-backups", f.srv.Host+"/2026-11-24-2330.zip", nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, file := range zr.File {
		names[file.Name] = true
	}
	for _, want := range []string{"manifest.json", "MAExports/HR.xml", "PortalExport/policy.xml"} {
		if !names[want] {
			t.Errorf("zip lacks %s (has %v)", want, names)
		}
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
		t.Error("the zip was left on the server")
	}
}

// A zip that cannot be made fails the run after the backup itself was
// written and reported, and leaves no partial zip behind.
func TestZipFailureFailsTheRunAfterTheBackup(t *testing.T) {
	f := newFixture(t)
	f.env["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" // never reached
	f.env["MIMBackupContainer"] = "mim-config-backups"
	f.mim.FailZip = "There is not enough space on the disk."
	logs, err := f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "zipping the backup failed: There is not enough space on the disk.") {
		t.Fatalf("err = %v, want the zip failure", err)
	}
	if !strings.Contains(logs, "MimConfigBackup: backup written") {
		t.Errorf("the backup was not reported:\n%s", logs)
	}
	if m := f.manifest(t, "2026-11-24-2330"); len(m.Failed) != 0 {
		t.Errorf("manifest failed steps %v", m.Failed)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
		t.Error("a partial zip was left on the server")
	}
}
