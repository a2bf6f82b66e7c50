package main

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

func TestCheckAlertsRow(t *testing.T) {
	tests := []struct {
		value  string // "" leaves it unset
		wantOK bool
		want   string
	}{
		{"", true, "not set"},
		{"true", true, "alert rules e-mail"},
		{"false", false, "no alert rule exists"},
		{"maybe", false, "TenantopsAlertsConfigured"},
	}
	for _, tt := range tests {
		env := settings.MapEnv{}
		if tt.value != "" {
			env["TenantopsAlertsConfigured"] = tt.value
		}
		row := checkAlerts(env)
		if row.OK != tt.wantOK || !strings.Contains(row.Why, tt.want) {
			t.Errorf("TenantopsAlertsConfigured=%q: %+v, want ok=%v and %q", tt.value, row, tt.wantOK, tt.want)
		}
	}
}
