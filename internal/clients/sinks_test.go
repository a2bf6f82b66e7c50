package clients_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sink"
)

var ftpTarget = clients.SinkSettings{Target: settings.FTPTarget,
	Directory: settings.FTPTargetDirectory, Container: settings.FTPTargetContainer}

// mimServer is a complete set of the MIM server's settings.
var mimServer = settings.MapEnv{"MIMSyncServer": "mim.contoso.test", "MIMSyncCredUser": `CONTOSO\svc`,
	"MIMSyncCredPassword": "p@ss"}

func with(base settings.MapEnv, kv ...string) settings.MapEnv {
	env := settings.MapEnv{}
	for k, v := range base {
		env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// ReadSinkTarget reads a target's settings once, the MIM server's only for
// winrm, and names every bad one.
func TestReadSinkTarget(t *testing.T) {
	tests := []struct {
		name      string
		env       settings.MapEnv
		kind      string
		where     string
		wantHost  string
		wantError []string // settings the error names
	}{
		{"winrm", with(mimServer, "FTPTargetDirectory", `C:\MIM\Imports`), sink.KindWinRM, `C:\MIM\Imports`, "mim.contoso.test", nil},
		{"blob needs no MIM server", settings.MapEnv{"FTPTarget": "blob", "FTPTargetContainer": "hrfiles"}, sink.KindBlob, "hrfiles", "", nil},
		{"local needs no MIM server", settings.MapEnv{"FTPTarget": "Local", "FTPTargetDirectory": "/srv/in"}, sink.KindLocal, "/srv/in", "", nil},
		{"winrm without the MIM server", settings.MapEnv{"FTPTargetDirectory": `C:\x`}, "", "", "",
			[]string{"MIMSyncServer", "MIMSyncCredUser", "MIMSyncCredPassword"}},
		{"winrm without a folder", mimServer, "", "", "", []string{"FTPTargetDirectory: missing (FTPTarget=winrm)"}},
		{"local without a folder", settings.MapEnv{"FTPTarget": "local"}, "", "", "", []string{"FTPTargetDirectory: missing (FTPTarget=local)"}},
		{"blob without a container", settings.MapEnv{"FTPTarget": "blob"}, "", "", "", []string{"FTPTargetContainer: missing (FTPTarget=blob)"}},
		{"unknown target", settings.MapEnv{"FTPTarget": "ftp"}, "", "", "", []string{"FTPTarget: want one of winrm, blob, local"}},
		{"port out of range", with(mimServer, "FTPTargetDirectory", `C:\x`, "MIMSyncWinRMPort", "70000"), "", "", "",
			[]string{"MIMSyncWinRMPort"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := settings.NewParser(tt.env)
			got := clients.ReadSinkTarget(p, ftpTarget)
			err := p.Err()
			if len(tt.wantError) > 0 {
				var se *settings.Error
				if !errors.As(err, &se) {
					t.Fatalf("got %v, want an error naming %v", err, tt.wantError)
				}
				for _, want := range tt.wantError {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%v does not name %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.kind || got.Where() != tt.where || got.WinRM.Host != tt.wantHost {
				t.Errorf("got %+v", got)
			}
		})
	}
}

// Specs declares the target's settings and the MIM server's, whose
// required ones a function with a target needs only for winrm.
func TestSinkSettingsSpecs(t *testing.T) {
	specs := ftpTarget.Specs()
	if len(specs) != 3+len(clients.WinRMSettings) {
		t.Fatalf("%d specs", len(specs))
	}
	for _, s := range specs {
		if s.Required {
			t.Errorf("%s is required whatever the target", s.Name)
		}
	}
	err := settings.Validate(settings.MapEnv{"FTPTarget": "blob", "FTPTargetContainer": "hrfiles"}, specs)
	if err != nil {
		t.Errorf("a blob target: %v", err)
	}
	err = settings.Validate(settings.MapEnv{"FTPTargetDirectory": `C:\x`}, specs)
	if err == nil || !strings.Contains(err.Error(), "MIMSyncServer: missing (required when FTPTarget=winrm)") {
		t.Errorf("a winrm target without the server: %v", err)
	}
}
