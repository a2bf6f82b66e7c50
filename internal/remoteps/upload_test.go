package remoteps_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// randomData returns n reproducible pseudo-random bytes.
func randomData(n int) []byte {
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

func TestUpload(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"1 MiB + 1", 1<<20 + 1},
		{"64 MiB", 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randomData(tt.size)
			sum := sha256.Sum256(data)
			remote := `C:\MIM\Drop\2026-11-25\` + strings.ReplaceAll(tt.name, " ", "_") + ".bin"
			res, err := c.Upload(context.Background(), bytes.NewReader(data), remote)
			if err != nil {
				t.Fatal(err)
			}
			if res.Size != int64(tt.size) || res.SHA256 != hex.EncodeToString(sum[:]) || res.RemotePath != remote {
				t.Errorf("result %+v, want %d bytes with SHA-256 %x at %s", res, tt.size, sum, remote)
			}
			got, err := srv.Disk.ReadFile(remote)
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(got) != sum {
				t.Errorf("the file on the host differs from what was sent (%d bytes, want %d)", len(got), tt.size)
			}
			assertOnlyFiles(t, srv.Disk, `C:\MIM\Drop\2026-11-25`)
			assertNoShells(t, srv)
		})
	}
}

// A target name near the 255-character limit must not be pushed past it by
// the temporary name the upload writes first.
func TestUploadOfANameNearTheLengthLimit(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	remote := `C:\MIM\Drop\` + strings.Repeat("n", 246) + ".csv"
	data := randomData(1000)
	if _, err := c.Upload(context.Background(), bytes.NewReader(data), remote); err != nil {
		t.Fatal(err)
	}
	if got, err := srv.Disk.ReadFile(remote); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the file did not arrive whole (err %v)", err)
	}
	assertOnlyFiles(t, srv.Disk, `C:\MIM\Drop`)
}

func TestUploadReplacesAnOlderFile(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	const remote = `C:\MIM\Drop\hr.csv`
	for _, content := range []string{"old,content\n", "new\n"} {
		if _, err := c.Upload(context.Background(), strings.NewReader(content), remote); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := srv.Disk.ReadFile(remote); string(got) != "new\n" {
		t.Errorf("file holds %q, want the second upload", got)
	}
}

// brokenReader yields n bytes, then fails, like a download whose connection drops.
type brokenReader struct {
	r io.Reader
	n int
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	if len(p) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= n
	return n, err
}

func TestUploadCutOffLeavesNoFile(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	const remote = `C:\MIM\Drop\partial.csv`
	src := &brokenReader{r: bytes.NewReader(randomData(8 << 20)), n: 3 << 20}
	_, err := c.Upload(context.Background(), src, remote)
	if err == nil || !strings.Contains(err.Error(), "connection reset by peer") {
		t.Fatalf("err = %v, want the source's failure", err)
	}
	if _, err := srv.Disk.ReadFile(remote); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file exists under the final name after a cut-off upload (err %v)", err)
	}
	assertOnlyFiles(t, srv.Disk, `C:\MIM\Drop`)
	assertNoShells(t, srv)
}

// A TLS connection cut mid-record surfaces as io.ErrUnexpectedEOF from the
// source: that is a failed read, never the end of the file.
func TestUploadUnexpectedEOFFromSourceLeavesNoFile(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	const remote = `C:\MIM\Drop\truncated.csv`
	src := io.MultiReader(bytes.NewReader(randomData(1<<20+7)), readerFunc(func(p []byte) (int, error) {
		return 0, fmt.Errorf("tls: %w", io.ErrUnexpectedEOF)
	}))
	_, err := c.Upload(context.Background(), src, remote)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want the source's io.ErrUnexpectedEOF", err)
	}
	if _, err := srv.Disk.ReadFile(remote); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a truncated file exists under the final name (err %v)", err)
	}
	assertNoShells(t, srv)
}

func TestUploadCancelledLeavesNoFile(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	const remote = `C:\MIM\Drop\cancelled.bin`
	ctx, cancel := context.WithCancel(context.Background())
	src := io.MultiReader(bytes.NewReader(randomData(2<<20)), readerFunc(func(p []byte) (int, error) {
		cancel()
		return 0, ctx.Err()
	}))
	if _, err := c.Upload(ctx, src, remote); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := srv.Disk.ReadFile(remote); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file exists under the final name after a cancelled upload (err %v)", err)
	}
	assertNoShells(t, srv)
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestUploadRefusesBadRemotePaths(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	for _, p := range []string{`relative\file.csv`, `C:\Drop\..\Windows\win.ini`, `C:\Drop\a|b.csv`, `C:\Drop\`} {
		if _, err := c.Upload(context.Background(), strings.NewReader("x"), p); err == nil {
			t.Errorf("Upload to %q succeeded, want a refusal", p)
		}
	}
	if srv.Stats().Commands != 0 {
		t.Error("a refused path still reached the server")
	}
}

// assertOnlyFiles fails when a temporary upload file is left in a folder.
func assertOnlyFiles(t *testing.T, d *winrmtest.Disk, folder string) {
	t.Helper()
	dir, err := d.Path(folder)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("temporary file %s left behind", filepath.Join(folder, e.Name()))
		}
	}
}

func TestCheckRemotePath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{`C:\Data\Drop\hr.csv`, true},
		{`D:\x`, true},
		{`\\fileserver\share\drop\hr.csv`, true},
		{`C:\Data\..\hr.csv`, false},
		{`C:\Data\.\hr.csv`, false},
		{`C:hr.csv`, false},
		{`/etc/passwd`, false},
		{`C:\Data\hr.csv.`, false},
		{`C:\Data\h*r.csv`, false},
		{"C:\\Data\\h\nr.csv", false},
		{`C:\Data\\hr.csv`, false},
		{`\\server\share`, false},
	}
	for _, tt := range tests {
		err := remoteps.CheckRemotePath(tt.path)
		if (err == nil) != tt.ok {
			t.Errorf("CheckRemotePath(%q) = %v, want ok=%v", tt.path, err, tt.ok)
		}
	}
}

func TestDownload(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	for _, size := range []int{0, 1, 196608*3 + 7} {
		data := randomData(size)
		const remote = `C:\Backup\copy.zip`
		if err := srv.Disk.WriteFile(remote, data); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		res, err := c.Download(context.Background(), remote, &got, remoteps.DownloadOptions{Remove: true})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if !bytes.Equal(got.Bytes(), data) || res.Size != int64(size) || res.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("size %d: got %d bytes, result %+v", size, got.Len(), res)
		}
		if _, err := srv.Disk.ReadFile(remote); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("size %d: the remote file was not removed", size)
		}
	}
	if _, err := c.Download(context.Background(), `C:\Backup\missing.zip`, io.Discard, remoteps.DownloadOptions{}); err == nil {
		t.Error("downloading a missing file succeeded")
	}
	assertNoShells(t, srv)
}

func TestUploadsInParallel(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	c := newClient(t, srv.ClientConfig())
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			data := randomData(600_000 + i)
			_, err := c.Upload(context.Background(), bytes.NewReader(data), `C:\Drop\parallel-`+string(rune('a'+i))+`.bin`)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i := range 4 {
		got, err := srv.Disk.ReadFile(`C:\Drop\parallel-` + string(rune('a'+i)) + `.bin`)
		if err != nil || !bytes.Equal(got, randomData(600_000+i)) {
			t.Errorf("file %d: %d bytes, err %v", i, len(got), err)
		}
	}
	assertNoShells(t, srv)
}
