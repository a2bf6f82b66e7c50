package settings

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		env     MapEnv
		specs   []Spec
		want    []string // each problem the error must name
		wantNil bool
	}{
		{name: "everything missing names each required setting", env: MapEnv{}, specs: All(),
			want: []string{"MIMSyncServer: missing", "MIMSyncCredUser: missing", "MIMSyncCredPassword: missing",
				"FTPServer: missing", "FTPUsername: missing", "FTPPassword: missing", "SPSiteUrl: missing", "SPListTitle: missing"}},
		{name: "defaults are valid", env: MapEnv{MIMSyncServer.Name: "mim", MIMSyncCredUser.Name: "u", MIMSyncCredPassword.Name: "p"},
			specs: []Spec{MIMSyncServer, MIMSyncCredUser, MIMSyncCredPassword, MIMSyncWinRMPort, MIMSyncWinRMUseHTTPS,
				MIMBackupFolderFormat, MIMBackupRetentionDays, FTPTarget, FTPTLS, FTPMaxConnections, FTPMinFileAge, FTPTimeout,
				SPCleanupMode, OpsTimeZone, WebsiteTimeZone}, wantNil: true},
		{name: "malformed values", env: MapEnv{
			MIMSyncWinRMPort.Name: "70000", MIMSyncWinRMUseHTTPS.Name: "sometimes", MIMBackupFolderFormat.Name: "yyyy-QQ",
			MIMBackupRetentionDays.Name: "-1", FTPTarget.Name: "s3", FTPTLS.Name: "starttls", FTPMaxConnections.Name: "0",
			FTPMinFileAge.Name: "a while", FTPTimeout.Name: "1 minute", SPCleanupMode.Name: "shred", OpsTimeZone.Name: "Mars Standard Time"},
			specs: All(),
			want: []string{"MIMSyncWinRMPort: want a TCP port", "MIMSyncWinRMUseHTTPS: want true or false", "MIMBackupFolderFormat: opstime: unknown specifier",
				"MIMBackupRetentionDays: want a non-negative", "FTPTarget: want one of", "FTPTLS: want one of", "FTPMaxConnections: want at least 1",
				"FTPMinFileAge: want a duration", "FTPTimeout: want a duration", "SPCleanupMode: want one of", "OpsTimeZone: unknown time zone"}},
		{name: "a bad WEBSITE_TIME_ZONE is named", env: MapEnv{WebsiteTimeZone.Name: "Nowhere"}, specs: []Spec{OpsTimeZone, WebsiteTimeZone},
			want: []string{"WEBSITE_TIME_ZONE: unknown time zone"}},
		{name: "an unused WEBSITE_TIME_ZONE is not checked", env: MapEnv{OpsTimeZone.Name: "Europe/Paris", WebsiteTimeZone.Name: "Nowhere"},
			specs: []Spec{OpsTimeZone, WebsiteTimeZone}, wantNil: true},
		{name: "Windows zone names are valid", env: MapEnv{OpsTimeZone.Name: "AUS Eastern Standard Time", WebsiteTimeZone.Name: "W. Europe Standard Time"},
			specs: []Spec{OpsTimeZone, WebsiteTimeZone}, wantNil: true},
		{name: "an unresolved Key Vault reference", env: MapEnv{FTPPassword.Name: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/ftp/)"},
			specs: []Spec{FTPPassword}, want: []string{"FTPPassword: an unresolved Key Vault reference"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.env, tt.specs)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *settings.Error", err)
			}
			if len(tt.specs) < len(All()) && len(se.Problems) != len(tt.want) {
				t.Errorf("%d problems, want %d: %v", len(se.Problems), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %q: %v", w, err)
				}
			}
		})
	}
}

func TestKeyVaultReferences(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s/)", true},
		{"@Microsoft.KeyVault(VaultName=kv;SecretName=s)", true},
		{"@microsoft.keyvault(VaultName=kv;SecretName=s)", true},
		{"@Microsoft.KeyVault", false},
		{"plain-password", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsKeyVaultReference(tt.value); got != tt.want {
			t.Errorf("IsKeyVaultReference(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
	p := NewParser(MapEnv{SPCleanupQueue.Name: "@Microsoft.KeyVault(VaultName=kv;SecretName=q)"})
	if got := p.String(SPCleanupQueue); got != SPCleanupQueue.Default {
		t.Errorf("an unresolved reference reads as %q, want the default %q", got, SPCleanupQueue.Default)
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "SPCleanupQueue: an unresolved Key Vault reference") {
		t.Errorf("err = %v", err)
	}
}
