package mimconfigbackup

import (
	"reflect"
	"regexp"
	"sort"
	"testing"
)

// The scripts and the Go code agree on parameter names, and the emulated
// server reports the steps the script has: drift between them would pass
// every other test and fail on a real server.

var (
	paramUse = regexp.MustCompile(`\$params\.(\w+)`)
	stepName = regexp.MustCompile(`(?m)^Invoke-Step '(\w+)'`)
)

func TestScriptParametersMatchTheGoSide(t *testing.T) {
	tests := []struct {
		script string
		params any
	}{
		{backupScript, backupParams{}},
		{checkScript, struct {
			Root string `json:"root"`
		}{}},
		{removeZipScript, removeZipParams{}},
	}
	for _, tt := range tests {
		used := map[string]bool{}
		for _, m := range paramUse.FindAllStringSubmatch(tt.script, -1) {
			used[m[1]] = true
		}
		sent := map[string]bool{}
		typ := reflect.TypeOf(tt.params)
		for i := range typ.NumField() {
			sent[typ.Field(i).Tag.Get("json")] = true
		}
		if !reflect.DeepEqual(used, sent) {
			t.Errorf("%s reads %v, the function sends %v", scriptNameOf(tt.script), keys(used), keys(sent))
		}
	}
}

func TestEmulatedStepsAreTheScriptsSteps(t *testing.T) {
	var want []string
	for _, m := range stepName.FindAllStringSubmatch(backupScript, -1) {
		want = append(want, m[1])
	}
	f := newFixture(t)
	if _, err := f.run(t, night(24)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.manifest(t, "2026-11-24-2330").Steps {
		got = append(got, s.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emulated steps %v, backup.ps1 has %v", got, want)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func scriptNameOf(script string) string {
	for name, src := range Scripts() {
		if src == script {
			return name
		}
	}
	return "script"
}

func TestScriptWritesTheFieldsTheGoSideReads(t *testing.T) {
	for _, v := range []any{summary{}, Manifest{}, ManifestFile{}, Step{}, leftover{}, removedLeftover{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			tag := typ.Field(i).Tag.Get("json")
			if tag == "" {
				continue
			}
			name := regexp.MustCompile(`,.*`).ReplaceAllString(tag, "")
			if !regexp.MustCompile(`(?m)[\s{;.]` + name + `\s*=`).MatchString(backupScript) {
				t.Errorf("backup.ps1 never sets %s (read into %s.%s)", name, typ.Name(), typ.Field(i).Name)
			}
		}
	}
}

// The Go side names the script's steps when a stopped run reports what it
// did not finish.
func TestScriptStepsAreTheScriptsSteps(t *testing.T) {
	var want []string
	for _, m := range stepName.FindAllStringSubmatch(backupScript, -1) {
		want = append(want, m[1])
	}
	if !reflect.DeepEqual(scriptSteps, want) {
		t.Errorf("scriptSteps %v, backup.ps1 has %v", scriptSteps, want)
	}
}
