package settings

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateNamesEachBadValue feeds one bad value at a time and expects
// the one error to name that setting with the reason.
func TestValidateNamesEachBadValue(t *testing.T) {
	tests := []struct {
		spec  Spec
		value string
		why   string
	}{
		{SPSiteUrl, "contoso", "want an absolute https URL"},
		{SPSiteUrl, "http://contoso.sharepoint.com/sites/ops", "want an absolute https URL"},
		{SPSiteUrl, "https://user:pw@contoso.sharepoint.com/sites/ops", "want an absolute https URL"},
		{MIMSyncWinRMUseHTTPS, "yes", "want true or false"},
		{MIMSyncWinRMInsecureSkipVerify, "1", "want true or false"},
		{MIMBackupFolderFormat, "yyyy/MM/dd", "one plain folder name"},
		{MIMBackupFolderFormat, "yyyy-MM-dd HH:mm", "one plain folder name"},
		{MIMBackupFolderFormat, "yyyy-QQ", "unknown specifier"},
		{MIMBackupSchedule, "every day at 11", "schedule"},
		{FTPSchedule, "0 30 10 * * * *", "want six fields"},
		{SPChangePollSchedule, "0 61 * * * *", "schedule"},
		{SPChangePollSchedule, "00:05:00", "only on an App Service plan"},
		{MIMSyncWinRMCACert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----", "want one or more PEM certificates"},
		{FTPCACert, "just text", "want one or more PEM certificates"},
		{MIMServiceUri, "localhost:5725", "want an absolute http or https URL"},
		{MIMSyncWinRMPort, "0", "want a TCP port"},
		{FTPMaxConnections, "0", "want at least 1"},
		{FTPTarget, "s3", "want one of winrm, blob, local"},
		{SPCleanupMode, "shred", "want one of recycle, delete"},
		{StorageCredential, "clientsecret", "want one of managedidentity"},
		{SPCleanupQueue, "Deleted_Items", "want a queue name"},
		{MIMBackupContainer, "-bad", "want a blob container name"},
		{OpsTimeZone, "Mars/Olympus", "unknown time zone"},
		{FTPMinFileAge, "soon", "want a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Name+"="+tt.value, func(t *testing.T) {
			err := Validate(MapEnv{tt.spec.Name: tt.value}, []Spec{tt.spec})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *settings.Error", err)
			}
			if why := se.Problems[tt.spec.Name]; !strings.Contains(why, tt.why) {
				t.Errorf("problem = %q, want it to say %q", why, tt.why)
			}
		})
	}
}

func TestValidateAcceptsGoodValues(t *testing.T) {
	env := MapEnv{
		SPSiteUrl.Name: "https://contoso.sharepoint.com/sites/ops", MIMSyncWinRMUseHTTPS.Name: "TRUE",
		MIMBackupFolderFormat.Name: "yyyy-MM-dd-HHmm", MIMBackupSchedule.Name: "0 30 23 * * *",
		FTPSchedule.Name: "0 30 10 * * 1-5", SPChangePollSchedule.Name: "0 */5 * * *", SPCleanupQueue.Name: "sp-deleted-items",
		MIMServiceUri.Name: "http://localhost:5725", StorageCredential.Name: "ManagedIdentity",
	}
	specs := []Spec{SPSiteUrl, MIMSyncWinRMUseHTTPS, MIMBackupFolderFormat, MIMBackupSchedule, FTPSchedule,
		SPChangePollSchedule, SPCleanupQueue, MIMServiceUri, StorageCredential}
	if err := Validate(env, specs); err != nil {
		t.Fatal(err)
	}
}

// TestLoopbackSiteIsAllowedOverHTTP: a stand-in on this machine may speak
// plain HTTP; nothing else may.
func TestLoopbackSiteIsAllowedOverHTTP(t *testing.T) {
	for _, site := range []string{"http://127.0.0.1:8080/sites/ops", "http://localhost/sites/ops", "http://[::1]:9/sites/ops"} {
		if err := Validate(MapEnv{SPSiteUrl.Name: site}, []Spec{SPSiteUrl}); err != nil {
			t.Errorf("%s: %v", site, err)
		}
	}
}

func TestOnePassFindsEveryProblem(t *testing.T) {
	env := MapEnv{SPSiteUrl.Name: "contoso", MIMSyncWinRMUseHTTPS.Name: "yes", MIMBackupFolderFormat.Name: "yyyy/MM/dd",
		FTPSchedule.Name: "every day at 11", FTPTarget.Name: "winrm"}
	err := Validate(env, All())
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	for _, name := range []string{"SPSiteUrl", "MIMSyncWinRMUseHTTPS", "MIMBackupFolderFormat", "FTPSchedule",
		"FTPTargetDirectory", "MIMSyncServer", "FTPServer"} {
		if se.Problems[name] == "" {
			t.Errorf("%s not named: %v", name, err)
		}
	}
}

func TestRequiredWhen(t *testing.T) {
	tests := []struct {
		env  MapEnv
		want map[string]string // setting -> part of its problem; others must be fine
	}{
		{MapEnv{}, map[string]string{"FTPTargetDirectory": "required when FTPTarget=winrm|local"}}, // default target winrm
		{MapEnv{"FTPTarget": "LOCAL"}, map[string]string{"FTPTargetDirectory": "required when"}},
		{MapEnv{"FTPTarget": "blob"}, map[string]string{"FTPTargetContainer": "required when FTPTarget=blob"}},
		{MapEnv{"FTPTarget": "blob", "FTPTargetContainer": "inbound"}, nil},
	}
	for _, tt := range tests {
		err := Validate(tt.env, []Spec{FTPTarget, FTPTargetDirectory, FTPTargetContainer})
		var se *Error
		errors.As(err, &se)
		got := map[string]string{}
		if se != nil {
			got = se.Problems
		}
		if len(got) != len(tt.want) {
			t.Errorf("%v: problems %v, want %v", tt.env, got, tt.want)
		}
		for name, why := range tt.want {
			if !strings.Contains(got[name], why) {
				t.Errorf("%v: %s = %q, want %q", tt.env, name, got[name], why)
			}
		}
	}
}

func TestCheckRunsAfterTheKind(t *testing.T) {
	called := 0
	spec := FTPFilePattern.WithCheck(func(v string) error {
		called++
		return errors.New("unclosed '{'")
	})
	err := Validate(MapEnv{spec.Name: "HR_{yyyy"}, []Spec{spec})
	if err == nil || !strings.Contains(err.Error(), "FTPFilePattern: unclosed '{'") || called != 1 {
		t.Errorf("err = %v, calls %d", err, called)
	}
	if FTPFilePattern.Check != nil {
		t.Error("WithCheck changed the catalog's spec")
	}
}

// TestSecretsKeepTheirSpaces: a password may begin or end with a space; only
// a trailing line break (a secret stored from a file) is dropped.
func TestSecretsKeepTheirSpaces(t *testing.T) {
	tests := []struct{ raw, want string }{
		{" pass word ", " pass word "},
		{"\tpass", "\tpass"},
		{"pass\n", "pass"},
		{"pass \r\n", "pass "},
		{"   ", ""},
	}
	for _, tt := range tests {
		p := NewParser(MapEnv{FTPPassword.Name: tt.raw})
		if got := p.String(FTPPassword); got != tt.want {
			t.Errorf("secret %q read as %q, want %q", tt.raw, got, tt.want)
		}
	}
	if got := NewParser(MapEnv{FTPUsername.Name: " user \n"}).String(FTPUsername); got != "user" {
		t.Errorf("a plain setting read as %q, want it trimmed", got)
	}
	p := NewParser(MapEnv{FTPPassword.Name: "   "})
	p.String(FTPPassword)
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "FTPPassword: missing") {
		t.Errorf("a secret of spaces only: err = %v, want missing", err)
	}
}

// TestCertificateAuthSettingsGoTogether: setting any of the three
// certificate-auth settings makes the other two required.
func TestCertificateAuthSettingsGoTogether(t *testing.T) {
	specs := []Spec{SPTenantId, SPClientId, SPClientCertificate}
	if err := Validate(MapEnv{}, specs); err != nil {
		t.Errorf("managed identity (none set): %v", err)
	}
	err := Validate(MapEnv{SPClientId.Name: "app"}, specs)
	var se *Error
	if !errors.As(err, &se) || len(se.Problems) != 2 ||
		!strings.Contains(se.Problems["SPTenantId"], "required when SPClientId is set") ||
		!strings.Contains(se.Problems["SPClientCertificate"], "required when SPClientId is set") {
		t.Errorf("err = %v", err)
	}
}
