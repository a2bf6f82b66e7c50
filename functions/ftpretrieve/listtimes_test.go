package ftpretrieve

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// listLine writes a LIST line for a file modified at mtime, in the style
// and zone of the server.
func listLine(style string, name string, size int, mtime time.Time, zone *time.Location) string {
	local := mtime.In(zone)
	if style == "dos" {
		return fmt.Sprintf("%s %20d %s", local.Format("01-02-06  03:04PM"), size, name)
	}
	return fmt.Sprintf("-rw-r--r--    1 ftp      ftp      %8d %s %s", size, local.Format("Jan _2 15:04"), name)
}

// TestRunJudgesAgeByMDTMWhenListTimesAreLocal runs against servers without
// MLSD whose LIST shows their own wall clock (Sydney, New York): the age
// limit must follow the real time that MDTM gives in UTC, not the listing.
func TestRunJudgesAgeByMDTMWhenListTimesAreLocal(t *testing.T) {
	az := azuritetest.Start(t)
	for _, tt := range []struct{ style, zone string }{
		{"unix", "AUS Eastern Standard Time"}, {"dos", "AUS Eastern Standard Time"},
		{"unix", "America/New_York"}, {"dos", "America/New_York"},
	} {
		t.Run(tt.style+" "+tt.zone, func(t *testing.T) {
			zone, err := settings.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			today := now.Format("20060102")
			oldName, newName := "HR_"+today+"_staff.csv", "HR_"+today+"_writing.csv"
			oldTime, newTime := now.Add(-time.Hour).Truncate(time.Second), now.Add(-20*time.Second).Truncate(time.Second)
			srv := ftptest.ScriptedT(t, ftptest.Script{
				Features: []string{"MDTM", "SIZE"},
				Listings: map[string][]string{"/outbox": {
					listLine(tt.style, oldName, 3, oldTime, zone), listLine(tt.style, newName, 2, newTime, zone)}},
				Files:    map[string]string{"/outbox/" + oldName: "old", "/outbox/" + newName: "ne"},
				ModTimes: map[string]time.Time{"/outbox/" + oldName: oldTime, "/outbox/" + newName: newTime},
			})
			target := t.TempDir()
			f := &fixture{env: settings.MapEnv{
				"AzureWebJobsStorage": az.ConnectionString, "OpsTimeZone": "UTC",
				"FTPServer": srv.Addr, "FTPUsername": "u", "FTPPassword": "p", "FTPTLS": "none",
				"FTPSourceDirectory": "/outbox", "FTPFilePattern": "HR_{yyyyMMdd}_*.csv",
				"FTPTarget": "local", "FTPTargetDirectory": target, "FTPTargetSubfolder": "",
				"FTPMinFileAge": "2m", "FTPTimeout": "5s",
			}}
			logs, err := f.invoke(t)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			wantCounts(t, logs, 1, 1, 0, 0)
			if cmds := strings.Join(srv.Commands(), " "); strings.Count(cmds, "MDTM") != 2 {
				t.Errorf("want one MDTM per file in doubt, got: %s", cmds)
			}
			if got, _ := os.ReadFile(filepath.Join(target, oldName)); string(got) != "old" {
				t.Errorf("%s not delivered", oldName)
			}
			if _, err := os.Stat(filepath.Join(target, newName)); err == nil {
				t.Errorf("%s delivered while still being written", newName)
			}
			logs, err = f.invoke(t)
			if err != nil {
				t.Fatalf("second run: %v\n%s", err, logs)
			}
			wantCounts(t, logs, 0, 2, 0, 0)
		})
	}
}

// TestRunWithoutMDTMWarns: with neither MLSD nor MDTM the listed time is
// all there is; the run says that FTPMinFileAge is judged on it.
func TestRunWithoutMDTMWarns(t *testing.T) {
	az := azuritetest.Start(t)
	now := time.Now().UTC()
	name := "HR_" + now.Format("20060102") + "_staff.csv"
	srv := ftptest.ScriptedT(t, ftptest.Script{
		Features: []string{"SIZE"},
		Listings: map[string][]string{"/outbox": {listLine("unix", name, 3, now.Add(-time.Hour), time.UTC)}},
		Files:    map[string]string{"/outbox/" + name: "abc"},
	})
	f := &fixture{env: settings.MapEnv{
		"AzureWebJobsStorage": az.ConnectionString, "OpsTimeZone": "UTC",
		"FTPServer": srv.Addr, "FTPUsername": "u", "FTPPassword": "p", "FTPTLS": "none",
		"FTPSourceDirectory": "/outbox", "FTPFilePattern": "HR_{yyyyMMdd}_*.csv",
		"FTPTarget": "local", "FTPTargetDirectory": t.TempDir(), "FTPTargetSubfolder": "", "FTPTimeout": "5s",
	}}
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	wantCounts(t, logs, 1, 0, 0, 0)
	if !strings.Contains(logs.String(), "offers no MDTM") {
		t.Errorf("no warning about the missing MDTM:\n%s", logs)
	}
	if cmds := strings.Join(srv.Commands(), " "); strings.Contains(cmds, "MDTM") {
		t.Errorf("MDTM sent to a server that does not offer it: %s", cmds)
	}
}
