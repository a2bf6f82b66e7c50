// Package spchangepoll is the SharePointChangePoll function: it reads a
// list's change log since the stored change token and queues one message per
// deleted item.
package spchangepoll

import (
	"context"
	"fmt"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares SharePointChangePoll.
var Declaration = function.Declaration{
	Name:    "SharePointChangePoll",
	Trigger: function.Timer("timer", settings.SPChangePollSchedule),
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPListTitle, settings.SPChangePollSchedule,
		settings.SPCleanupQueue, settings.SPStateContainer,
		settings.SPTenantId, settings.SPClientId, settings.SPClientCertificate, settings.SPManagedIdentityClientId,
	},
	Run: run,
}

func run(ctx context.Context, inv *function.Invocation) error {
	return fmt.Errorf("SharePointChangePoll: %w", function.ErrNotConfigured)
}
