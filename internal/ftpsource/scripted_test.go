package ftpsource_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

func scriptedOpts(srv *ftptest.Scripted, mode ftpsource.TLSMode) ftpsource.Options {
	return ftpsource.Options{Addr: srv.Addr, User: "user", Password: "pa55-word", TLS: mode,
		Timeout: 5 * time.Second, Log: quiet()}
}

func TestListWithoutMLSD(t *testing.T) {
	thisYear := time.Now().UTC().Year()
	tests := []struct {
		name  string
		lines []string
		want  map[string]ftpsource.Entry // by name; Precise is always false
	}{
		{"unix, recent time and older year", []string{
			"total 3",
			"-rw-r--r--    1 1000     1000         1234 Jan 02 03:04 HR_a.csv",
			"-rw-r--r--    1 1000     1000           10 Mar 15  2024 old.csv",
			"drwxr-xr-x    2 1000     1000         4096 Jan 02 03:04 sub",
			"lrwxrwxrwx    1 1000     1000            7 Jan 02 03:04 link -> HR_a.csv",
			"-rw-r--r--    1 1000     1000            5 Jan 02 03:04 with space.csv",
		}, map[string]ftpsource.Entry{
			"HR_a.csv":       {Size: 1234, ModTime: time.Date(thisYear, 1, 2, 3, 4, 0, 0, time.UTC)},
			"old.csv":        {Size: 10, ModTime: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), DateOnly: true},
			"with space.csv": {Size: 5, ModTime: time.Date(thisYear, 1, 2, 3, 4, 0, 0, time.UTC)},
		}},
		{"ms-dos style of IIS, two-digit year", []string{
			"11-25-26  10:15AM                 1234 HR_20261125.csv",
			"11-24-26  11:59PM       <DIR>          archive",
			"01-02-06  03:04PM                    7 x y.txt",
		}, map[string]ftpsource.Entry{
			"HR_20261125.csv": {Size: 1234, ModTime: time.Date(2026, 11, 25, 10, 15, 0, 0, time.UTC)},
			"x y.txt":         {Size: 7, ModTime: time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
		}},
		{"ms-dos style of IIS, four-digit year", []string{
			"11-25-2026  12:05AM                 99 a.csv",
		}, map[string]ftpsource.Entry{
			"a.csv": {Size: 99, ModTime: time.Date(2026, 11, 25, 0, 5, 0, 0, time.UTC)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ftptest.ScriptedT(t, ftptest.Script{Features: []string{"SIZE"},
				Listings: map[string][]string{"/out": tt.lines}})
			src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			entries, err := files(src.List(context.Background(), "/out"))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(tt.want) {
				t.Fatalf("listed %+v, want %d files", entries, len(tt.want))
			}
			for _, e := range entries {
				w, ok := tt.want[e.Name]
				if !ok {
					t.Errorf("unexpected %q", e.Name)
					continue
				}
				if e.Size != w.Size || !e.ModTime.Equal(w.ModTime) || e.Precise || e.DateOnly != w.DateOnly {
					t.Errorf("%s: got %d %v precise=%v dateOnly=%v, want %d %v imprecise dateOnly=%v",
						e.Name, e.Size, e.ModTime, e.Precise, e.DateOnly, w.Size, w.ModTime, w.DateOnly)
				}
			}
		})
	}
}

func TestListOfMissingAndEmptyDirectory(t *testing.T) {
	tests := []struct {
		name   string
		script ftptest.Script
	}{
		{"550 for missing", ftptest.Script{}},
		{"empty success for missing (vsftpd)", ftptest.Script{MissingDirEmpty: true}},
		{"550 for empty (FileZilla Server)", ftptest.Script{EmptyDirReply: "550 Couldn't open the file or directory"}},
		{"550 No files found for empty", ftptest.Script{EmptyDirReply: "550 No files found"}},
		{"450 for empty", ftptest.Script{EmptyDirReply: "450 No files found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.script.Listings = map[string][]string{"/empty": nil,
				"/full": {"-rw-r--r--    1 0 0 3 Jan 02 03:04 a.csv"}}
			srv := ftptest.ScriptedT(t, tt.script)
			src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if _, err := files(src.List(context.Background(), "/nope")); !errors.Is(err, ftpsource.ErrNoDirectory) {
				t.Errorf("missing folder: got %v, want ErrNoDirectory", err)
			}
			if entries, err := files(src.List(context.Background(), "/empty")); err != nil || len(entries) != 0 {
				t.Errorf("empty folder: %v %v", entries, err)
			}
			// The connection is still usable and back in its login folder.
			if entries, err := files(src.List(context.Background(), "/full")); err != nil || len(entries) != 1 {
				t.Errorf("after: %v %v", entries, err)
			}
		})
	}
}

func TestAuthTLSRefusedSaysSetNone(t *testing.T) {
	for _, reply := range []string{
		"502 Command not implemented.",
		"500 AUTH not understood",
		"504 Security mechanism not understood.",
		"534 Request denied for policy reasons.",
		"530 Please login with USER and PASS.",
		"431 Unable to accept security mechanism.",
	} {
		t.Run(reply[:3], func(t *testing.T) {
			srv := ftptest.ScriptedT(t, ftptest.Script{AuthReply: reply})
			_, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSExplicit))
			if !errors.Is(err, ftpsource.ErrNoTLS) || !strings.Contains(err.Error(), "FTPTLS=none") {
				t.Fatalf("got %v, want ErrNoTLS naming FTPTLS=none", err)
			}
		})
	}
}

func TestGreetingRefusalIsNotATLSProblem(t *testing.T) {
	srv := ftptest.ScriptedT(t, ftptest.Script{Greeting: "500 OOPS: vsftpd: cannot read config"})
	_, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSExplicit))
	if err == nil || errors.Is(err, ftpsource.ErrNoTLS) || strings.Contains(err.Error(), "FTPTLS=none") {
		t.Fatalf("got %v, want a connect error that does not blame TLS", err)
	}
	if !strings.Contains(err.Error(), "OOPS") {
		t.Errorf("error lacks the server's reply: %v", err)
	}
}

func TestTooManyConnectionsRecognised(t *testing.T) {
	for _, s := range []ftptest.Script{
		{Greeting: "421 There are too many connections from your internet address."},
		{PassReply: "530 Sorry, the maximum number of clients (2) for this user are already connected."},
		{PassReply: "421 Too many users - please try again later."},
	} {
		srv := ftptest.ScriptedT(t, s)
		opts := scriptedOpts(srv, ftpsource.TLSNone)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := ftpsource.Open(ctx, opts)
		cancel()
		if err == nil {
			t.Fatalf("%+v: connected", s)
		}
		if !errors.Is(err, ftpsource.ErrTooManyConnections) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%+v: got %v, want ErrTooManyConnections", s, err)
		}
	}
}

func TestLoginErrorNeverRepeatsThePassword(t *testing.T) {
	srv := ftptest.ScriptedT(t, ftptest.Script{PassReply: "530 Login incorrect for PASS pa55-word"})
	_, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
	if err == nil {
		t.Fatal("logged in")
	}
	if strings.Contains(err.Error(), "pa55-word") {
		t.Fatalf("error repeats the password: %v", err)
	}
}

func TestModTimeUsesMDTM(t *testing.T) {
	when := time.Date(2026, 11, 25, 9, 59, 58, 0, time.UTC)
	srv := ftptest.ScriptedT(t, ftptest.Script{Features: []string{"MDTM", "SIZE"},
		Files: map[string]string{"/out/a.csv": "abc"}, ModTimes: map[string]time.Time{"/out/a.csv": when}})
	src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := src.ModTime(context.Background(), "/out/a.csv")
	if err != nil || !got.Equal(when) {
		t.Fatalf("got %v %v, want %v", got, err, when)
	}
	if _, err := src.ModTime(context.Background(), "/out/missing.csv"); err == nil {
		t.Error("MDTM of a missing file succeeded")
	}

	plain := ftptest.ScriptedT(t, ftptest.Script{Features: []string{"SIZE"}})
	src2, err := ftpsource.Open(context.Background(), scriptedOpts(plain, ftpsource.TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	if _, err := src2.ModTime(context.Background(), "/out/a.csv"); !errors.Is(err, ftpsource.ErrNoModTime) {
		t.Errorf("server without MDTM: got %v, want ErrNoModTime", err)
	}
}

func TestTransferEndingWith250IsComplete(t *testing.T) {
	srv := ftptest.ScriptedT(t, ftptest.Script{DoneReply: "250 Transfer complete.",
		Listings: map[string][]string{"/out": {"11-25-26  10:15AM                    3 a.csv"}},
		Files:    map[string]string{"/out/a.csv": "abc"}})
	src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	entries, err := files(src.List(context.Background(), "/out"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("list: %v %v", entries, err)
	}
	got, err := fetchAll(t, src, "/out/a.csv", 3)
	if err != nil || string(got) != "abc" {
		t.Fatalf("fetch: %q %v", got, err)
	}
}

func TestDataConnectionFailuresAreErrors(t *testing.T) {
	tests := []struct {
		name   string
		script ftptest.Script
		want   string
	}{
		{"425 before the transfer", ftptest.Script{RetrReply: "425 Can't open data connection."}, "425"},
		// This server ends every transfer with 426, listings included.
		{"426 after all bytes", ftptest.Script{DoneReply: "426 Connection closed; transfer aborted."}, "426"},
		{"550 file gone", ftptest.Script{RetrReply: "550 a.csv: No such file or directory"}, "550"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.script.Listings = map[string][]string{"/out": {"-rw-r--r-- 1 0 0 3 Jan 02 03:04 a.csv"}}
			tt.script.Files = map[string]string{"/out/a.csv": "abc"}
			srv := ftptest.ScriptedT(t, tt.script)
			src, err := ftpsource.Open(context.Background(), scriptedOpts(srv, ftpsource.TLSNone))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if _, err := fetchAll(t, src, "/out/a.csv", 3); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %s", err, tt.want)
			}
			// The source still works afterwards (and a listing that ends
			// with 426 is an error too).
			entries, err := files(src.List(context.Background(), "/out"))
			if tt.script.DoneReply != "" {
				if err == nil {
					t.Fatalf("a listing ended with %s succeeded", tt.script.DoneReply)
				}
			} else if err != nil || len(entries) != 1 {
				t.Fatalf("list after the failure: %v %v", entries, err)
			}
		})
	}
}
