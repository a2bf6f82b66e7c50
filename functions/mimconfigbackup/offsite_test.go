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
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/mimtest"
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

// blobData reads a blob of the container; nil when there is none.
func blobData(t *testing.T, az *azuritetest.Server, name string) []byte {
	t.Helper()
	resp, err := az.Account.Blob.DownloadStream(context.Background(), "mim-config-backups", name, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// countDownloads makes the host count the downloads it serves.
func countDownloads(n *atomic.Int32) func(*mimtest.Server, *winrmtest.Host) {
	return func(_ *mimtest.Server, host *winrmtest.Host) {
		download := host.Scripts["download"]
		host.Scripts["download"] = func(ctx context.Context, c *winrmtest.Call) int {
			n.Add(1)
			return download(ctx, c)
		}
	}
}

// A failed upload keeps the zip on the server; the next run delivers both
// its own zip and that leftover, verified, and then removes the leftover,
// and nothing else.
func TestFailedUploadIsDeliveredByTheNextRun(t *testing.T) {
	f, az := offsiteFixture(t, nil)
	// The storage firewall refuses the upload.
	name := f.srv.Host + "/2026-11-24-2330.zip"
	proxy := useStorageProxy(t, f, az)
	proxy.refusing.Store(true)
	_, err := f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "upload") || !strings.Contains(err.Error(), `the zip stays on the server at C:\Backup\.2026-11-24-2330.zip`) {
		t.Fatalf("err = %v, want the upload failure", err)
	}
	leftover, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`)
	if err != nil {
		t.Fatalf("the zip is gone after a failed upload: %v", err)
	}
	if got := f.last.Figures()["offsiteCatchUp"]; got != 0 {
		t.Errorf("offsiteCatchUp after the failed night = %v", got)
	}
	decoys := []string{`C:\Backup\.notes.zip`, `C:\Backup\2026-11-20-2330.zip`, `C:\Backup\.2026-11-20-2330.zip.txt`,
		`C:\Backup\.2026-11-19-2330.zip\keep.txt`, `C:\Backup\2026-11-24-2330\.2026-11-18-2330.zip`}
	for _, p := range decoys {
		if err := f.mim.Disk.WriteFile(p, []byte("not a leftover")); err != nil {
			t.Fatal(err)
		}
	}
	proxy.refusing.Store(false) // the outage is over
	logs, err := f.run(t, night(25))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if got := blobData(t, az, name); !bytes.Equal(got, leftover) {
		t.Errorf("the leftover's blob holds %d bytes, want the %d of the leftover zip", len(got), len(leftover))
	}
	props, err := az.Account.Blob.ServiceClient().NewContainerClient("mim-config-backups").NewBlobClient(name).GetProperties(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSHA := sha256.Sum256(leftover)
	if got := metadata(props.Metadata, "sha256"); got != hex.EncodeToString(wantSHA[:]) {
		t.Errorf("the leftover's blob sha256 metadata %q", got)
	}
	if blobData(t, az, f.srv.Host+"/2026-11-25-2330.zip") == nil {
		t.Error("the night's own zip was not copied")
	}
	for _, zip := range []string{`C:\Backup\.2026-11-24-2330.zip`, `C:\Backup\.2026-11-25-2330.zip`} {
		if _, err := f.mim.Disk.ReadFile(zip); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was left on the server", zip)
		}
	}
	for _, p := range decoys {
		if b, err := f.mim.Disk.ReadFile(p); err != nil || string(b) != "not a leftover" {
			t.Errorf("%s was touched: %v", p, err)
		}
	}
	if got := f.last.Figures()["offsiteCatchUp"]; got != 1 {
		t.Errorf("offsiteCatchUp = %v, want 1", got)
	}
	if !strings.Contains(logs, "leftover zip of an earlier run stored and verified") || !strings.Contains(logs, `zip=C:\Backup\.2026-11-24-2330.zip`) {
		t.Errorf("the log does not name the delivered leftover:\n%s", logs)
	}
}

// A leftover whose blob is already stored and verifies (the zip's removal
// failed) is only removed: it is neither downloaded nor written again.
func TestLeftoverWhoseBlobVerifiesIsOnlyRemoved(t *testing.T) {
	var downloads atomic.Int32
	var removeFails atomic.Bool
	f, az := offsiteFixture(t, func(mim *mimtest.Server, host *winrmtest.Host) {
		countDownloads(&downloads)(mim, host)
		remove := host.Scripts["removezip"]
		host.Scripts["removezip"] = func(ctx context.Context, c *winrmtest.Call) int {
			if removeFails.Load() {
				fmt.Fprint(c.Stderr, "The process cannot access the file because it is being used by another process.\r\n")
				return 1
			}
			return remove(ctx, c)
		}
	})
	removeFails.Store(true)
	_, err := f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "removing the zip from the server failed") {
		t.Fatalf("err = %v, want the failed removal", err)
	}
	name := f.srv.Host + "/2026-11-24-2330.zip"
	bc := az.Account.Blob.ServiceClient().NewContainerClient("mim-config-backups").NewBlobClient(name)
	before, err := bc.GetProperties(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	removeFails.Store(false)
	downloads.Store(0)
	logs, err := f.run(t, night(25))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
		t.Error("the leftover stays on the server")
	}
	after, err := bc.GetProperties(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if *after.ETag != *before.ETag {
		t.Error("the leftover's blob was written again")
	}
	if n := downloads.Load(); n != 1 {
		t.Errorf("%d downloads, want 1 (the night's own zip only)", n)
	}
	if got := f.last.Figures()["offsiteCatchUp"]; got != 0 {
		t.Errorf("offsiteCatchUp = %v, want 0", got)
	}
	if !strings.Contains(logs, "already stored and verified; removing it only") {
		t.Errorf("the log does not say the leftover was only removed:\n%s", logs)
	}
}

// A leftover that cannot be delivered, as its backup is not complete or its
// folder is gone, is removed without upload, and the log says why.
func TestUndeliverableLeftoverIsRemovedWithoutUpload(t *testing.T) {
	var downloads atomic.Int32
	f, az := offsiteFixture(t, countDownloads(&downloads))
	name := f.srv.Host + "/2026-11-24-2330.zip"
	proxy := useStorageProxy(t, f, az)
	proxy.refusing.Store(true)
	f.mim.FailMAs = map[string]string{"HR": "The management agent is busy."}
	if _, err := f.run(t, night(24)); err == nil || !strings.Contains(err.Error(), "upload") {
		t.Fatalf("err = %v, want the failed step and the upload failure", err)
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); err != nil {
		t.Fatalf("the zip is gone after a failed upload: %v", err)
	}
	// A zip whose backup folder is gone.
	if err := f.mim.Disk.WriteFile(`C:\Backup\.2026-11-20-2330.zip`, []byte("PK\x05\x06")); err != nil {
		t.Fatal(err)
	}
	proxy.refusing.Store(false)
	f.mim.FailMAs = nil
	downloads.Store(0)
	logs, err := f.run(t, night(25))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	for _, zip := range []string{`C:\Backup\.2026-11-24-2330.zip`, `C:\Backup\.2026-11-20-2330.zip`} {
		if _, err := f.mim.Disk.ReadFile(zip); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s stays on the server", zip)
		}
	}
	if got := blobData(t, az, name); got != nil {
		t.Errorf("the incomplete backup's zip was uploaded (blob holds %d bytes)", len(got))
	}
	if blobData(t, az, f.srv.Host+"/2026-11-20-2330.zip") != nil {
		t.Error("the zip of a backup that is gone was uploaded")
	}
	if n := downloads.Load(); n != 1 {
		t.Errorf("%d downloads, want 1 (the night's own zip only)", n)
	}
	for _, want := range []string{`zip=C:\Backup\.2026-11-24-2330.zip why="its backup is not complete"`,
		`zip=C:\Backup\.2026-11-20-2330.zip why="its backup folder is gone"`, "without copying it off-site"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
	if got := f.last.Figures()["offsiteCatchUp"]; got != 0 {
		t.Errorf("offsiteCatchUp = %v, want 0", got)
	}
}

// A night whose own copy fails leaves the leftovers; a run delivers at most
// catchUpMax of them, oldest first, and says what it leaves for the next.
func TestCatchUpIsBoundedOldestFirst(t *testing.T) {
	old := catchUpMax
	catchUpMax = 1
	t.Cleanup(func() { catchUpMax = old })
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
	for _, day := range []int{23, 24} {
		if _, err := f.run(t, night(day)); err == nil || !strings.Contains(err.Error(), "download") {
			t.Fatalf("night %d: err = %v, want the download failure", day, err)
		}
	}
	if got := f.last.Figures()["offsiteLeftoversLeft"]; got != 1 {
		t.Errorf("a failed night left %v leftovers, want 1", got)
	}
	f.mim.BreakDownload = 0
	logs, err := f.run(t, night(25))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if blobData(t, az, f.srv.Host+"/2026-11-23-2330.zip") == nil || blobData(t, az, f.srv.Host+"/2026-11-24-2330.zip") != nil {
		t.Error("the run did not deliver the oldest leftover alone")
	}
	if got := f.last.Figures()["offsiteLeftoversLeft"]; got != 1 {
		t.Errorf("offsiteLeftoversLeft = %v, want 1", got)
	}
	if !strings.Contains(logs, `left on the server for the next run" count=1 why="a run delivers at most 1" zips=C:\Backup\.2026-11-24-2330.zip`) {
		t.Errorf("the log does not say what is left:\n%s", logs)
	}
	if logs, err := f.run(t, night(26)); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if blobData(t, az, f.srv.Host+"/2026-11-24-2330.zip") == nil {
		t.Error("the next run did not deliver the last leftover")
	}
	if got := f.last.Figures()["offsiteCatchUp"]; got != 1 {
		t.Errorf("offsiteCatchUp = %v, want 1", got)
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
	if blobData(t, az, f.srv.Host+"/2026-11-24-2330.zip") == nil {
		t.Error("the next run did not deliver the leftover")
	}
}

// A leftover is sorted out before retention runs: the zip of a backup that
// retention deletes in the same run is still delivered.
func TestLeftoverOfABackupRetentionDeletesIsDelivered(t *testing.T) {
	f, az := offsiteFixture(t, nil)
	f.env["MIMBackupRetentionDays"] = "30"
	f.env["MIMBackupKeepMin"] = "1"
	writeBackup(t, f, "2026-09-01-2330", completeBackup)
	zipData := []byte("PK\x05\x06 the zip of an old backup")
	if err := f.mim.Disk.WriteFile(`C:\Backup\.2026-09-01-2330.zip`, zipData); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, night(24))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if exists(t, f, "2026-09-01-2330") {
		t.Fatal("retention kept the old backup; the test needs it deleted")
	}
	if got := blobData(t, az, f.srv.Host+"/2026-09-01-2330.zip"); !bytes.Equal(got, zipData) {
		t.Errorf("the leftover's blob holds %q", got)
	}
	if exists(t, f, ".2026-09-01-2330.zip") {
		t.Error("the delivered leftover stays on the server")
	}
	if got := f.last.Figures()["offsiteCatchUp"]; got != 1 {
		t.Errorf("offsiteCatchUp = %v, want 1", got)
	}
}

// No leftover is started with less than catchUpMinLeft to the run
// deadline: it waits on the server, and the log says so.
func TestCatchUpStartsNothingNearTheDeadline(t *testing.T) {
	old := catchUpMinLeft
	catchUpMinLeft = runDeadline + time.Minute // more than any run has
	t.Cleanup(func() { catchUpMinLeft = old })
	f, az := offsiteFixture(t, nil)
	writeBackup(t, f, "2026-11-20-2330", completeBackup)
	if err := f.mim.Disk.WriteFile(`C:\Backup\.2026-11-20-2330.zip`, []byte("PK\x05\x06")); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, night(24))
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if !exists(t, f, ".2026-11-20-2330.zip") || blobData(t, az, f.srv.Host+"/2026-11-20-2330.zip") != nil {
		t.Error("a leftover was delivered with the run deadline near")
	}
	if blobData(t, az, f.srv.Host+"/2026-11-24-2330.zip") == nil {
		t.Error("the night's own zip was not copied")
	}
	if got := f.last.Figures()["offsiteLeftoversLeft"]; got != 1 {
		t.Errorf("offsiteLeftoversLeft = %v, want 1", got)
	}
	if !strings.Contains(logs, `why="the run deadline is near" zips=C:\Backup\.2026-11-20-2330.zip`) {
		t.Errorf("the log does not say what is left and why:\n%s", logs)
	}
}
