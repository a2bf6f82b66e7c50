package settings

import (
	"strings"
	"testing"
)

func TestValidateChecksTheCertificatePin(t *testing.T) {
	err := Validate(MapEnv{"MIMSyncWinRMCertThumbprint": strings.Repeat("ab", 20)}, []Spec{MIMSyncWinRMCertThumbprint})
	if err == nil || !strings.Contains(err.Error(), "MIMSyncWinRMCertThumbprint") {
		t.Errorf("err = %v, want one naming MIMSyncWinRMCertThumbprint", err)
	}
	if err := Validate(MapEnv{}, []Spec{MIMSyncWinRMCertThumbprint, MIMSyncWinRMTLSServerName}); err != nil {
		t.Errorf("unset: %v", err)
	}
}
