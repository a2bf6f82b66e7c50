package remoteps_test

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// The scripts read exactly the parameters the Go side sends.
func TestScriptParametersMatchTheGoSide(t *testing.T) {
	use := regexp.MustCompile(`\$params\.(\w+)`)
	want := map[string][]string{
		"upload.ps1":    {"path"},
		"download.ps1":  {"path", "remove"},
		"bootstrap.ps1": nil,
	}
	for name, src := range remoteps.Scripts() {
		seen := map[string]bool{}
		var got []string
		for _, m := range use.FindAllStringSubmatch(src, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				got = append(got, m[1])
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s reads %v, the Go side sends %v", name, got, want[name])
		}
	}
}

// uploads.ps1 reads exactly the fields of the file header the Go side
// sends.
func TestUploadsHeaderMatchesTheGoSide(t *testing.T) {
	use := regexp.MustCompile(`\$header\.(\w+)`)
	seen := map[string]bool{}
	for _, m := range use.FindAllStringSubmatch(remoteps.Scripts()["uploads.ps1"], -1) {
		seen[m[1]] = true
	}
	if want := map[string]bool{"path": true, "size": true}; !reflect.DeepEqual(seen, want) {
		t.Errorf("uploads.ps1 reads header fields %v, the Go side sends %v", seen, want)
	}
}

// The upload scripts and their Go models (winrmtest) agree on which
// leftovers an upload removes: the same name shape, which is the shape of
// the scripts' own temporary names, and the same age; and both scripts
// clean a folder before they write a temporary file into it.
func TestStalePartialRuleMatchesTheModel(t *testing.T) {
	pattern := "'" + winrmtest.PartialName.String() + "'"
	age := fmt.Sprintf("AddDays(-%d)", int(winrmtest.PartialMaxAge/(24*time.Hour)))
	for _, name := range []string{"upload.ps1", "uploads.ps1"} {
		src := remoteps.Scripts()[name]
		for _, want := range []string{pattern, age, `'.' + [guid]::NewGuid().ToString('N').Substring(0, 16) + '.partial'`} {
			if !strings.Contains(src, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		clean, temp := strings.Index(src, "Remove-StalePartial $folder"), strings.Index(src, "$temp = Join-Path $folder")
		if clean < 0 || temp < 0 || clean > temp {
			t.Errorf("%s does not clean the folder before writing its temporary file", name)
		}
	}
	if !winrmtest.PartialName.MatchString("." + strings.Repeat("ab", 8) + ".partial") {
		t.Error("the model's shape does not match the scripts' temporary names")
	}
}
