// Package spwebhookpoll is the SharePointWebhookPoll function: for each
// read request SharePointWebhook queues, it runs SharePointChangePoll's
// change-log read (the same token blob, lease and per-delete messages),
// unless a read that started after the request has already covered it.
package spwebhookpoll

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// triggerName is the queue trigger's binding name: Data["request"] holds the message.
const triggerName = "request"

// Declaration declares SharePointWebhookPoll.
var Declaration = function.Declaration{
	Name:    "SharePointWebhookPoll",
	Trigger: function.Queue(triggerName, settings.SPPollRequestQueue),
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPListTitle, settings.SPPollRequestQueue,
		settings.SPCleanupQueue, settings.SPStateContainer,
		settings.SPTenantId, settings.SPClientId, settings.SPClientCertificate, settings.SPManagedIdentityClientId,
	},
	Run: run,
}
