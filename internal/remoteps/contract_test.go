package remoteps_test

import (
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
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
