package ftpretrieve

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// TestRunRefusesShortNamesAndFormatCharacters serves real, downloadable
// files whose names are 8.3 short names (which on an NTFS target can stand
// for another, long-named file) or carry invisible Unicode format
// characters: each is refused, named in the log, and never reaches the
// sink, while ordinary names with a tilde are delivered.
func TestRunRefusesShortNamesAndFormatCharacters(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	f.env["FTPFilePattern"] = "*"
	f.env["FTPTargetSubfolder"] = ""
	refused := []string{"STAFF~1.CSV", "PROGRA~1", "ABCDEF~12.TXT", "staff~2.csv",
		"salaries\u202Evsc.exe", "zero\u200Bwidth.csv", "\uFEFFbom.csv", "join\u2060er.csv"}
	fine := []string{"~$budget.xlsx", "notes~.txt", "report~old.csv", "staff.csv"}
	for _, name := range append(append([]string{}, refused...), fine...) {
		f.put(t, name, 100, time.Hour)
	}
	logs, err := f.invoke(t)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("got %v, want ErrRejected\n%s", err, logs)
	}
	wantCounts(t, logs, len(fine), 0, len(refused), 0)
	f.wantFigures(t, map[string]int{"filesRefused": len(refused), "filesDelivered": len(fine)})
	got := filesUnder(t, f.env["FTPTargetDirectory"])
	if strings.Join(got, ",") != "notes~.txt,report~old.csv,staff.csv,~$budget.xlsx" {
		t.Errorf("delivered %q", got)
	}
	lines := logs.find("rejected unsafe file name")
	if len(lines) != len(refused) {
		t.Fatalf("%d rejection lines, want %d", len(lines), len(refused))
	}
	whys := ""
	for _, l := range lines {
		whys += l["file"].(string) + " " + l["why"].(string) + "\n"
	}
	for _, want := range []string{"short name", "U+202E", "U+200B", "U+FEFF", "U+2060", `\u202e`} {
		if !strings.Contains(whys, want) {
			t.Errorf("the rejections do not say %q:\n%s", want, whys)
		}
	}
	if strings.ContainsRune(logs.String(), '\u202E') {
		t.Error("a format character reached the log unescaped")
	}
}
