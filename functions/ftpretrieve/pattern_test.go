package ftpretrieve

import (
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/settings"
)

func TestExpandDates(t *testing.T) {
	syd, err := settings.LoadLocation("AUS Eastern Standard Time")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		now     time.Time
		pattern string
		want    string
	}{
		{"plain", time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC), "HR_{yyyyMMdd}_*.csv", "HR_20261125_*.csv"},
		{"yesterday", time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC), "HR_{yyyyMMdd:-1d}.csv", "HR_20261124.csv"},
		{"tomorrow", time.Date(2026, 12, 31, 10, 30, 0, 0, time.UTC), "{yyyy-MM-dd:+1d}", "2027-01-01"},
		{"week", time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC), "{yyyyMMdd:-1w}", "20260224"},
		{"hours", time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC), "{yyyyMMddHH:-2h}", "2026112423"},
		{"two tokens", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), "{yyyy}/{MM}/x_{dd}", "2026/11/x_25"},
		{"no token", time.Now(), "*.csv", "*.csv"},
		// 13:30 UTC on 24 Nov is 00:30 on 25 Nov in Sydney (AEDT, +11).
		{"after midnight in a Windows-named zone", time.Date(2026, 11, 24, 13, 30, 0, 0, time.UTC).In(syd), "{yyyyMMdd}", "20261125"},
		{"before midnight in a Windows-named zone", time.Date(2026, 11, 24, 12, 59, 0, 0, time.UTC).In(syd), "{yyyyMMdd}", "20261124"},
		// DST starts in Sydney at 02:00 on 4 Oct 2026: that day has 23 hours.
		// 00:30 local on 5 Oct is 13:30 UTC on 4 Oct; yesterday is the 4th.
		{"yesterday across the DST start", time.Date(2026, 10, 4, 13, 30, 0, 0, time.UTC).In(syd), "{yyyyMMdd:-1d}", "20261004"},
		// 23:30 local on 4 Oct (AEDT) is 12:30 UTC; 24 hours back is 22:30 on the 3rd, a calendar day back the 3rd.
		{"hours across the DST start", time.Date(2026, 10, 4, 12, 30, 0, 0, time.UTC).In(syd), "{yyyyMMdd HH:-24h}", "20261003 22"},
		// DST ends at 03:00 on 5 Apr 2026: that day has 25 hours. 14:30 UTC
		// on the 5th is 00:30 on the 6th (AEST, +10); yesterday is the 5th.
		{"yesterday across the DST end", time.Date(2026, 4, 5, 14, 30, 0, 0, time.UTC).In(syd), "{yyyyMMdd:-1d}", "20260405"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expandDates(tt.pattern, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpandDatesErrors(t *testing.T) {
	for _, p := range []string{"{yyyyMMdd", "x}", "{qqq}", "{yyyyMMdd:-1x}", "{yyyyMMdd:yesterday}", "{}"} {
		if _, err := expandDates(p, time.Now()); err == nil {
			t.Errorf("expandDates(%q) accepted", p)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		match         bool
	}{
		{"*", "anything.csv", true},
		{"*", "../../evil.txt", true},
		{"HR_20261125_*.csv", "HR_20261125_staff.csv", true},
		{"HR_20261125_*.csv", "hr_20261125_STAFF.CSV", true},
		{"HR_20261125_*.csv", "HR_20261124_staff.csv", false},
		{"HR_20261125_*.csv", "HR_20261125_staff.csv.tmp", false},
		{"file?.txt", "file1.txt", true},
		{"file?.txt", "file12.txt", false},
		{"[ab]*.csv", "a1.csv", true},
		{"[ab]*.csv", "c1.csv", false},
		{"[!ab]*.csv", "c1.csv", true},
		{"x[0-9].csv", "x7.csv", true},
		{"a.b", "aXb", false},
		{"a+b(c)", "a+b(c)", true},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Match(tt.name); got != tt.match {
			t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.name, got, tt.match)
		}
	}
	if _, err := compileGlob("a[bc"); err == nil {
		t.Error("unclosed [ accepted")
	}
}

// TestConfigResolvesTokensInTheOpsTimeZone goes through the settings, as a
// run does: OpsTimeZone by its Windows name, the clock in UTC.
func TestConfigResolvesTokensInTheOpsTimeZone(t *testing.T) {
	tests := []struct {
		name, pattern string
		now           time.Time
		wantPattern   string
		wantSubfolder string
	}{
		{"00:30 in Sydney is already tomorrow", "HR_{yyyyMMdd}_*.csv",
			time.Date(2026, 11, 24, 13, 30, 0, 0, time.UTC), "HR_20261125_*.csv", "2026-11-25"},
		{"23:59 in Sydney is still today", "HR_{yyyyMMdd}_*.csv",
			time.Date(2026, 11, 24, 12, 59, 0, 0, time.UTC), "HR_20261124_*.csv", "2026-11-24"},
		{"yesterday, the morning after DST starts", "HR_{yyyyMMdd:-1d}.csv",
			time.Date(2026, 10, 4, 13, 30, 0, 0, time.UTC), "HR_20261004.csv", "2026-10-05"},
		{"yesterday, the morning after DST ends", "HR_{yyyyMMdd:-1d}.csv",
			time.Date(2026, 4, 5, 14, 30, 0, 0, time.UTC), "HR_20260405.csv", "2026-04-06"},
		{"in the repeated hour when DST ends", "HR_{yyyyMMdd}.csv",
			time.Date(2026, 4, 4, 16, 30, 0, 0, time.UTC), "HR_20260405.csv", "2026-04-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := settings.MapEnv{"OpsTimeZone": "AUS Eastern Standard Time", "FTPServer": "ftp.example.org",
				"FTPUsername": "u", "FTPPassword": "p", "FTPTarget": "local", "FTPTargetDirectory": t.TempDir(),
				"FTPFilePattern": tt.pattern}
			c, err := loadConfig(env, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if c.pattern.String() != tt.wantPattern || c.target.Subfolder != tt.wantSubfolder {
				t.Errorf("pattern %q, subfolder %q; want %q, %q", c.pattern, c.target.Subfolder, tt.wantPattern, tt.wantSubfolder)
			}
		})
	}
}
