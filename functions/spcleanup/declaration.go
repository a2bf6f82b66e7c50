// Package spcleanup is the SharePointCleanup function: for one deleted item
// it recycles or deletes the items of other lists that point at it.
package spcleanup

import (
	"context"
	"fmt"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares SharePointCleanup.
var Declaration = function.Declaration{
	Name:    "SharePointCleanup",
	Trigger: function.Queue("message", settings.SPCleanupQueue),
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPCleanupQueue, settings.SPCleanupTargets, settings.SPCleanupMode,
		settings.SPTenantId, settings.SPClientId, settings.SPClientCertificate, settings.SPManagedIdentityClientId,
	},
	Run: run,
}

func run(ctx context.Context, inv *function.Invocation) error {
	return fmt.Errorf("SharePointCleanup: %w", function.ErrNotConfigured)
}
