package ftpretrieve

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// stateOf reads the delivered-files record a fixture's runs keep.
func stateOf(t *testing.T, f *fixture) *state {
	t.Helper()
	c, err := loadConfig(f.env, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := loadState(context.Background(), f.az.Account, c.stateKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRecordsStayWhileFilesStay: a file delivered long ago that is still
// on the server is never delivered again; a record whose file is gone is
// forgotten. The record starts as an earlier version wrote it (version 1,
// no listing kind), which must be kept and upgraded.
func TestRecordsStayWhileFilesStay(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	f.env["FTPFilePattern"] = "*"
	f.env["FTPTargetSubfolder"] = ""
	const old = "HR_standing.csv"
	f.put(t, old, 1234, 200*24*time.Hour)
	info, err := os.Stat(filepath.Join(f.srv.Dir, "outbox", old))
	if err != nil {
		t.Fatal(err)
	}
	st := stateOf(t, f)
	v1 := fmt.Sprintf(`{"v":1,"source":"x","files":{
	 %q:{"size":1234,"modified":%q,"delivered":%q,"to":"C:\\MIM\\x"},
	 "gone.csv":{"size":5,"modified":"2026-01-01T00:00:00Z","delivered":%q,"to":"C:\\MIM\\y"}}}`,
		old, info.ModTime().UTC().Truncate(time.Second).Format(time.RFC3339),
		time.Now().Add(-200*24*time.Hour).UTC().Format(time.RFC3339), time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	ctx := context.Background()
	if err := f.az.Account.EnsureContainer(ctx, stateContainer); err != nil {
		t.Fatal(err)
	}
	if _, err := f.az.Account.WriteBlob(ctx, stateContainer, st.blob, []byte(v1), ""); err != nil {
		t.Fatal(err)
	}
	f.put(t, "new.csv", 10, time.Hour)

	for run := 1; run <= 2; run++ {
		logs, err := f.invoke(t)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, logs)
		}
		if run == 1 {
			wantCounts(t, logs, 1, 1, 0, 0)
		} else {
			wantCounts(t, logs, 0, 2, 0, 0)
		}
		f.wantFigures(t, map[string]int{"stateRecords": 2})
	}
	if got := filesUnder(t, f.env["FTPTargetDirectory"]); len(got) != 1 || got[0] != "new.csv" {
		t.Fatalf("delivered %v, want new.csv alone", got)
	}
	st = stateOf(t, f)
	if st.data.Version != stateVersion {
		t.Errorf("state version %d, want %d", st.data.Version, stateVersion)
	}
	if r := st.data.Files[old]; r.Listed != listedMLSD || r.To != `C:\MIM\x` {
		t.Errorf("the old record was not kept and upgraded: %+v", r)
	}
	if _, ok := st.data.Files["gone.csv"]; ok {
		t.Error("the record of a file gone from the server was kept")
	}

	// Once the file leaves the server, its record goes too.
	if err := os.Remove(filepath.Join(f.srv.Dir, "outbox", old)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.invoke(t); err != nil {
		t.Fatal(err)
	}
	f.wantFigures(t, map[string]int{"stateRecords": 1})
}

// TestListTimeTurningIntoADateIsTheSameFile: a server without MLSD lists
// a file's time to the minute while it is recent and its date alone once
// it is over six months old. The change must not look like a new file;
// a real change of date or size still does.
func TestListTimeTurningIntoADateIsTheSameFile(t *testing.T) {
	az := azuritetest.Start(t)
	now := time.Now().UTC()
	written := time.Date(now.Year(), now.Month(), now.Day(), 10, 15, 0, 0, time.UTC).AddDate(0, 0, -3)
	recent := fmt.Sprintf("-rw-r--r--    1 ftp      ftp      3 %s staff.csv", written.Format("Jan _2 15:04"))
	dated := func(t time.Time, size int) []string {
		return []string{fmt.Sprintf("-rw-r--r--    1 ftp      ftp      %d %s staff.csv", size, t.Format("Jan _2  2006"))}
	}
	timed := func(t time.Time, size int) []string {
		return []string{fmt.Sprintf("-rw-r--r--    1 ftp      ftp      %d %s staff.csv", size, t.Format("Jan _2 15:04"))}
	}
	srv := ftptest.ScriptedT(t, ftptest.Script{Features: []string{"SIZE"},
		Listings: map[string][]string{"/outbox": {recent}},
		Files:    map[string]string{"/outbox/staff.csv": "abc"}})
	target := t.TempDir()
	f := &fixture{az: az, env: settings.MapEnv{
		"AzureWebJobsStorage": az.ConnectionString, "OpsTimeZone": "UTC",
		"FTPServer": srv.Addr, "FTPUsername": "u", "FTPPassword": "p", "FTPTLS": "none",
		"FTPSourceDirectory": "/outbox", "FTPFilePattern": "*.csv",
		"FTPTarget": "local", "FTPTargetDirectory": target, "FTPTargetSubfolder": "", "FTPTimeout": "5s",
	}}
	steps := []struct {
		name    string
		listing []string
		fetched int
	}{
		{"first seen, to the minute", []string{recent}, 1},
		{"the same file, listed by its date", dated(written, 3), 0},
		{"listed by date again", dated(written, 3), 0},
		{"a newer date", dated(written.AddDate(0, 0, 1), 3), 1},
		{"the same date, another size", dated(written.AddDate(0, 0, 1), 4), 1},
		{"a recent time at midnight", timed(written.AddDate(0, 0, 2).Truncate(24*time.Hour), 4), 1},
		{"later the same day", timed(written.AddDate(0, 0, 2), 4), 1},
		{"unchanged", timed(written.AddDate(0, 0, 2), 4), 0},
	}
	for _, step := range steps {
		srv.SetListing("/outbox", step.listing)
		if step.name == "the same date, another size" {
			srv.SetFile("/outbox/staff.csv", "abcd")
		}
		logs, err := f.invoke(t)
		if err != nil {
			t.Fatalf("%s: %v\n%s", step.name, err, logs)
		}
		if got, _ := summaryOf(t, logs)["fetched"].(float64); int(got) != step.fetched {
			t.Errorf("%s: fetched %v, want %d", step.name, got, step.fetched)
		}
	}
}

func TestSameModTime(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		r      record
		listed ftpsource.Entry
		same   bool
	}{
		{"mlsd equal", record{Modified: at("2026-05-01 10:15:07"), Listed: listedMLSD},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:07"), Precise: true}, true},
		{"mlsd a second apart", record{Modified: at("2026-05-01 10:15:07"), Listed: listedMLSD},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:08"), Precise: true}, false},
		{"list minute equal", record{Modified: at("2026-05-01 10:15:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:00")}, true},
		{"list minute apart", record{Modified: at("2026-05-01 10:15:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-01 10:16:00")}, false},
		{"list time then date", record{Modified: at("2026-05-01 10:15:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-01 00:00:00"), DateOnly: true}, true},
		{"list time then another date", record{Modified: at("2026-05-01 10:15:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-02 00:00:00"), DateOnly: true}, false},
		{"list date then date", record{Modified: at("2025-05-01 00:00:00"), Listed: listedDate},
			ftpsource.Entry{ModTime: at("2025-05-01 00:00:00"), DateOnly: true}, true},
		{"list date then date of another year", record{Modified: at("2025-05-01 00:00:00"), Listed: listedDate},
			ftpsource.Entry{ModTime: at("2026-05-01 00:00:00"), DateOnly: true}, false},
		{"list at midnight, then a later minute that day", record{Modified: at("2026-05-01 00:00:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:00")}, false},
		{"version 1 record, list, then date", record{Modified: at("2026-05-01 10:15:00")},
			ftpsource.Entry{ModTime: at("2026-05-01 00:00:00"), DateOnly: true}, true},
		{"version 1 record at midnight, list date", record{Modified: at("2025-05-01 00:00:00")},
			ftpsource.Entry{ModTime: at("2025-05-01 00:00:00"), DateOnly: true}, true},
		{"version 1 record, mlsd", record{Modified: at("2026-05-01 10:15:07")},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:07"), Precise: true}, true},
		{"server changed from list to mlsd", record{Modified: at("2026-05-01 20:15:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:07"), Precise: true}, true},
		{"server changed, days apart", record{Modified: at("2026-05-04 10:15:00"), Listed: listedTime},
			ftpsource.Entry{ModTime: at("2026-05-01 10:15:07"), Precise: true}, false},
	}
	for _, tt := range tests {
		if got := sameModTime(tt.r, tt.listed); got != tt.same {
			t.Errorf("%s: same = %v, want %v", tt.name, got, tt.same)
		}
	}
}

// TestStateSaveKeepsAnotherRunsNewRecord: when another run wrote between
// our read and our save, our forgetting is applied again, but never to a
// record that run made after our listing.
func TestStateSaveKeepsAnotherRunsNewRecord(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	mine, err := loadState(ctx, az.Account, "k", "s")
	if err != nil {
		t.Fatal(err)
	}
	old := ftpsource.Entry{Name: "old.csv", Size: 1, ModTime: time.Now().Add(-time.Hour)}
	mine.add(old, "x", time.Now().Add(-time.Hour))
	mine.add(ftpsource.Entry{Name: "b.csv", Size: 1}, "x", time.Now().Add(-time.Hour))
	if err := mine.save(ctx); err != nil {
		t.Fatal(err)
	}
	theirs, err := loadState(ctx, az.Account, "k", "s")
	if err != nil {
		t.Fatal(err)
	}
	listedAt := time.Now()
	if n := mine.forgetAbsent([]ftpsource.Entry{{Name: "b.csv"}}, listedAt); n != 1 {
		t.Fatalf("forgot %d, want 1", n)
	}
	theirs.add(ftpsource.Entry{Name: "c.csv", Size: 2}, "x", time.Now())
	if err := theirs.save(ctx); err != nil {
		t.Fatal(err)
	}
	mine.add(ftpsource.Entry{Name: "d.csv", Size: 3}, "x", time.Now())
	if err := mine.save(ctx); err != nil {
		t.Fatal(err)
	}
	final, err := loadState(ctx, az.Account, "k", "s")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(final.data.Files)
	for name, want := range map[string]bool{"old.csv": false, "b.csv": true, "c.csv": true, "d.csv": true} {
		if _, ok := final.data.Files[name]; ok != want {
			t.Errorf("%s kept = %v, want %v: %s", name, ok, want, raw)
		}
	}
}
