// Package spchangepoll is the SharePointChangePoll function: it reads a
// list's change log since the stored change token and queues one message
// (package deleteditem) per deleted item that the same page of the log does
// not show restored. While SPWebhookUrl is set, each run also keeps the
// list's webhook subscription (package spwebhook).
package spchangepoll

import (
	"github.com/tenantops/tenantops/functions/spwebhook"
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
		settings.SPTenantId, settings.SPClientId, clientCertificateSetting, settings.SPManagedIdentityClientId,
		settings.SPWebhookUrl, spwebhook.ClientStateSetting,
	},
	Run:    run,
	Check:  check,
	Status: status,
}
