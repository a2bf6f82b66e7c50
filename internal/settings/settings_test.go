package settings

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEverythingMissingIsOneErrorNamingEachSetting(t *testing.T) {
	p := NewParser(MapEnv{})
	var required []string
	for _, s := range All() {
		p.String(s)
		if s.Required {
			required = append(required, s.Name)
		}
	}
	if len(required) < 5 {
		t.Fatalf("catalog has only %d required settings; the test needs the real catalog", len(required))
	}
	err := p.Err()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *settings.Error", err)
	}
	if len(se.Problems) != len(required) {
		t.Errorf("%d problems, want %d (one per required setting): %v", len(se.Problems), len(required), se.Problems)
	}
	for _, name := range required {
		if !strings.Contains(err.Error(), name+": missing") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestMalformedSettingsAreCollected(t *testing.T) {
	env := MapEnv{
		MIMSyncWinRMPort.Name:     "five",
		MIMSyncWinRMUseHTTPS.Name: "maybe",
		FTPMinFileAge.Name:        "soon",
		FTPTarget.Name:            "ftp",
		OpsTimeZone.Name:          "Mars/Olympus",
		MIMSyncCredPassword.Name:  "secret-password",
	}
	p := NewParser(env)
	p.Int(MIMSyncWinRMPort)
	p.Bool(MIMSyncWinRMUseHTTPS)
	p.Duration(FTPMinFileAge)
	p.OneOf(FTPTarget, "winrm", "blob", "local")
	p.Location(OpsTimeZone)
	p.Int(MIMSyncCredPassword) // a secret that is malformed must not be quoted
	err := p.Err()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`MIMSyncWinRMPort: want a non-negative whole number, got "five"`,
		`MIMSyncWinRMUseHTTPS: want true or false, got "maybe"`,
		`FTPMinFileAge: want a duration`,
		`FTPTarget: want one of winrm, blob, local, got "ftp"`,
		`OpsTimeZone: unknown time zone "Mars/Olympus"`,
		`MIMSyncCredPassword: want a non-negative whole number, got "<redacted>"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "secret-password") {
		t.Errorf("error quotes a secret: %v", err)
	}
}

func TestDefaultsFillUnsetSettings(t *testing.T) {
	p := NewParser(MapEnv{SPCleanupQueue.Name: "  "})
	if got := p.String(SPCleanupQueue); got != "sp-deleted-items" {
		t.Errorf("blank SPCleanupQueue = %q, want the default", got)
	}
	if got := p.Int(MIMSyncWinRMPort); got != 5986 {
		t.Errorf("MIMSyncWinRMPort = %d, want 5986", got)
	}
	if err := p.Err(); err != nil {
		t.Errorf("defaults gave an error: %v", err)
	}
}

func TestWindowsZoneNames(t *testing.T) {
	instants := []time.Time{
		time.Date(2026, time.January, 15, 12, 0, 0, 0, time.UTC),
		time.Date(2026, time.April, 5, 15, 30, 0, 0, time.UTC), // Sydney leaves DST at 16:00 UTC
		time.Date(2026, time.July, 15, 12, 0, 0, 0, time.UTC),
	}
	tests := []struct{ windows, iana string }{
		{"AUS Eastern Standard Time", "Australia/Sydney"},
		{"aus eastern standard time", "Australia/Sydney"},
		{"New Zealand Standard Time", "Pacific/Auckland"},
		{"GMT Standard Time", "Europe/London"},
		{"Eastern Standard Time", "America/New_York"},
		{"W. Europe Standard Time", "Europe/Berlin"},
		{"Australia/Sydney", "Australia/Sydney"},
	}
	for _, tt := range tests {
		t.Run(tt.windows, func(t *testing.T) {
			got, err := LoadLocation(tt.windows)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.LoadLocation(tt.iana)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range instants {
				_, g := at.In(got).Zone()
				_, w := at.In(want).Zone()
				if g != w {
					t.Errorf("at %s: offset %d, want %d", at, g, w)
				}
			}
		})
	}
}

func TestLoadLocationRejects(t *testing.T) {
	for _, name := range []string{"Mars Standard Time", "../../etc/passwd", "Australia/Nowhere"} {
		if _, err := LoadLocation(name); err == nil {
			t.Errorf("LoadLocation(%q) succeeded", name)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"2m", 2 * time.Minute},
		{"90s", 90 * time.Second},
		{"00:02:00", 2 * time.Minute},
		{"01:30", 90 * time.Minute},
		{"1.02:00:00", 26 * time.Hour},
		{"00:00:01.5", 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "soon", "1:2:3:4", "-1:00"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

func TestSecretValuesIncludeConnectionStringKeys(t *testing.T) {
	env := MapEnv{
		Storage.Name:             "DefaultEndpointsProtocol=https;AccountName=ops;AccountKey=a2V5LWtleS1rZXk=;EndpointSuffix=core.windows.net",
		FTPPassword.Name:         "ftp-secret",
		FTPUsername.Name:         "not-a-secret",
		MIMSyncCredPassword.Name: "",
	}
	got := strings.Join(SecretValues(env, All()), "|")
	for _, want := range []string{"ftp-secret", "a2V5LWtleS1rZXk=", env[Storage.Name]} {
		if !strings.Contains(got, want) {
			t.Errorf("secret values lack %q: %s", want, got)
		}
	}
	if strings.Contains(got, "not-a-secret") || strings.Contains(got, "|ops|") {
		t.Errorf("secret values include non-secrets: %s", got)
	}
}

func TestCatalogNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		if seen[s.Name] {
			t.Errorf("%s declared twice", s.Name)
		}
		seen[s.Name] = true
		if got, ok := ByName(s.Name); !ok || got.Name != s.Name {
			t.Errorf("ByName(%s) = %v, %v", s.Name, got, ok)
		}
	}
}

func TestSecretValuesIncludeTheSASSignature(t *testing.T) {
	env := MapEnv{Storage.Name: "BlobEndpoint=https://ops.blob.core.windows.net/;QueueEndpoint=https://ops.queue.core.windows.net/;" +
		"SharedAccessSignature=sv=2022-11-02&ss=bq&sig=c2lnbmF0dXJlK3Nl%2Bcg%3D%3D"}
	got := SecretValues(env, All())
	for _, want := range []string{
		"sv=2022-11-02&ss=bq&sig=c2lnbmF0dXJlK3Nl%2Bcg%3D%3D", // the whole token
		"c2lnbmF0dXJlK3Nl%2Bcg%3D%3D",                         // the signature as written
		"c2lnbmF0dXJlK3Nl+cg==",                               // and unescaped
	} {
		if !slices.Contains(got, want) {
			t.Errorf("secret values lack %q: %q", want, got)
		}
	}
}

func TestEveryWindowsZoneLoads(t *testing.T) {
	if len(windowsZones()) < 130 {
		t.Fatalf("only %d Windows zones; CLDR's windowsZones has about 140", len(windowsZones()))
	}
	for win, iana := range windowsZones() {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%s maps to %s, which does not load: %v", win, iana, err)
		}
	}
}

func TestZoneDefaults(t *testing.T) {
	tests := []struct {
		name    string
		env     MapEnv
		want    string // an IANA name with the same offsets
		wantErr string
	}{
		{"nothing set is UTC", MapEnv{}, "UTC", ""},
		{"OpsTimeZone IANA", MapEnv{OpsTimeZone.Name: "Australia/Sydney"}, "Australia/Sydney", ""},
		{"OpsTimeZone Windows", MapEnv{OpsTimeZone.Name: "AUS Eastern Standard Time"}, "Australia/Sydney", ""},
		{"WEBSITE_TIME_ZONE Windows (Windows plans)", MapEnv{WebsiteTimeZone.Name: "Tokyo Standard Time"}, "Asia/Tokyo", ""},
		{"WEBSITE_TIME_ZONE IANA (Linux plans)", MapEnv{WebsiteTimeZone.Name: "Europe/London"}, "Europe/London", ""},
		{"OpsTimeZone wins", MapEnv{OpsTimeZone.Name: "UTC", WebsiteTimeZone.Name: "Tokyo Standard Time"}, "UTC", ""},
		{"Windows UTC", MapEnv{OpsTimeZone.Name: "UTC"}, "UTC", ""},
		{"Windows UTC+12", MapEnv{OpsTimeZone.Name: "UTC+12"}, "Etc/GMT-12", ""},
		{"bad OpsTimeZone is named", MapEnv{OpsTimeZone.Name: "Middle Earth"}, "", "OpsTimeZone: unknown time zone"},
		{"bad WEBSITE_TIME_ZONE is named", MapEnv{WebsiteTimeZone.Name: "Middle Earth"}, "", "WEBSITE_TIME_ZONE: unknown time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewParser(tt.env)
			got := p.Zone()
			err := p.Err()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, _ := time.LoadLocation(tt.want)
			for _, at := range []time.Time{time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)} {
				_, g := at.In(got).Zone()
				_, w := at.In(want).Zone()
				if g != w {
					t.Errorf("at %s: offset %d, want %d (%s)", at, g, w, tt.want)
				}
			}
		})
	}
}

func TestParseTimeSpan(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"00:00:30", 30 * time.Second},
		{"00:00:02", 2 * time.Second},
		{"01:30:00", 90 * time.Minute},
		{"1.00:00:00", 24 * time.Hour},
		{"00:00:00.5", 500 * time.Millisecond},
		{"00:00:00.0000001", 100},
	}
	for _, tt := range tests {
		got, err := ParseTimeSpan(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTimeSpan(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "30s", "0:0", "aa:bb:cc"} {
		if _, err := ParseTimeSpan(bad); err == nil {
			t.Errorf("ParseTimeSpan(%q) succeeded", bad)
		}
	}
}

// Int applies the catalog's bounds itself, so a function reading a setting
// never repeats them.
func TestIntAppliesTheSpecBounds(t *testing.T) {
	bounded := Spec{Name: "Bounded", Kind: Int, Min: 1, Max: 10}
	tests := []struct {
		spec  Spec
		value string
		want  int
		bad   bool
	}{
		{bounded, "1", 1, false},
		{bounded, "10", 10, false},
		{bounded, "0", 0, true},
		{bounded, "11", 0, true},
		{Spec{Name: "AtLeastOne", Kind: Int, Min: 1}, "0", 0, true},
		{Spec{Name: "AtLeastOne", Kind: Int, Min: 1}, "900", 900, false},
		{Spec{Name: "Free", Kind: Int}, "0", 0, false},
		{Spec{Name: "Port", Kind: Port}, "65536", 0, true},
		{Spec{Name: "Port", Kind: Port}, "0", 0, true},
		{Spec{Name: "Port", Kind: Port}, "5986", 5986, false},
	}
	for _, tt := range tests {
		p := NewParser(MapEnv{tt.spec.Name: tt.value})
		if got := p.Int(tt.spec); got != tt.want || (p.Err() != nil) != tt.bad {
			t.Errorf("%s=%s: got %d, %v; want %d, bad %v", tt.spec.Name, tt.value, got, p.Err(), tt.want, tt.bad)
		}
	}
}
