package remoteps_test

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
)

func TestReadableStderr(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text passes", "Access is denied.\r\n", "Access is denied.\r\n"},
		{"clixml errors", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
			"<S S=\"Error\">Get-Item : Cannot find path 'C:\\x' because it does not exist._x000D__x000A_</S>" +
			"<S S=\"Error\">    + CategoryInfo : ObjectNotFound_x000D__x000A_</S></Objs>",
			"Get-Item : Cannot find path 'C:\\x' because it does not exist.\r\n    + CategoryInfo : ObjectNotFound\r\n"},
		{"progress only", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
			"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN></Obj></Objs>", ""},
		{"escaped underscore", "#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">a_x005F_x0041_b_x000A_</S></Objs>", "a_x0041_b\n"},
		{"surrogate pair", "#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">bad _xD83D__xDCA1_ idea</S></Objs>", "bad \U0001F4A1 idea"},
		{"several documents", "#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">one_x000A_</S></Objs>" +
			"#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">two_x000A_</S></Objs>", "one\ntwo\n"},
		{"text before clixml", "warning\r\n#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">boom_x000A_</S></Objs>", "warning\r\nboom\n"},
	}
	for _, tt := range tests {
		if got := remoteps.ReadableStderr(tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestConfigFromSettings(t *testing.T) {
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
			cfg := remoteps.ConfigFromSettings(p)
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

func TestConfigFromSettingsPinAndServerName(t *testing.T) {
	base := func() settings.MapEnv {
		return settings.MapEnv{"MIMSyncServer": "10.0.0.5", "MIMSyncCredUser": `LAB\svc`, "MIMSyncCredPassword": "pw-secret"}
	}
	env := base()
	fp := strings.Repeat("0f", 32)
	env["MIMSyncWinRMCertThumbprint"] = " " + strings.ToUpper(strings.Join([]string{fp[:2], fp[2:4], fp[4:]}, ":")) + " "
	env["MIMSyncWinRMTLSServerName"] = "mimsync01.lab.example"
	p := settings.NewParser(env)
	cfg := remoteps.ConfigFromSettings(p)
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
		remoteps.ConfigFromSettings(p)
		var se *settings.Error
		if !asSettingsError(p.Err(), &se) || se.Problems["MIMSyncWinRMCertThumbprint"] == "" {
			t.Errorf("%s: err = %v, want a problem with MIMSyncWinRMCertThumbprint", name, p.Err())
		}
	}
}
