package ftpsource_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/logbuf"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// vsftpd runs as the launching user without chroot, so paths are relative
// to its anonymous root.
func vsftpdSource(t *testing.T, v *ftptest.Vsftpd, mode ftpsource.TLSMode, conns int) *ftpsource.Source {
	t.Helper()
	opts := ftpsource.Options{Addr: v.Addr, User: "anonymous", Password: "anonymous", TLS: mode,
		MaxConnections: conns, Timeout: 10 * time.Second, Log: quiet()}
	if v.Cert != nil {
		opts.TLSConfig = v.Cert.ClientConfig()
	}
	src, err := ftpsource.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestVsftpdTLSWithSessionReuseRequired(t *testing.T) {
	for _, mode := range []ftptest.Mode{ftptest.Explicit, ftptest.Implicit} {
		t.Run(string(mode), func(t *testing.T) {
			root := t.TempDir()
			want := writeFile(t, filepath.Join(root, "data", "HR_20261125.csv"), 2<<20)
			v := ftptest.VsftpdT(t, ftptest.VsftpdOptions{Root: root, Mode: mode})
			src := vsftpdSource(t, v, ftpsource.TLSMode(mode), 2)
			entries, err := files(src.List(context.Background(), "data"))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name != "HR_20261125.csv" || entries[0].Size != int64(len(want)) {
				t.Fatalf("listed %+v", entries)
			}
			if entries[0].Precise {
				t.Error("vsftpd has no MLSD, yet the listing claims precise times")
			}
			for i := 0; i < 3; i++ {
				got, err := fetchAll(t, src, "data/HR_20261125.csv", int64(len(want)))
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("fetch %d: %v", i, err)
				}
			}
		})
	}
}

func TestVsftpdExplicitTLSRequiredPlainRefused(t *testing.T) {
	root := t.TempDir()
	v := ftptest.VsftpdT(t, ftptest.VsftpdOptions{Root: root, Mode: ftptest.Explicit})
	_, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: v.Addr, User: "anonymous",
		Password: "x", TLS: ftpsource.TLSNone, Timeout: 5 * time.Second, Log: quiet()})
	if err == nil {
		t.Fatal("plaintext login accepted by a TLS-only vsftpd")
	}
	if !strings.Contains(err.Error(), "FTPTLS=explicit") {
		t.Errorf("no hint at FTPTLS=explicit: %v", err)
	}
}

func TestVsftpdMissingDirectoryIsAnError(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "data", "x"), 1)
	v := ftptest.VsftpdT(t, ftptest.VsftpdOptions{Root: root})
	src := vsftpdSource(t, v, ftpsource.TLSNone, 1)
	// vsftpd answers LIST of a missing directory with an empty success.
	if _, err := files(src.List(context.Background(), "nope")); !errors.Is(err, ftpsource.ErrNoDirectory) {
		t.Fatalf("got %v, want ErrNoDirectory", err)
	}
	// and the connection still works, in the login directory
	if entries, err := files(src.List(context.Background(), "data")); err != nil || len(entries) != 1 {
		t.Fatalf("after the miss: %v %v", entries, err)
	}
}

func TestVsftpd421ShrinksThePool(t *testing.T) {
	root := t.TempDir()
	files := map[string][]byte{}
	for i := range 8 {
		files[fmt.Sprintf("f%d.bin", i)] = writeFile(t, filepath.Join(root, fmt.Sprintf("f%d.bin", i)), 200_000)
	}
	v := ftptest.VsftpdT(t, ftptest.VsftpdOptions{Root: root, MaxPerIP: 2})
	var logs logbuf.Buffer
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: v.Addr, User: "anonymous",
		Password: "x", TLS: ftpsource.TLSNone, MaxConnections: 4, Timeout: 10 * time.Second,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var wg sync.WaitGroup
	for name, want := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := fetchAll(t, src, name, int64(len(want)))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	if !strings.Contains(logs.String(), "refused") {
		t.Errorf("no 421 was seen or logged; logs:\n%s", logs.String())
	}
}

// TestVsftpdListsOldFilesByDate: vsftpd, like ls, shows the time of a file
// under six months old and the date alone of an older one; the listing
// says which, with nothing left unread.
func TestVsftpdListsOldFilesByDate(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "data", "recent.csv"), 10)
	writeFile(t, filepath.Join(root, "data", "old.csv"), 10)
	old := time.Date(2024, 1, 1, 12, 34, 56, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "data", "old.csv"), old, old); err != nil {
		t.Fatal(err)
	}
	v := ftptest.VsftpdT(t, ftptest.VsftpdOptions{Root: root, Mode: ftptest.Explicit})
	l, err := vsftpdSource(t, v, ftpsource.TLSExplicit, 1).List(context.Background(), "data")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Files) != 2 || len(l.Unparsed) != 0 {
		t.Fatalf("listed %+v, unparsed %q", l.Files, l.Unparsed)
	}
	for _, e := range l.Files {
		wantDateOnly := e.Name == "old.csv"
		if e.DateOnly != wantDateOnly {
			t.Errorf("%s: DateOnly = %v, want %v", e.Name, e.DateOnly, wantDateOnly)
		}
		if wantDateOnly && !e.ModTime.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: listed %v, want the date alone", e.Name, e.ModTime)
		}
	}
}
