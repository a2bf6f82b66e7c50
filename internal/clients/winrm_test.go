package clients_test

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestWinRM: the MIMSync* settings give the client its configuration, and
// every bad one is named.
func TestWinRM(t *testing.T) {
	tests := []struct {
		name    string
		env     settings.MapEnv
		port    int
		https   bool
		badKeys []string
	}{
		{"defaults", settings.MapEnv{"MIMSyncServer": "mim01", "MIMSyncCredUser": `LAB\svc`, "MIMSyncCredPassword": "pw-secret"}, 5986, true, nil},
		{"http without a port", settings.MapEnv{"MIMSyncServer": "mim01", "MIMSyncCredUser": "svc", "MIMSyncCredPassword": "pw-secret",
			"MIMSyncWinRMUseHTTPS": "false"}, 5985, false, nil},
		{"bad values", settings.MapEnv{"MIMSyncWinRMPort": "99999", "MIMSyncWinRMCACert": "not a pem", "MIMSyncWinRMUseHTTPS": "maybe"}, 99999, false,
			[]string{"MIMSyncServer", "MIMSyncCredUser", "MIMSyncCredPassword", "MIMSyncWinRMPort", "MIMSyncWinRMCACert", "MIMSyncWinRMUseHTTPS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := settings.NewParser(tt.env)
			cfg := clients.WinRM(p)
			err := p.Err()
			if len(tt.badKeys) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Port != tt.port || cfg.HTTPS != tt.https || cfg.Auth != remoteps.AuthNTLM {
					t.Errorf("config %+v, want port %d https %v ntlm", cfg, tt.port, tt.https)
				}
				return
			}
			var se *settings.Error
			if !asSettingsError(err, &se) {
				t.Fatalf("err = %v, want *settings.Error", err)
			}
			for _, k := range tt.badKeys {
				if _, ok := se.Problems[k]; !ok {
					t.Errorf("problem with %s not reported: %v", k, err)
				}
			}
		})
	}
}

func asSettingsError(err error, target **settings.Error) bool {
	se, ok := err.(*settings.Error)
	*target = se
	return ok
}

func TestWinRMPinAndServerName(t *testing.T) {
	base := func() settings.MapEnv {
		return settings.MapEnv{"MIMSyncServer": "10.0.0.5", "MIMSyncCredUser": `LAB\svc`, "MIMSyncCredPassword": "pw-secret"}
	}
	env := base()
	fp := strings.Repeat("0f", 32)
	env["MIMSyncWinRMCertThumbprint"] = " " + strings.ToUpper(strings.Join([]string{fp[:2], fp[2:4], fp[4:]}, ":")) + " "
	env["MIMSyncWinRMTLSServerName"] = "mimsync01.lab.example"
	p := settings.NewParser(env)
	cfg := clients.WinRM(p)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	if cfg.CertSHA256 != fp || cfg.TLSServerName != "mimsync01.lab.example" {
		t.Errorf("pin %q, server name %q; want %q and the setting", cfg.CertSHA256, cfg.TLSServerName, fp)
	}

	for name, edit := range map[string]func(settings.MapEnv){
		"SHA-1 thumbprint": func(e settings.MapEnv) { e["MIMSyncWinRMCertThumbprint"] = strings.Repeat("A1", 20) },
		"over HTTP":        func(e settings.MapEnv) { e["MIMSyncWinRMCertThumbprint"] = fp; e["MIMSyncWinRMUseHTTPS"] = "false" },
		"with skip-verify": func(e settings.MapEnv) {
			e["MIMSyncWinRMCertThumbprint"] = fp
			e["MIMSyncWinRMInsecureSkipVerify"] = "true"
		},
	} {
		env := base()
		edit(env)
		p := settings.NewParser(env)
		clients.WinRM(p)
		var se *settings.Error
		if !asSettingsError(p.Err(), &se) || se.Problems["MIMSyncWinRMCertThumbprint"] == "" {
			t.Errorf("%s: err = %v, want a problem with MIMSyncWinRMCertThumbprint", name, p.Err())
		}
	}
}
