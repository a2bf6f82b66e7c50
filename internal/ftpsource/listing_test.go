package ftpsource_test

import (
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

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

// serverOpts are options for srv in the given mode.
func serverOpts(srv *ftptest.Server, mode ftpsource.TLSMode) ftpsource.Options {
	opts := ftpsource.Options{Addr: srv.Addr, User: srv.User, Password: srv.Password,
		TLS: mode, Timeout: 10 * time.Second, Log: quiet()}
	if srv.Cert != nil {
		opts.TLSConfig = srv.Cert.ClientConfig()
	}
	return opts
}

// files returns the regular files of a listing.
func files(l ftpsource.Listing, err error) ([]ftpsource.Entry, error) { return l.Files, err }

func TestListReportsLinesItCannotRead(t *testing.T) {
	lines := []string{
		"total 24",
		"-rw-r--r--    1 ftp ftp  3 Jan 02 03:04 a.csv",
		"-rw-r--r--    1 ftp ftp  4 Foo 02 03:04 bad-month.csv",
		"crw-rw-rw-    1 0   0  1, 3 Jan 02 03:04 null",
		"lrwxrwxrwx    1 ftp ftp  5 Jan 02 03:04 link -> a.csv",
		"",
		"+i8388621.29609,m824255902,/,\tlegacy-EPLF.csv",
		"-rw-r--r--    1 ftp ftp  5 Jan 02 03:04 c.csv",
		"11-25-26  10:15AM        7 d.csv",
	}
	srv := ftptest.ScriptedT(t, ftptest.Script{Features: []string{"SIZE"}, Listings: map[string][]string{"/out": lines}})
	src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	l, err := src.List(context.Background(), "/out")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range l.Files {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "a.csv,c.csv,d.csv" {
		t.Errorf("files %s, want a.csv,c.csv,d.csv", got)
	}
	want := []string{lines[2], lines[3], lines[6]}
	if fmt.Sprintf("%q", l.Unparsed) != fmt.Sprintf("%q", want) {
		t.Errorf("unparsed %q, want %q", l.Unparsed, want)
	}
}

func TestListOverTheLimitFailsWholly(t *testing.T) {
	var lines []string
	for i := range 30 {
		lines = append(lines, fmt.Sprintf("-rw-r--r--    1 ftp ftp  3 Jan 02 03:04 f%02d.csv", i))
	}
	srv := ftptest.ScriptedT(t, ftptest.Script{Features: []string{"SIZE"},
		Listings: map[string][]string{"/big": lines, "/small": lines[:10]}})
	opts := scriptedOpts(srv, ftpsource.TLSNone)
	opts.MaxListEntries = 10
	opts.MaxConnections = 1
	src, err := ftpsource.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	l, err := src.List(context.Background(), "/big")
	if !errors.Is(err, ftpsource.ErrListingTooLong) || !strings.Contains(err.Error(), "10") || len(l.Files) != 0 {
		t.Fatalf("got %d files, %v; want ErrListingTooLong naming the limit", len(l.Files), err)
	}
	// Exactly the limit is fine, and the source still works.
	if entries, err := files(src.List(context.Background(), "/small")); err != nil || len(entries) != 10 {
		t.Fatalf("10 lines: %d files, %v", len(entries), err)
	}
}

func TestListOverTheLimitOverTLS(t *testing.T) {
	s := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Explicit})
	for i := range 12 {
		writeFile(t, filepath.Join(s.Dir, "in", fmt.Sprintf("f%02d.csv", i)), 10)
	}
	opts := serverOpts(s, ftpsource.TLSExplicit)
	opts.MaxListEntries = 11
	src, err := ftpsource.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.List(context.Background(), "/in"); !errors.Is(err, ftpsource.ErrListingTooLong) {
		t.Fatalf("got %v, want ErrListingTooLong", err)
	}
	if err := os.Remove(filepath.Join(s.Dir, "in", "f00.csv")); err != nil {
		t.Fatal(err)
	}
	l, err := src.List(context.Background(), "/in")
	if err != nil || len(l.Files) != 11 || len(l.Unparsed) != 0 {
		t.Fatalf("11 files: %d files, %d unparsed, %v", len(l.Files), len(l.Unparsed), err)
	}
}

func TestPlaintextWarnsOncePerSourceWithoutThePassword(t *testing.T) {
	for _, mode := range []ftpsource.TLSMode{ftpsource.TLSNone, ftpsource.TLSExplicit} {
		t.Run(string(mode), func(t *testing.T) {
			s := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Mode(mode), Password: "s3cret-Pa55"})
			for i := range 4 {
				writeFile(t, filepath.Join(s.Dir, "in", fmt.Sprintf("f%d.csv", i)), 10)
			}
			logs := &logbuf.Buffer{}
			opts := serverOpts(s, mode)
			opts.Log = slog.New(slog.NewJSONHandler(logs, nil))
			src, err := ftpsource.Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			entries, err := files(src.List(context.Background(), "/in"))
			if err != nil {
				t.Fatal(err)
			}
			// Several connections at once: still one warning.
			var wg sync.WaitGroup
			for _, e := range entries {
				wg.Go(func() {
					if _, err := fetchAll(t, src, "/in/"+e.Name, e.Size); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			warned := len(logs.JSONLines("FTPTLS=none: the FTP user name and password cross the network in clear text"))
			if want := map[ftpsource.TLSMode]int{ftpsource.TLSNone: 1, ftpsource.TLSExplicit: 0}[mode]; warned != want {
				t.Errorf("%d clear-text warnings, want %d:\n%s", warned, want, logs)
			}
			if strings.Contains(logs.String(), "s3cret-Pa55") {
				t.Error("the password reached the log")
			}
		})
	}
}

// BenchmarkListAtTheLimit lists a LIST-only folder of
// DefaultMaxListEntries files, each line seen by the capture that counts
// unreadable lines.
func BenchmarkListAtTheLimit(b *testing.B) {
	lines := make([]string, ftpsource.DefaultMaxListEntries)
	for i := range lines {
		lines[i] = fmt.Sprintf("-rw-r--r--    1 ftp      ftp      %8d Jan 02  2026 HR_20260102_%06d.csv", i, i)
	}
	srv := ftptest.ScriptedT(b, ftptest.Script{Features: []string{"SIZE"}, Listings: map[string][]string{"/out": lines}})
	src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	b.ReportAllocs()
	for b.Loop() {
		l, err := src.List(context.Background(), "/out")
		if err != nil || len(l.Files) != len(lines) || len(l.Unparsed) != 0 {
			b.Fatalf("%d files, %d unparsed, %v", len(l.Files), len(l.Unparsed), err)
		}
	}
	b.ReportMetric(float64(len(lines)), "lines/op")
}
