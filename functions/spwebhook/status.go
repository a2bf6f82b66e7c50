package spwebhook

import (
	"context"
	"errors"
	"math"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// ExpiryWarnDays is the subscription's remaining life below which status
// and the alert flag it: renewal starts at 30 days, so an expiry this close
// means the upkeep has been failing for over two weeks.
const ExpiryWarnDays = 14

// status shows the subscription's expiry and the last notification's age.
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	expiry := function.StatusItem{Name: "webhook subscription expiry", Unit: "days"}
	age := function.StatusItem{Name: "last webhook notification age", Unit: "hours"}
	p := inv.Settings()
	if p.String(settings.SPWebhookUrl) == "" {
		expiry.Note = "no webhook (SPWebhookUrl is not set)"
		return []function.StatusItem{expiry}
	}
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return []function.StatusItem{unreadable(expiry, err)}
	}
	ref := StateRef{Account: account, Container: p.String(settings.SPStateContainer),
		SiteURL: p.String(settings.SPSiteUrl), ListTitle: p.String(settings.SPListTitle)}
	st, _, err := ref.Read(ctx)
	switch {
	case errors.Is(err, ErrNoState) || (err == nil && st.SubscriptionID == ""):
		expiry.Bad, expiry.Note = true, "no subscription yet: SharePointChangePoll creates it on its next run (see its run record for why it could not)"
	case err != nil:
		expiry = unreadable(expiry, err)
	default:
		expiry.Value = math.Round(st.Expiration.Sub(inv.Now()).Hours()/24*10) / 10
		expiry.Bad = expiry.Value < ExpiryWarnDays
		expiry.Note = "renewed by SharePointChangePoll under 30 days; notifies " + st.NotificationHost
	}
	last, err := ref.LastNotified(ctx)
	switch {
	case err != nil:
		age = unreadable(age, err)
	case last.IsZero():
		age.Note = "no notification read yet"
	default:
		age.Value = math.Round(inv.Now().Sub(last).Hours()*10) / 10
		age.Note = "quiet lists are notified rarely; the alert compares it with deletes the hourly poll finds"
	}
	return []function.StatusItem{expiry, age}
}

// unreadable is an item whose value could not be read: flagged, with why.
func unreadable(item function.StatusItem, err error) function.StatusItem {
	item.Bad = true
	item.Note = "could not be read: " + err.Error()
	return item
}
