package infra

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// The generated regions: up to date with the code, rewritten on a hand
// edit, and following a function or setting that exists only in the code.

func codeSource() Source {
	return Source{Functions: functions.All(), Settings: settings.All()}
}

// firstDifference returns the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  file:      " + g[i] + "\n  generated: " + w[i]
		}
	}
	return "the files differ in length"
}

// TestGeneratedRegionsAreUpToDate: every generated region is what make docs
// writes from the declarations and the catalog.
func TestGeneratedRegionsAreUpToDate(t *testing.T) {
	for _, path := range GeneratedPaths() {
		doc := readFile(t, filepath.Join("..", path))
		want, err := Regenerate(path, doc, codeSource())
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if doc != want {
			t.Errorf("%s: a generated region differs from the declarations and the catalog; run `make docs`. First difference at %s", path, firstDifference(doc, want))
		}
	}
}

// TestHandEditsInRegionsAreUndone edits every region of every generated file
// by hand and expects regeneration to put the file back.
func TestHandEditsInRegionsAreUndone(t *testing.T) {
	for _, f := range generatedFiles() {
		doc := readFile(t, filepath.Join("..", f.Path))
		for _, name := range sortedNames(f.Regions) {
			t.Run(f.Path+"/"+name, func(t *testing.T) {
				r, err := findRegion(doc, name)
				if err != nil {
					t.Fatal(err)
				}
				edited := doc[:r.bodyStart] + "param handEdit string = 'x'\n" + doc[r.bodyStart:]
				got, err := Regenerate(f.Path, edited, codeSource())
				if err != nil {
					t.Fatal(err)
				}
				if got != doc {
					t.Errorf("a line added by hand to region %s was not undone", name)
				}
			})
		}
	}
}

func TestRegionMarkerFaults(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"no markers", "param x string\n", "want one"},
		{"unknown region", "// BEGIN GENERATED: handEdited (make docs)\n// END GENERATED: handEdited\n", "nothing writes"},
		{"no end", "// BEGIN GENERATED: secret-params (make docs)\nparam x string\n// BEGIN GENERATED: secrets (make docs)\n// END GENERATED: secrets\n", "want one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Regenerate("infra/modules/keyvault.bicep", tc.doc, codeSource())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// probeSource is the code plus one timer function that reads a new required
// setting, a new secret, a queue and a container, as if a developer had
// just added it.
func probeSource() (Source, []settings.Spec) {
	probe := []settings.Spec{
		{Name: "ProbeSchedule", Kind: settings.Schedule, Default: "0 */5 * * * *", Area: "probe", Help: "NCRONTAB schedule of ProbeFunction"},
		{Name: "ProbeServer", Required: true, Area: "probe", Help: "host name of the probe server"},
		{Name: "ProbeApiKey", Required: true, Secret: true, Area: "probe", Help: "API key of the probe server"},
		{Name: "ProbeQueue", Kind: settings.QueueName, Default: "probe-items", Area: "probe", Help: "queue of probe items"},
		{Name: "ProbeContainer", Kind: settings.ContainerName, Default: "probe-state", Area: "probe", Help: "blob container of the probe state"},
	}
	decl := function.Declaration{Name: "ProbeFunction", Trigger: function.Timer("timer", probe[0]), Settings: probe,
		Run: func(context.Context, *function.Invocation) error { return nil }}
	src := codeSource()
	src.Functions = append(src.Functions, decl)
	src.Settings = append(src.Settings, probe...)
	return src, probe
}

func regenerated(t *testing.T, path string, src Source) string {
	t.Helper()
	doc, err := Regenerate(path, readFile(t, filepath.Join("..", path)), src)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRegionsFollowANewFunction: with the probe function added, the
// generated templates pass every drift check for it, and name it in the
// alerts, the Key Vault, the example parameters and the guides.
func TestRegionsFollowANewFunction(t *testing.T) {
	src, probe := probeSource()
	tmpl := parseTemplate(regenerated(t, "infra/main.bicep", src))
	for _, check := range [][]string{
		bicepMissing(src.Settings, tmpl), bicepExtra(src.Settings, tmpl), bicepDefaults(src.Settings, tmpl),
		bicepSecrets(src.Settings, tmpl), createdStorage(queueSettings(src.Settings), containerSettings(src.Settings), tmpl),
	} {
		reportAll(t, check)
	}
	mainBicep := regenerated(t, "infra/main.bicep", src)
	for _, want := range []string{
		"param probeHeartbeatWindow string = 'PT15M'", "  'ProbeFunction'\n", "schedule: probeSchedule",
		"ProbeApiKey: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.probeApiKeyUri})'", "    probeApiKey: probeApiKey\n",
	} {
		if !strings.Contains(mainBicep, want) {
			t.Errorf("main.bicep lacks %q", want)
		}
	}
	others := map[string][]string{
		"infra/modules/keyvault.bicep": {"param probeApiKey string", "name: 'ProbeApiKey'", "output probeApiKeyUri string"},
		"infra/main.bicepparam":        {"param probeApiKey = readEnvironmentVariable('PROBE_API_KEY')", "param probeServer = '<host name of the probe server>'"},
		"README.md":                    {"[docs/functions/ProbeFunction.md](docs/functions/ProbeFunction.md)"},
		"docs/operations.md":           {"operation_Name == 'ProbeFunction' and success == false", "operation_Name == 'ProbeFunction' and success == true"},
	}
	for path, wants := range others {
		doc := regenerated(t, path, src)
		for _, want := range wants {
			if !strings.Contains(doc, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	if probe[1].Name != "ProbeServer" {
		t.Fatal("probe settings out of order")
	}
}

func TestParamAndVariableNames(t *testing.T) {
	tests := []struct{ setting, param, env string }{
		{"MIMSyncServer", "mimSyncServer", "MIM_SYNC_SERVER"},
		{"MIMSyncCredPassword", "mimSyncCredPassword", "MIM_SYNC_CRED_PASSWORD"},
		{"MIMSyncWinRMPort", "mimSyncWinRMPort", "MIM_SYNC_WIN_RM_PORT"},
		{"FTPPassword", "ftpPassword", "FTP_PASSWORD"},
		{"SPSiteUrl", "spSiteUrl", "SP_SITE_URL"},
		{"SPClientCertificate", "spClientCertificate", "SP_CLIENT_CERTIFICATE"},
		{"OpsTimeZone", "opsTimeZone", "OPS_TIME_ZONE"},
		{"EntraClientCertificate", "entraClientCertificate", "ENTRA_CLIENT_CERTIFICATE"},
	}
	for _, tc := range tests {
		s := settings.Spec{Name: tc.setting}
		if got := ParamName(s); got != tc.param {
			t.Errorf("ParamName(%s) = %s, want %s", tc.setting, got, tc.param)
		}
		if got := EnvVarName(s); got != tc.env {
			t.Errorf("EnvVarName(%s) = %s, want %s", tc.setting, got, tc.env)
		}
	}
	for _, s := range []settings.Spec{settings.FTPTLS, settings.FTPCACert} {
		if ParamName(s) != s.Param || s.Param == "" {
			t.Errorf("%s: parameter %q, want its catalog Param", s.Name, ParamName(s))
		}
	}
}

func TestHeartbeatWindowIsAboutTwoIntervals(t *testing.T) {
	tests := []struct {
		schedule string
		window   string
	}{
		{"0 30 23 * * *", "P2D"},
		{"0 0 * * * *", "PT2H15M"},
		{"0 */15 * * * *", "PT35M"},
		{"0 */5 * * * *", "PT15M"},
		{"0 0 6 * * 1", "P2D"},
		{"0 0 */6 * * *", "PT13H30M"},
	}
	for _, tc := range tests {
		gap, err := LongestGap(tc.schedule)
		if err != nil {
			t.Fatal(err)
		}
		w := HeartbeatWindow(gap)
		if got := iso8601(w); got != tc.window {
			t.Errorf("%q: window %s, want %s", tc.schedule, got, tc.window)
		}
		if w < min(2*gap, MaxLogAlertWindow) || w > MaxLogAlertWindow {
			t.Errorf("%q: window %s is not about two gaps of %s", tc.schedule, w, gap)
		}
		if f := heartbeatFrequency(w); f > w/2 || f < 5*time.Minute {
			t.Errorf("%q: checked every %s for a %s window", tc.schedule, f, w)
		}
	}
}
