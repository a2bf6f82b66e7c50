package mimconfigbackup

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"

	"github.com/tenantops/tenantops/internal/testonly/mimtest"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
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

// offsiteFixture is a fixture whose backups are copied to Azurite.
func offsiteFixture(t *testing.T, edit func(*mimtest.Server, *winrmtest.Host)) (*fixture, *azuritetest.Server) {
	t.Helper()
	az := azuritetest.Start(t)
	f := newFixtureOn(t, edit)
	f.env["AzureWebJobsStorage"] = az.ConnectionString
	f.env["MIMBackupContainer"] = "mim-config-backups"
	return f, az
}

// The blob is read back before the zip leaves the server: its size,
// Content-MD5 and sha256 metadata are those of the zip.
func TestOffsiteCopyIsVerifiedBeforeTheZipLeavesTheServer(t *testing.T) {
	// The zip as removezip, which runs only after the check, finds it.
	var zipData []byte
	f, az := offsiteFixture(t, func(mim *mimtest.Server, host *winrmtest.Host) {
		remove := host.Scripts["removezip"]
		host.Scripts["removezip"] = func(ctx context.Context, c *winrmtest.Call) int {
			zipData, _ = mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`)
			return remove(ctx, c)
		}
	})
	if logs, err := f.run(t, night(24)); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if len(zipData) == 0 {
		t.Fatal("removezip never ran, or the zip was gone before it")
	}
	name := f.srv.Host + "/2026-11-24-2330.zip"
	props, err := az.Account.Blob.ServiceClient().NewContainerClient("mim-config-backups").NewBlobClient(name).GetProperties(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantMD5 := md5.Sum(zipData)
	wantSHA := sha256.Sum256(zipData)
	if *props.ContentLength != int64(len(zipData)) || !bytes.Equal(props.ContentMD5, wantMD5[:]) {
		t.Errorf("blob size %d MD5 %x, want %d %x", *props.ContentLength, props.ContentMD5, len(zipData), wantMD5)
	}
	if got := metadata(props.Metadata, "sha256"); got != hex.EncodeToString(wantSHA[:]) {
		t.Errorf("blob sha256 metadata %q", got)
	}
	if got := f.last.Figures()["offsiteBlob"]; got != "mim-config-backups/"+name {
		t.Errorf("offsiteBlob figure %v", got)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
		t.Error("the zip was left on the server")
	}
}

// A failed upload keeps the zip on the server; the next run removes that
// leftover, and nothing else.
func TestFailedUploadKeepsTheZipAndTheNextRunRemovesIt(t *testing.T) {
	f, az := offsiteFixture(t, nil)
	ctx := context.Background()
	if err := az.Account.EnsureContainer(ctx, "mim-config-backups"); err != nil {
		t.Fatal(err)
	}
	// Someone holds a lease on the blob: the commit is refused.
	name := f.srv.Host + "/2026-11-24-2330.zip"
	if _, err := az.Account.Blob.UploadBuffer(ctx, "mim-config-backups", name, []byte("held"), nil); err != nil {
		t.Fatal(err)
	}
	bc := az.Account.Blob.ServiceClient().NewContainerClient("mim-config-backups").NewBlobClient(name)
	lc, err := lease.NewBlobClient(bc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lc.AcquireLease(ctx, -1, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "upload") || !strings.Contains(err.Error(), `the zip stays on the server at C:\Backup\.2026-11-24-2330.zip`) {
		t.Fatalf("err = %v, want the upload failure", err)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); err != nil {
		t.Fatalf("the zip is gone after a failed upload: %v", err)
	}
	decoys := []string{`C:\Backup\.notes.zip`, `C:\Backup\2026-11-20-2330.zip`, `C:\Backup\.2026-11-20-2330.zip.txt`,
		`C:\Backup\.2026-11-19-2330.zip\keep.txt`, `C:\Backup\2026-11-24-2330\.2026-11-18-2330.zip`}
	for _, p := range decoys {
		if err := f.mim.Disk.WriteFile(p, []byte("not a leftover")); err != nil {
			t.Fatal(err)
		}
	}
	logs, err := f.run(t, night(25))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
		t.Error("the next run left the leftover zip")
	}
	for _, p := range decoys {
		if b, err := f.mim.Disk.ReadFile(p); err != nil || string(b) != "not a leftover" {
			t.Errorf("%s was touched: %v", p, err)
		}
	}
	if !strings.Contains(logs, "zips=.2026-11-24-2330.zip") {
		t.Errorf("the log does not name the removed leftover:\n%s", logs)
	}
}

// A download that breaks off commits no blob and keeps the zip; the next
// run removes it.
func TestFailedDownloadKeepsTheZipAndCommitsNothing(t *testing.T) {
	f, az := offsiteFixture(t, nil)
	big := make([]byte, 3<<20) // incompressible: a zip of several blocks
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	f.mim.Extensions[`Big.dll`] = string(big)
	if err := f.mim.WriteExtensions(); err != nil {
		t.Fatal(err)
	}
	f.mim.BreakDownload = 300 << 10
	_, err := f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "download") {
		t.Fatalf("err = %v, want the download failure", err)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); err != nil {
		t.Fatalf("the zip is gone after a failed download: %v", err)
	}
	pager := az.Account.Blob.NewListBlobsFlatPager("mim-config-backups", nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Segment.BlobItems {
			t.Errorf("a broken download committed %s", *b.Name)
		}
	}
	f.mim.BreakDownload = 0
	if logs, err := f.run(t, night(25)); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
		t.Error("the next run left the leftover zip")
	}
}
