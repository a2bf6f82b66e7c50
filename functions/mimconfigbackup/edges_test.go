package mimconfigbackup

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/mimtest"
)

// Export-ManagementAgent prompts before overwriting a file, and a prompt
// fails without a console: MA names that make the same file name get
// numbered names instead.
func TestMANamesThatMakeTheSameFileNameAllGetExported(t *testing.T) {
	f := newFixture(t)
	f.mim.MAs = append(f.mim.MAs, mimtest.MA{Name: "HR/Payroll", Type: "Extensible2", Version: 1},
		mimtest.MA{Name: "HR_Payroll", Type: "Extensible2", Version: 1}, mimtest.MA{Name: "hr_payroll", Type: "Extensible2", Version: 1})
	if _, err := f.run(t, night(24)); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, file := range f.manifest(t, "2026-11-24-2330").Files {
		paths[file.Path] = true
	}
	for _, want := range []string{`MAExports\HR_Payroll.xml`, `MAExports\HR_Payroll_2.xml`, `MAExports\hr_payroll_3.xml`} {
		if !paths[want] {
			t.Errorf("manifest lacks %s: %v", want, paths)
		}
	}
}

// A part whose step failed has missing files: the diff says it was not
// compared rather than reporting every MA as removed, then added again.
func TestDiffSkipsPartsWhoseStepFailed(t *testing.T) {
	f := newFixture(t)
	if _, err := f.run(t, night(23)); err != nil {
		t.Fatal(err)
	}
	f.mim.NoLithnet = true
	logs, err := f.run(t, night(24))
	if err == nil {
		t.Fatal("the run succeeded without the Lithnet module")
	}
	want := "MAs not compared (MAExports failed in this backup); sync configuration not compared (ServerExport failed in this backup); extensions unchanged"
	if !strings.Contains(logs, want) || strings.Contains(logs, "removed") {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
	f.mim.NoLithnet = false
	logs, _ = f.run(t, night(25))
	if want := "MAs not compared (MAExports failed in the previous backup)"; !strings.Contains(logs, want) || strings.Contains(logs, "added") {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}
