package settings

import (
	"strings"
	"testing"
)

func TestParseFingerprint(t *testing.T) {
	hex := strings.Repeat("0a1b", 16)
	tests := []struct {
		in, want, err string
	}{
		{hex, hex, ""},
		{strings.ToUpper(hex), hex, ""},
		{"0A:1B:" + strings.Repeat("0a1b", 15), hex, ""},
		{"0a 1b " + strings.Repeat("0a-1b-", 15), hex, ""},
		{strings.Repeat("ab", 20), "", "SHA-1"},
		{strings.Repeat("ab", 31), "", "got 62"},
		{strings.Repeat("xy", 32), "", "64 hex digits"},
	}
	for _, tt := range tests {
		got, err := ParseFingerprint(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ParseFingerprint(%q) = %q, %v; want %q and an error saying %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestValidateChecksTheCertificatePin(t *testing.T) {
	err := Validate(MapEnv{"MIMSyncWinRMCertThumbprint": strings.Repeat("ab", 20)}, []Spec{MIMSyncWinRMCertThumbprint})
	if err == nil || !strings.Contains(err.Error(), "MIMSyncWinRMCertThumbprint") {
		t.Errorf("err = %v, want one naming MIMSyncWinRMCertThumbprint", err)
	}
	if err := Validate(MapEnv{}, []Spec{MIMSyncWinRMCertThumbprint, MIMSyncWinRMTLSServerName}); err != nil {
		t.Errorf("unset: %v", err)
	}
}
