package sharepoint_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// TestSharedNeverHidesBadSettings: once a client for a site is cached, a
// caller whose other settings are bad still gets an error naming them.
func TestSharedNeverHidesBadSettings(t *testing.T) {
	env := settings.MapEnv{"SPSiteUrl": "https://contoso.sharepoint.com/sites/shared-test", "SPCleanupMode": "shred"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := sharepoint.Shared(settings.NewParser(env), log); err != nil {
		t.Fatalf("first client: %v", err)
	}
	p := settings.NewParser(env)
	p.OneOf(settings.SPCleanupMode, "recycle", "delete")
	p.String(settings.SPListTitle) // required, missing
	_, err := sharepoint.Shared(p, log)
	if err == nil || !strings.Contains(err.Error(), "SPCleanupMode") || !strings.Contains(err.Error(), "SPListTitle") {
		t.Fatalf("cached client with bad settings: err = %v", err)
	}
}
