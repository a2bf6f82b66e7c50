package mimconfigbackup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
)

// The backup account's container is immutable: a blob can be created once
// and then neither changed (content, metadata, properties) nor deleted
// before its retention ends. Azurite does not enforce that, so these tests
// check what the code asks of the service.

// TestOffsiteCopyOnlyCreates: the copy is one commit that creates the blob
// with its Content-MD5 and sha256 metadata, and only if the name is free
// (If-None-Match: *); the code never sets metadata or properties afterwards,
// never puts a blob whole over a name, and never deletes.
func TestOffsiteCopyOnlyCreates(t *testing.T) {
	f, az := offsiteFixture(t, nil)
	proxy := useStorageProxy(t, f, az)
	if logs, err := f.run(t, night(24)); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	name := f.srv.Host + "/2026-11-24-2330.zip"
	zipData := blobData(t, az, name)
	wantSHA := sha256.Sum256(zipData)
	commits := 0
	for _, r := range proxy.seen() {
		blobPath := strings.HasSuffix(r.Path, "/"+name)
		switch {
		case r.Method == http.MethodDelete:
			t.Errorf("DELETE %s: the code deleted something", r.Path)
		case r.Comp == "metadata" || r.Comp == "properties":
			if r.Method == http.MethodPut {
				t.Errorf("PUT %s?comp=%s: an immutable blob refuses it", r.Path, r.Comp)
			}
		case blobPath && r.Method == http.MethodPut && r.Comp == "":
			t.Errorf("PUT %s (Put Blob): a whole-blob write could overwrite", r.Path)
		case blobPath && r.Comp == "blocklist":
			commits++
			if got := r.Header.Get("If-None-Match"); got != "*" {
				t.Errorf("the commit's If-None-Match is %q, want *", got)
			}
			if got := r.Header.Get("x-ms-meta-sha256"); got != hex.EncodeToString(wantSHA[:]) {
				t.Errorf("the commit's sha256 metadata is %q, want %x", got, wantSHA)
			}
			if r.Header.Get("x-ms-blob-content-md5") == "" || r.Header.Get("x-ms-blob-content-type") != "application/zip" {
				t.Errorf("the commit lacks the Content-MD5 or the content type: %v", r.Header)
			}
		}
	}
	if commits != 1 {
		t.Errorf("%d commits of %s, want 1", commits, name)
	}
}

// TestOffsiteCopyKeepsABlobThatHasItsName: a different blob under the
// night's name is kept, the run fails saying so, and the zip stays on the
// server; nothing is overwritten.
func TestOffsiteCopyKeepsABlobThatHasItsName(t *testing.T) {
	f, az := offsiteFixture(t, nil)
	name := f.srv.Host + "/2026-11-24-2330.zip"
	ctx := context.Background()
	if err := az.Account.EnsureContainer(ctx, "mim-config-backups"); err != nil {
		t.Fatal(err)
	}
	if _, err := az.Account.Blob.UploadBuffer(ctx, "mim-config-backups", name, []byte("someone else's"), nil); err != nil {
		t.Fatal(err)
	}
	_, err := f.run(t, night(24))
	if err == nil || !strings.Contains(err.Error(), "already holds a different blob, which is kept") ||
		!strings.Contains(err.Error(), `the zip stays on the server at C:\Backup\.2026-11-24-2330.zip`) {
		t.Fatalf("err = %v, want the name taken and the zip kept", err)
	}
	if got := string(blobData(t, az, name)); got != "someone else's" {
		t.Errorf("the blob was overwritten: %d bytes", len(got))
	}
	if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); err != nil {
		t.Errorf("the zip left the server: %v", err)
	}
}

// TestOffsiteCopyWhoseCommitAnswerWasLost: the commit reached the service
// but its answer did not; the retried commit is refused, as the name is
// taken (If-None-Match) or the blob immutable, by the same zip, which counts
// as stored and verified: the run succeeds and the zip leaves the server.
func TestOffsiteCopyWhoseCommitAnswerWasLost(t *testing.T) {
	for _, tc := range []struct {
		name      string
		immutable bool
	}{
		{"retry refused as the name is taken (409 BlobAlreadyExists)", false},
		{"retry refused by the retention policy (409 BlobImmutableDueToPolicy)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, az := offsiteFixture(t, nil)
			proxy := useStorageProxy(t, f, az)
			proxy.loseCommits.Store(1)
			proxy.immutable.Store(tc.immutable)
			if logs, err := f.run(t, night(24)); err != nil {
				t.Fatalf("%v\n%s", err, logs)
			}
			commits := 0
			for _, r := range proxy.seen() {
				if r.Comp == "blocklist" {
					commits++
				}
			}
			if commits < 2 {
				t.Fatalf("%d commits: the lost answer was not retried", commits)
			}
			if blobData(t, az, f.srv.Host+"/2026-11-24-2330.zip") == nil {
				t.Fatal("no blob")
			}
			if _, err := f.mim.Disk.ReadFile(`C:\Backup\.2026-11-24-2330.zip`); !errors.Is(err, os.ErrNotExist) {
				t.Error("the zip stayed on the server")
			}
		})
	}
}
