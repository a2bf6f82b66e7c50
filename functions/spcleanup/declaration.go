// Package spcleanup is the SharePointCleanup function: for one deleted item
// of the watched list it recycles or deletes the items of other lists that
// point at it, once it has made sure the item is really gone.
package spcleanup

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Declaration declares SharePointCleanup.
var Declaration = function.Declaration{
	Name:    "SharePointCleanup",
	Trigger: function.Queue(triggerName, settings.SPCleanupQueue),
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPListTitle, settings.SPCleanupQueue, targetsSetting, settings.SPCleanupMode,
		settings.SPTenantId, settings.SPClientId, clientCertificateSetting, settings.SPManagedIdentityClientId,
		settings.SPStateContainer, settings.SPCleanupConcurrency,
	},
	Run:    run,
	Check:  check,
	Status: status,
}

// triggerName is the queue trigger's binding name: Data["message"] holds the message.
const triggerName = "message"
