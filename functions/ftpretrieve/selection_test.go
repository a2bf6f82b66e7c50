package ftpretrieve

import (
	"errors"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/remotename"
)

func TestSelectionAgeWithListedAndExactTimes(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	g, err := compileGlob("*")
	if err != nil {
		t.Fatal(err)
	}
	c := &config{pattern: g, minAge: 2 * time.Minute, now: now}
	tests := []struct {
		name      string
		entry     ftpsource.Entry
		exact     time.Time // zero: the server gave none
		wantFetch bool
		inDoubt   bool
	}{
		{"MLSD, old", ftpsource.Entry{ModTime: now.Add(-time.Hour), Precise: true}, time.Time{}, true, false},
		{"MLSD, young", ftpsource.Entry{ModTime: now.Add(-time.Minute), Precise: true}, time.Time{}, false, false},
		// A server at UTC+11 lists 21:29 for a file written at 10:29 UTC.
		{"LIST east of UTC, young by MDTM", ftpsource.Entry{ModTime: now.Add(11*time.Hour - time.Minute)},
			now.Add(-time.Minute), false, true},
		// The same zone, a file written an hour ago: listed in the future,
		// old by MDTM.
		{"LIST east of UTC, old by MDTM", ftpsource.Entry{ModTime: now.Add(10 * time.Hour)},
			now.Add(-time.Hour), true, true},
		// A server at UTC-5 lists 05:29 for a file written 30 s ago: it
		// looks five hours old, MDTM says it is still being written.
		{"LIST west of UTC, young by MDTM", ftpsource.Entry{ModTime: now.Add(-5*time.Hour - time.Minute)},
			now.Add(-30 * time.Second), false, true},
		{"LIST, no MDTM, listed old", ftpsource.Entry{ModTime: now.Add(-time.Hour)}, time.Time{}, true, true},
		{"LIST, no MDTM, listed young", ftpsource.Entry{ModTime: now.Add(-time.Minute)}, time.Time{}, false, true},
		{"LIST, surely old (a day)", ftpsource.Entry{ModTime: now.Add(-24 * time.Hour)}, time.Time{}, true, false},
		{"LIST, date only (older than six months)", ftpsource.Entry{ModTime: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
			time.Time{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.entry.Name, tt.entry.Size = "f.csv", 1
			if got := ageInDoubt(tt.entry, c); got != tt.inDoubt {
				t.Errorf("ageInDoubt = %v, want %v", got, tt.inDoubt)
			}
			exact := exactTimes{}
			if !tt.exact.IsZero() {
				exact["f.csv"] = tt.exact
			}
			sel := selectFiles([]ftpsource.Entry{tt.entry}, c, nil, exact)
			if got := len(sel.fetch) == 1; got != tt.wantFetch {
				t.Errorf("fetch = %v, want %v (young %d)", got, tt.wantFetch, len(sel.young))
			}
		})
	}
}

func TestSelectionWithoutMinAgeAsksNothing(t *testing.T) {
	g, _ := compileGlob("*")
	c := &config{pattern: g, now: time.Now()}
	if ageInDoubt(ftpsource.Entry{Name: "a", ModTime: time.Now()}, c) {
		t.Error("FTPMinFileAge=0 still wants exact times")
	}
}

func TestSelectionRejectsNamesThatDifferOnlyInCase(t *testing.T) {
	g, _ := compileGlob("*.csv")
	c := &config{pattern: g, now: time.Now()}
	old := time.Now().Add(-time.Hour)
	entries := []ftpsource.Entry{
		{Name: "HR.csv", Size: 1, ModTime: old, Precise: true},
		{Name: "hr.CSV", Size: 2, ModTime: old, Precise: true},
		{Name: "other.csv", Size: 3, ModTime: old, Precise: true},
		{Name: "OTHER.txt", Size: 3, ModTime: old, Precise: true}, // not matched: no clash
	}
	sel := selectFiles(entries, c, nil, nil)
	if len(sel.rejected) != 2 || len(sel.fetch) != 1 || sel.fetch[0].Name != "other.csv" {
		t.Fatalf("fetch %v, rejected %v", sel.fetch, sel.rejected)
	}
	if !errors.Is(sel.rejected[0].why, remotename.ErrUnsafe) {
		t.Errorf("rejection does not wrap ErrUnsafe: %v", sel.rejected[0].why)
	}
}
