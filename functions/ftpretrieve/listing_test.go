package ftpretrieve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// scriptedFixture joins a scripted LIST-only server to Azurite and a
// local target.
func scriptedFixture(t *testing.T, script ftptest.Script) (*fixture, *ftptest.Scripted) {
	t.Helper()
	az := azuritetest.Start(t)
	srv := ftptest.ScriptedT(t, script)
	return &fixture{az: az, env: settings.MapEnv{
		"AzureWebJobsStorage": az.ConnectionString, "OpsTimeZone": "UTC",
		"FTPServer": srv.Addr, "FTPUsername": "u", "FTPPassword": "p", "FTPTLS": "none",
		"FTPSourceDirectory": "/outbox", "FTPFilePattern": "*.csv",
		"FTPTarget": "local", "FTPTargetDirectory": t.TempDir(), "FTPTargetSubfolder": "", "FTPTimeout": "5s",
	}}, srv
}

func unixLine(name string, size int) string {
	return fmt.Sprintf("-rw-r--r--    1 ftp      ftp      %d Jan 02  2026 %s", size, name)
}

// TestRunCountsListingLinesItCannotRead: lines the FTP library cannot
// read are counted, logged, reported by the check, and stop the run from
// forgetting delivered files (one may be on such a line).
func TestRunCountsListingLinesItCannotRead(t *testing.T) {
	garbled := []string{"-rw-r--r--    1 ftp ftp 3 Foo 02 03:04 hidden.csv", "+i8388621.29609,m824255902,/,\tlegacy.csv"}
	f, srv := scriptedFixture(t, ftptest.Script{Features: []string{"SIZE"},
		Listings: map[string][]string{"/outbox": append([]string{"total 8", unixLine("a.csv", 3)}, garbled...)},
		Files:    map[string]string{"/outbox/a.csv": "abc", "/outbox/b.csv": "bc"}})
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	wantCounts(t, logs, 1, 0, 0, 0)
	f.wantFigures(t, map[string]int{"listingUnparsed": 2, "stateRecords": 1})
	if s := summaryOf(t, logs); s["unparsed"] != float64(2) {
		t.Errorf("summary unparsed = %v, want 2", s["unparsed"])
	}
	warn := logs.find("listing lines not understood: files on them are not seen, and no delivered file is forgotten this run")
	if len(warn) != 1 || warn[0]["count"] != float64(2) || !strings.Contains(fmt.Sprint(warn[0]["lines"]), "hidden.csv") {
		t.Fatalf("no warning naming the lines:\n%s", logs)
	}

	inv := &function.Invocation{ID: "check", Function: "FtpRetrieve", Env: f.env,
		Log: slog.New(slog.DiscardHandler), Clock: time.Now, Outputs: map[string]any{}}
	rows := Declaration.Check(context.Background(), inv)
	if len(rows) < 3 || !strings.Contains(rows[2].Why, "2 line(s) not understood") || !strings.Contains(rows[2].Why, "legacy.csv") {
		t.Errorf("check does not report the lines: %+v", rows)
	}

	// a.csv is gone from the readable lines, but unreadable ones remain:
	// its record stays. Once the listing is whole, it goes.
	srv.SetListing("/outbox", append([]string{unixLine("b.csv", 2)}, garbled...))
	if _, err := f.invoke(t); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, map[string]int{"filesDelivered": 1, "stateRecords": 2})
	srv.SetListing("/outbox", []string{unixLine("b.csv", 2)})
	if _, err := f.invoke(t); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, map[string]int{"filesDelivered": 0, "listingUnparsed": 0, "stateRecords": 1})
}

// TestRunRefusesAListingOverTheLimit: a listing of more lines than
// ftpsource.DefaultMaxListEntries fails the run before anything is
// fetched or forgotten.
func TestRunRefusesAListingOverTheLimit(t *testing.T) {
	lines := make([]string, ftpsource.DefaultMaxListEntries+1)
	for i := range lines {
		lines[i] = unixLine(fmt.Sprintf("f%06d.csv", i), 1)
	}
	f, _ := scriptedFixture(t, ftptest.Script{Features: []string{"SIZE"},
		Listings: map[string][]string{"/outbox": lines},
		Files:    map[string]string{"/outbox/f000000.csv": "x"}})
	logs, err := f.invoke(t)
	if !errors.Is(err, ftpsource.ErrListingTooLong) || !strings.Contains(err.Error(), "100000") {
		t.Fatalf("got %v, want ErrListingTooLong naming the limit", err)
	}
	wantCounts(t, logs, 0, 0, 0, 0)
	if got := filesUnder(t, f.env["FTPTargetDirectory"]); len(got) != 0 {
		t.Fatalf("delivered %v from a listing over the limit", got)
	}
}
