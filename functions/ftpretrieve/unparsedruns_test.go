package ftpretrieve

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// TestUnparsedListingsInARowAreFlagged: a listing with a line the library
// cannot read in three runs in a row (FTPUnparsedRunsLimit's default) makes
// the figure the alert reads 1 and the status item bad; a clean listing
// counts back to 0.
func TestUnparsedListingsInARowAreFlagged(t *testing.T) {
	garbled := "-rw-r--r--    1 ftp ftp 3 Foo 02 03:04 hidden.csv"
	f, srv := scriptedFixture(t, ftptest.Script{Features: []string{"SIZE"},
		Listings: map[string][]string{"/outbox": {unixLine("a.csv", 3), garbled}},
		Files:    map[string]string{"/outbox/a.csv": "abc"}})
	statusOf := func() function.StatusItem {
		inv := &function.Invocation{Function: "FtpRetrieve", Env: f.env, Log: slog.New(slog.DiscardHandler), Clock: time.Now}
		for _, item := range Declaration.Status(context.Background(), inv) {
			if strings.HasPrefix(item.Name, "listings with lines not understood") {
				return item
			}
		}
		t.Fatal("status has no item for listings with lines not understood")
		return function.StatusItem{}
	}
	for run := 1; run <= 3; run++ {
		if _, err := f.invoke(t); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		atLimit := 0
		if run == 3 {
			atLimit = 1
		}
		f.wantFigures(t, map[string]int{"listingUnparsedRuns": run, "listingUnparsedAtLimit": atLimit})
		if item := statusOf(); item.Value != float64(run) || item.Bad != (run == 3) {
			t.Errorf("after run %d: status %+v", run, item)
		}
	}
	if item := statusOf(); !strings.Contains(item.Note, "FTPUnparsedRunsLimit is 3") {
		t.Errorf("status note %q does not name the setting", item.Note)
	}
	srv.SetListing("/outbox", []string{unixLine("a.csv", 3)})
	if _, err := f.invoke(t); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, map[string]int{"listingUnparsedRuns": 0, "listingUnparsedAtLimit": 0})
	if item := statusOf(); item.Bad || item.Value != 0 {
		t.Errorf("after a clean listing: status %+v", item)
	}
	f.env["FTPUnparsedRunsLimit"] = "1"
	srv.SetListing("/outbox", []string{unixLine("a.csv", 3), garbled})
	if _, err := f.invoke(t); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, map[string]int{"listingUnparsedRuns": 1, "listingUnparsedAtLimit": 1})
}
