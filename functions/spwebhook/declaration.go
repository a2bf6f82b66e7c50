// Package spwebhook is the SharePointWebhook function, SharePoint's list
// webhook endpoint: it answers the validation handshake, checks each
// notification's client state and list, and puts one "read the change log
// now" request on the poll request queue. It also holds what the webhook
// shares with the functions around it: the webhook state blob (the watched
// list's id and our subscription), the poll request message, and the
// subscription upkeep that SharePointChangePoll runs.
package spwebhook

import (
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// Binding names: Data["req"] holds the request, Outputs["res"] the answer.
const (
	requestBinding  = "req"
	responseBinding = "res"
)

// Route is the webhook's path under /api/.
const Route = "sharepoint/webhook"

// Declaration declares SharePointWebhook.
var Declaration = function.Declaration{
	Name:    "SharePointWebhook",
	Trigger: function.HTTP(requestBinding, Route, "post"),
	Outputs: []function.Binding{function.HTTPOut(responseBinding)},
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPListTitle, settings.SPStateContainer,
		settings.SPWebhookUrl, ClientStateSetting, settings.SPPollRequestQueue,
	},
	Run:    run,
	Check:  check,
	Status: status,
}
