package infra

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// The drift checks: main.bicep, local.settings.json.example and the README's
// settings table against the settings the code declares. Each check is a pure
// function of the specs it is given, so a test can hand it one spec more than
// the code has and see it reported.

// platformSettings are app settings main.bicep sets for the Functions host or
// Application Insights rather than for tenantops' code.
var platformSettings = map[string]bool{
	"AzureWebJobsStorage__credential":           true,
	"AzureWebJobsStorage__clientId":             true,
	"AzureWebJobsStorage__blobServiceUri":       true,
	"AzureWebJobsStorage__queueServiceUri":      true,
	"AzureWebJobsStorage__tableServiceUri":      true,
	"APPLICATIONINSIGHTS_CONNECTION_STRING":     true,
	"APPLICATIONINSIGHTS_AUTHENTICATION_STRING": true,
}

// keyVaultReference is how every secret app setting's value starts.
const keyVaultReference = "@Microsoft.KeyVault(SecretUri="

// bicepMissing reports settings the code reads that main.bicep neither sets nor
// lists as optional, and settings it does both for.
func bicepMissing(specs []settings.Spec, t template) []string {
	var problems []string
	for _, s := range specs {
		_, set := t.AppSettings[s.Name]
		_, optional := t.Optional[s.Name]
		switch {
		case !set && !optional:
			problems = append(problems, s.Name+": read by the code, but main.bicep neither sets it nor lists it as an optional-setting")
		case set && optional:
			problems = append(problems, s.Name+": main.bicep both sets it and lists it as an optional-setting")
		}
	}
	return problems
}

// bicepExtra reports app settings main.bicep sets, or lists as optional, that
// the code does not read (platform settings aside), and optional entries with no reason.
func bicepExtra(specs []settings.Spec, t template) []string {
	read := map[string]bool{}
	for _, s := range specs {
		read[s.Name] = true
	}
	var problems []string
	for _, name := range sortedKeys(t.AppSettings) {
		if !read[name] && !platformSettings[name] {
			problems = append(problems, name+": set in main.bicep, but the code does not read it")
		}
	}
	for _, name := range sortedKeys(t.Optional) {
		if !read[name] {
			problems = append(problems, name+": listed as an optional-setting in main.bicep, but the code does not read it")
		}
		if t.Optional[name] == "" {
			problems = append(problems, name+": optional-setting without a reason")
		}
	}
	return problems
}

// bicepDefaults reports non-secret settings whose main.bicep parameter is
// missing, unused or has a default other than the code's. A setting's parameter
// is the one named after it (MIMSyncWinRMPort -> mimSyncWinRMPort).
func bicepDefaults(specs []settings.Spec, t template) []string {
	var problems []string
	for _, s := range specs {
		value, set := t.AppSettings[s.Name]
		if !set || s.Secret {
			continue
		}
		p, bound := t.boundParam(s.Name)
		if !bound {
			if s.Default != "" || s.Required {
				problems = append(problems, fmt.Sprintf("%s: the code's default is %q (required: %v), but main.bicep has no parameter named after it", s.Name, s.Default, s.Required))
			}
			continue
		}
		if !identifiers(value)[p.Name] {
			problems = append(problems, fmt.Sprintf("%s: main.bicep sets it to %s, not from parameter %s", s.Name, value, p.Name))
		}
		switch {
		case s.Required && p.HasDefault:
			problems = append(problems, fmt.Sprintf("%s: required by the code, but parameter %s has a default (%s)", s.Name, p.Name, p.DefaultRaw))
		case s.Required:
		case !p.HasDefault:
			problems = append(problems, fmt.Sprintf("%s: the code's default is %q, but parameter %s has none", s.Name, s.Default, p.Name))
		case !p.Literal:
			problems = append(problems, fmt.Sprintf("%s: parameter %s's default is an expression (%s), want the code's default %q", s.Name, p.Name, p.DefaultRaw, s.Default))
		case p.Default != s.Default:
			problems = append(problems, fmt.Sprintf("%s: parameter %s defaults to %q, the code to %q", s.Name, p.Name, p.Default, s.Default))
		}
	}
	return problems
}

// bicepSecrets reports secret settings that main.bicep sets to anything but a
// Key Vault reference, and app settings that use a @secure() parameter directly.
func bicepSecrets(specs []settings.Spec, t template) []string {
	var problems []string
	for _, s := range specs {
		if value, set := t.AppSettings[s.Name]; set && s.Secret && !strings.Contains(value, keyVaultReference) {
			problems = append(problems, fmt.Sprintf("%s: a secret, but main.bicep sets it to %s instead of a Key Vault reference", s.Name, value))
		}
	}
	for _, name := range sortedKeys(t.AppSettings) {
		for id := range identifiers(t.AppSettings[name]) {
			if p, ok := t.Params[id]; ok && p.Secure {
				problems = append(problems, fmt.Sprintf("%s: set from the @secure() parameter %s; secrets reach app settings only as Key Vault references", name, id))
			}
		}
	}
	return problems
}

// localOnlySettings are keys local.settings.json.example may have for Core Tools
// although the code does not read them.
var localOnlySettings = map[string]bool{"FUNCTIONS_WORKER_RUNTIME": true}

// localSettingsDrift reports settings the code reads that local.settings.json.example
// lacks, and keys there that the code does not read.
func localSettingsDrift(specs []settings.Spec, names map[string]bool) []string {
	var problems []string
	read := map[string]bool{}
	for _, s := range specs {
		read[s.Name] = true
		if !names[s.Name] {
			problems = append(problems, s.Name+": read by the code, missing from local.settings.json.example")
		}
	}
	for _, name := range sortedKeys(names) {
		if !read[name] && !localOnlySettings[name] {
			problems = append(problems, name+": in local.settings.json.example, but the code does not read it")
		}
	}
	return problems
}

// readmeDrift reports settings missing from the README's table or with another
// default there, and rows for settings the code does not read.
func readmeDrift(specs []settings.Spec, rows map[string]readmeRow) []string {
	var problems []string
	read := map[string]bool{}
	for _, s := range specs {
		read[s.Name] = true
		row, ok := rows[s.Name]
		switch {
		case !ok:
			problems = append(problems, s.Name+": read by the code, missing from the README's settings table")
		case row.Default != s.Default:
			problems = append(problems, fmt.Sprintf("%s: the README's table says default %q, the code %q", s.Name, row.Default, s.Default))
		}
	}
	for _, name := range sortedKeys(rows) {
		if !read[name] {
			problems = append(problems, name+": in the README's settings table, but the code does not read it")
		}
	}
	return problems
}

func reportAll(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

func TestBicepSetsEverySettingTheCodeReads(t *testing.T) {
	reportAll(t, bicepMissing(codeSettings(), loadTemplate(t)))
}

func TestBicepSetsNoSettingTheCodeDoesNotRead(t *testing.T) {
	reportAll(t, bicepExtra(codeSettings(), loadTemplate(t)))
}

func TestBicepDefaultsAreTheCodesDefaults(t *testing.T) {
	reportAll(t, bicepDefaults(codeSettings(), loadTemplate(t)))
}

func TestBicepSecretsAreKeyVaultReferences(t *testing.T) {
	reportAll(t, bicepSecrets(codeSettings(), loadTemplate(t)))
}

func TestLocalSettingsExampleListsEverySetting(t *testing.T) {
	names, err := localSettingsNames(readFile(t, "../local.settings.json.example"))
	if err != nil {
		t.Fatalf("local.settings.json.example: %v", err)
	}
	reportAll(t, localSettingsDrift(codeSettings(), names))
}

func TestReadmeSettingsTableMatchesTheCode(t *testing.T) {
	reportAll(t, readmeDrift(codeSettings(), readmeSettings(readFile(t, "../README.md"))))
}

// TestDriftChecksReportASettingAddedOnlyToTheCode hands every check the code's
// settings plus one that exists nowhere else, as if a developer had just added
// it to the catalog, and expects each check to name it.
func TestDriftChecksReportASettingAddedOnlyToTheCode(t *testing.T) {
	probe := settings.Spec{Name: "DriftProbeSetting", Default: "42", Area: "test", Help: "exists only in this test"}
	specs := append(codeSettings(), probe)
	tmpl := loadTemplate(t)

	checks := []struct {
		name  string
		check func(t *testing.T) []string
	}{
		{"main.bicep", func(t *testing.T) []string { return bicepMissing(specs, tmpl) }},
		{"README table", func(t *testing.T) []string {
			return readmeDrift(specs, readmeSettings(readFile(t, "../README.md")))
		}},
		{"local.settings.json.example", func(t *testing.T) []string {
			names, err := localSettingsNames(readFile(t, "../local.settings.json.example"))
			if err != nil {
				t.Fatal(err)
			}
			return localSettingsDrift(specs, names)
		}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !mentions(c.check(t), probe.Name) {
				t.Errorf("the %s check did not report %s, a setting only the code has", c.name, probe.Name)
			}
		})
	}

	t.Run("main.bicep default", func(t *testing.T) {
		withParam := tmpl
		withParam.Params = parseParams("param driftProbeSetting string = '41'")
		withParam.AppSettings = map[string]string{probe.Name: "driftProbeSetting"}
		if !mentions(bicepDefaults([]settings.Spec{probe}, withParam), probe.Name) {
			t.Errorf("a parameter default of 41 for a code default of 42 was not reported")
		}
	})
	t.Run("main.bicep extra", func(t *testing.T) {
		extra := tmpl
		extra.AppSettings = map[string]string{probe.Name: "'42'"}
		if !mentions(bicepExtra(settings.All(), extra), probe.Name) {
			t.Errorf("an app setting the code does not read was not reported")
		}
	})
	t.Run("secret in plain text", func(t *testing.T) {
		secret := settings.Spec{Name: "DriftProbeSecret", Secret: true}
		plain := tmpl
		plain.AppSettings = map[string]string{secret.Name: "'hunter2'"}
		if !mentions(bicepSecrets([]settings.Spec{secret}, plain), secret.Name) {
			t.Errorf("a secret set in plain text was not reported")
		}
	})
}

func mentions(problems []string, name string) bool {
	for _, p := range problems {
		if strings.HasPrefix(p, name+":") {
			return true
		}
	}
	return false
}
