package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
)

// goodEnv is a complete, well-formed set of settings for every function of
// functions.All(): the values below, and for any other setting a function
// needs (required, or required under the defaults) a sample of its kind, so
// a new function's required settings are covered without a line here.
func goodEnv() settings.MapEnv {
	env := settings.MapEnv{
		"AzureWebJobsStorage": "UseDevelopmentStorage=true",
		"MIMSyncServer":       "mim.contoso.test", "MIMSyncCredUser": `CONTOSO\svc`, "MIMSyncCredPassword": " pass word ",
		"FTPServer": "ftp.contoso.test", "FTPUsername": "u", "FTPPassword": "p", "FTPTargetDirectory": `D:\Inbound`, "EntraExportDirectory": `D:\Entra`,
		"SPSiteUrl": "https://contoso.sharepoint.com/sites/ops", "SPListTitle": "Projects", "SPCleanupTargets": "Tasks:Project",
	}
	for _, d := range functions.All() {
		for _, s := range d.Settings {
			if _, set := env[s.Name]; !set && neededUnderDefaults(s, env) {
				env[s.Name] = sampleValue(s)
			}
		}
	}
	return env
}

// neededUnderDefaults reports whether a run fails without s, given env and
// the defaults of the settings its conditions name.
func neededUnderDefaults(s settings.Spec, env settings.MapEnv) bool {
	if s.Required {
		return true
	}
	for _, c := range s.RequiredWhen {
		value := env[c.Setting]
		if spec, ok := settings.ByName(c.Setting); ok && value == "" {
			value = spec.Default
		}
		if len(c.Values) == 0 && value != "" {
			return true
		}
		for _, v := range c.Values {
			if strings.EqualFold(v, value) {
				return true
			}
		}
	}
	return false
}

// sampleValue is a well-formed value of a setting: its catalog example, else
// one of its kind; "" for a kind without a sample (give the setting an
// Example in the catalog).
func sampleValue(s settings.Spec) string {
	if s.Example != "" {
		return s.Example
	}
	switch s.Kind {
	case settings.Text, settings.ContainerName, settings.QueueName:
		return "sample"
	case settings.HTTPSURL, settings.HTTPURL:
		return "https://sample.contoso.test"
	case settings.Int:
		return strconv.Itoa(s.Min)
	case settings.Port:
		return "5986"
	case settings.Bool:
		return "true"
	case settings.Duration:
		return "1m"
	case settings.Enum:
		return s.Allowed[0]
	case settings.Schedule:
		return "0 0 * * * *"
	case settings.TimeZone:
		return "UTC"
	case settings.DateFormat, settings.FolderDateFormat:
		return "yyyy-MM-dd"
	case settings.Fingerprint:
		return strings.Repeat("ab", 32)
	}
	return ""
}

// TestSampleValuesAreWellFormed: goodEnv's samples pass the catalog's rules
// for their kind.
func TestSampleValuesAreWellFormed(t *testing.T) {
	for _, kind := range []settings.Kind{settings.Text, settings.Int, settings.Port, settings.Bool, settings.Duration,
		settings.HTTPSURL, settings.HTTPURL, settings.TimeZone, settings.DateFormat, settings.FolderDateFormat,
		settings.Schedule, settings.ContainerName, settings.QueueName, settings.Fingerprint} {
		s := settings.Spec{Name: "Sample", Kind: kind, Required: true}
		if err := settings.Validate(settings.MapEnv{"Sample": sampleValue(s)}, []settings.Spec{s}); err != nil {
			t.Errorf("%s: sample %q: %v", kind, sampleValue(s), err)
		}
	}
	enum := settings.Spec{Name: "Sample", Kind: settings.Enum, Allowed: []string{"a", "b"}, Required: true}
	if err := settings.Validate(settings.MapEnv{"Sample": sampleValue(enum)}, []settings.Spec{enum}); err != nil {
		t.Errorf("enum sample: %v", err)
	}
	required := settings.Spec{Name: "NewRequired", Required: true}
	if !neededUnderDefaults(required, settings.MapEnv{}) || neededUnderDefaults(settings.FTPTargetContainer, settings.MapEnv{}) ||
		!neededUnderDefaults(settings.FTPTargetDirectory, settings.MapEnv{}) {
		t.Error("neededUnderDefaults misreads Required or RequiredWhen under the defaults")
	}
}

// TestCheckFirstRowNamesEachBadValue: each value an operator could get
// wrong is named, with the reason, in the first row of `handler check`.
func TestCheckFirstRowNamesEachBadValue(t *testing.T) {
	tests := []struct{ setting, value, why string }{
		{"SPSiteUrl", "contoso", "want an absolute https URL"},
		{"SPSiteUrl", "http://contoso.sharepoint.com/sites/ops", "want an absolute https URL"},
		{"FTPFilePattern", "HR_{yyyyMMdd_*.csv", "unclosed '{'"},
		{"FTPFilePattern", "HR_[0-9.csv", "unclosed '['"},
		{"FTPTargetSubfolder", "{yyyy}/../x", "not a safe folder name"},
		{"MIMSyncWinRMCACert", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----", "want one or more PEM certificates"},
		{"MIMBackupFolderFormat", "yyyy/MM/dd", "one plain folder name"},
		{"SPClientCertificate", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----", "SPClientCertificate"},
		{"SPClientCertificate", "not base64 at all!", "neither PEM nor base64 PFX"},
		{"SPCleanupTargets", "Tasks", `"Tasks" is not List:LookupColumn`},
		{"MIMSyncWinRMUseHTTPS", "yes", "want true or false"},
		{"FTPSchedule", "every day at 11", "want six fields"},
		{"MIMBackupSchedule", "0 30 23 * * * *", "got 7 fields"},
		{"SPChangePollSchedule", "0 0 25 * * *", "schedule"},
		{"EntraGraphEndpoint", "http://graph.microsoft.com", "want an absolute https URL"},
		{"EntraExportTarget", "ftp", "want one of winrm, blob, local"},
		{"MIMSyncWinRMCertThumbprint", "AB:CD", "SHA-256"},
	}
	for _, tt := range tests {
		t.Run(tt.setting+"="+tt.value, func(t *testing.T) {
			env := goodEnv()
			env[tt.setting] = tt.value
			row := checkAllSettings(env, functions.All(), nil)
			if row.OK {
				t.Fatalf("settings row ok with %s=%q", tt.setting, tt.value)
			}
			if !strings.Contains(row.Why, tt.setting+": ") || !strings.Contains(row.Why, tt.why) {
				t.Errorf("settings row %q does not name %s with %q", row.Why, tt.setting, tt.why)
			}
		})
	}
	_, storageErr := clients.Storage(goodEnv())
	if row := checkAllSettings(goodEnv(), functions.All(), storageErr); !row.OK {
		t.Errorf("good settings: %+v", row)
	}
	// The settings row comes first, before any dependency is tried.
	env := goodEnv()
	delete(env, "AzureWebJobsStorage")
	env["FTPSchedule"] = "every day at 11"
	stub := function.Declaration{Name: "Stub", Settings: []settings.Spec{settings.FTPSchedule}}
	rows := checkAll(context.Background(), newRunner(env, io.Discard, io.Discard), []function.Declaration{stub})
	if rows[0].Dependency != "settings" || rows[0].OK || !strings.Contains(rows[0].Why, "FTPSchedule: ") {
		t.Errorf("first row = %+v, want the failed settings row naming FTPSchedule", rows[0])
	}
}

// TestRunReportsEveryBadSettingInOneError: a run with bad settings fails
// before the function runs, with one error naming each.
func TestRunReportsEveryBadSettingInOneError(t *testing.T) {
	ran := false
	decl := function.Declaration{Name: "Stub", Trigger: function.Timer("timer", settings.FTPSchedule),
		Settings: []settings.Spec{settings.FTPSchedule, settings.FTPTLS, settings.SPSiteUrl, settings.FTPServer},
		Run:      func(context.Context, *function.Invocation) error { ran = true; return nil }}
	env := settings.MapEnv{"FTPSchedule": "every day at 11", "FTPTLS": "ssl", "SPSiteUrl": "contoso"}
	_, err := newRunner(env, io.Discard, io.Discard).invoke(context.Background(), decl, "", invoke.Request{})
	if err == nil || ran {
		t.Fatalf("err = %v, ran = %v; want a settings error before the run", err, ran)
	}
	for _, name := range []string{"FTPSchedule: ", "FTPTLS: ", "SPSiteUrl: ", "FTPServer: missing"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%q does not name %s", err, name)
		}
	}
}

func TestDiscardedMessageIsSaidAndHasItsOwnExitStatus(t *testing.T) {
	queue := function.Queue("message", settings.SPCleanupQueue)
	tests := []struct {
		name string
		run  function.RunFunc
	}{
		{"the function returns function.Discard", func(_ context.Context, inv *function.Invocation) error {
			return function.Discard(errors.New("no listId"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decl := function.Declaration{Name: "Stub", Trigger: queue, Run: tt.run}
			res, err := newRunner(settings.MapEnv{}, io.Discard, io.Discard).invoke(context.Background(), decl, "", invoke.Request{})
			if err != nil {
				t.Fatalf("err = %v: the host must see success, so the message is not retried", err)
			}
			if res.Discarded == "" {
				t.Fatal("the discard was not reported")
			}
			if got := exitStatus(discardedError{reason: res.Discarded}); got != exitDiscarded {
				t.Errorf("exit status %d, want %d", got, exitDiscarded)
			}
		})
	}
	ok := function.Declaration{Name: "Stub", Trigger: queue, Run: func(context.Context, *function.Invocation) error { return nil }}
	if res, _ := newRunner(settings.MapEnv{}, io.Discard, io.Discard).invoke(context.Background(), ok, "", invoke.Request{}); res.Discarded != "" {
		t.Errorf("a processed message reported as discarded: %q", res.Discarded)
	}
}

func TestExitStatuses(t *testing.T) {
	if exitStatus(nil) != 0 || exitStatus(errors.New("x")) != exitFailed ||
		exitStatus(usageError{errors.New("x")}) != exitUsage || exitStatus(discardedError{}) != exitDiscarded {
		t.Error("exit statuses are not 0, 1, 2, 3")
	}
	if err := dispatch([]string{"chekc"}); exitStatus(err) != exitUsage {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestFunctionNamesSuggestTheRightOne(t *testing.T) {
	tests := map[string]string{
		"mimconfigbackup": "MimConfigBackup", "FTPRETRIEVE": "FtpRetrieve", "FtpRetreive": "FtpRetrieve",
		"cleanup": "SharePointCleanup", "SharePointChangePol": "SharePointChangePoll", "payroll": "",
	}
	for in, want := range tests {
		_, err := lookupFunction("check", in)
		if err == nil || exitStatus(err) != exitUsage {
			t.Fatalf("%s: err = %v, want a usage error", in, err)
		}
		if want != "" && !strings.Contains(err.Error(), "did you mean "+want+"?") {
			t.Errorf("%s: %v, want a suggestion of %s", in, err, want)
		}
		if want == "" && !strings.Contains(err.Error(), "have MimConfigBackup") {
			t.Errorf("%s: %v, want the list of functions", in, err)
		}
	}
}

func TestSettingsFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "local.settings.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"IsEncrypted":false,"Values":{"FTPServer":"from-file","FTPMaxConnections":8,"MIMSyncWinRMUseHTTPS":true,"FTPUsername":"file-user"},"ConnectionStrings":{}}`)
	var notes strings.Builder
	env, err := loadSettingsFile(file, settings.MapEnv{"FTPUsername": "env-user"}, &notes)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"FTPServer": "from-file", "FTPMaxConnections": "8", "MIMSyncWinRMUseHTTPS": "true", "FTPUsername": "env-user"} {
		if got, _ := env.Lookup(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(notes.String(), "skipping FTPUsername") {
		t.Errorf("no note that the environment won: %q", notes.String())
	}
	write(`{"IsEncrypted":true,"Values":{"FTPServer":"x"}}`)
	if _, err := loadSettingsFile(file, settings.MapEnv{}, io.Discard); err == nil || !strings.Contains(err.Error(), "func settings decrypt") {
		t.Errorf("encrypted file: err = %v", err)
	}
	write(`not json`)
	if _, err := loadSettingsFile(file, settings.MapEnv{}, io.Discard); err == nil {
		t.Error("a file that is not JSON was accepted")
	}
}

func TestCredentialFailureIsOneLineSayingWhatToDo(t *testing.T) {
	chain := "DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n\tEnvironmentCredential: missing environment variables\n\tManagedIdentityCredential: no response\n\tAzureCLICredential: Azure CLI not found on path"
	got := oneLine("listing containers: " + chain)
	if strings.Contains(got, "\n") || !strings.Contains(got, "az login") {
		t.Errorf("oneLine = %q", got)
	}
	if got := oneLine("dial tcp: refused\n  at line 2"); got != "dial tcp: refused at line 2" {
		t.Errorf("oneLine = %q", got)
	}
	var table strings.Builder
	printCheckTable(&table, []function.CheckResult{{Dependency: "storage", Why: chain}}, nil)
	if lines := strings.Count(strings.TrimSpace(table.String()), "\n"); lines != 1 {
		t.Errorf("the table has %d lines for one row:\n%s", lines+1, table.String())
	}
}

// TestRedactorKnowsSecretsOnlyADeclarationHas: the redactor is built from
// the catalog and every declaration, so a secret missing from the catalog
// is still redacted.
func TestRedactorKnowsSecretsOnlyADeclarationHas(t *testing.T) {
	secret := settings.Spec{Name: "BrandNewSecret", Secret: true}
	specs := knownSettings([]function.Declaration{{Name: "Stub", Settings: []settings.Spec{secret}}})
	values := settings.SecretValues(settings.MapEnv{"BrandNewSecret": "s3cr3t-value"}, specs)
	if len(values) == 0 || values[0] != "s3cr3t-value" {
		t.Errorf("SecretValues = %q, want the declared secret", values)
	}
	if len(knownSettings(functions.All())) != len(settings.All()) {
		t.Error("a function declares a setting the catalog lacks")
	}
}

// TestCredentialFailureSaysWhatToDoOnce: a credential error that already
// says what to do in one line is not told twice.
func TestCredentialFailureSaysWhatToDoOnce(t *testing.T) {
	why := "storage: listing containers: azcred: " + azcred.NoCredentialHint + " (DefaultAzureCredential: failed to acquire a token.)"
	if got := oneLine(why); strings.Count(got, "az login") != 1 {
		t.Errorf("oneLine = %q", got)
	}
}
