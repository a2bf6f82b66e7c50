package main

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestCheckFirstRowNamesBadCleanupSettings: malformed SPCleanupTargets or
// SPCleanupMode make the first row of `handler check` fail, naming them.
func TestCheckFirstRowNamesBadCleanupSettings(t *testing.T) {
	cleanup, _ := functions.Lookup("SharePointCleanup")
	base := settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true",
		"SPSiteUrl": "https://t.sharepoint.com/sites/ops", "SPListTitle": "Projects", "SPCleanupTargets": "Tasks:Project"}
	_, storageErr := clients.Storage(base)
	if row := checkAllSettings(base, []function.Declaration{cleanup}, storageErr); !row.OK {
		t.Fatalf("good settings: %+v", row)
	}
	tests := []struct{ setting, value string }{
		{"SPCleanupTargets", "Tasks"},
		{"SPCleanupTargets", "Tasks:"},
		{"SPCleanupTargets", ":Project"},
		{"SPCleanupTargets", ";"},
		{"SPCleanupMode", "shred"},
	}
	for _, tt := range tests {
		env := settings.MapEnv{}
		for k, v := range base {
			env[k] = v
		}
		env[tt.setting] = tt.value
		row := checkAllSettings(env, []function.Declaration{cleanup}, storageErr)
		if row.OK || !strings.Contains(row.Why, tt.setting) {
			t.Errorf("%s=%q: first row %+v", tt.setting, tt.value, row)
		}
	}
}
