package spchangepoll

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// changeLogDays is how long SharePoint Online keeps a list's change log.
const changeLogDays = 60

// tokenWarnDays is the change token's age at which status flags it: two
// weeks before the change log forgets what came before it.
const tokenWarnDays = 45

// status reports the change token's age against the 60-day change log: an
// idle list's token is refreshed long before that, so an old token means
// the poll has not been advancing it.
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	item := function.StatusItem{Name: "change token age", Unit: "days"}
	p := inv.Settings()
	store := stateStore{container: p.String(settings.SPStateContainer),
		name: blobName(p.String(settings.SPSiteUrl), p.String(settings.SPListTitle))}
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return []function.StatusItem{unreadable(item, err)}
	}
	store.account = account
	st, _, found, err := store.read(ctx)
	switch {
	case err != nil:
		return []function.StatusItem{unreadable(item, err)}
	case !found:
		item.Note = "no token yet: the first poll starts from the list's current change token"
		return []function.StatusItem{item}
	}
	token, err := sharepoint.ParseChangeToken(st.ChangeToken)
	if err != nil {
		return []function.StatusItem{unreadable(item, err)}
	}
	item.Value = math.Round(inv.Now().Sub(token.Time).Hours()/24*10) / 10
	item.Bad = item.Value > tokenWarnDays
	item.Note = fmt.Sprintf("of the %d-day change log", changeLogDays)
	if item.Bad {
		item.Note = fmt.Sprintf("the poll has not advanced it; past %d days deletes before it are lost", changeLogDays)
	}
	return []function.StatusItem{item}
}

// unreadable is an item whose value could not be read: flagged, with why.
func unreadable(item function.StatusItem, err error) function.StatusItem {
	item.Bad = true
	item.Note = "could not be read: " + err.Error()
	return item
}

// recordPoisonDepth records the poison queue's depth, and the parked
// queue's depth and the age of its oldest message, as figures, for the
// alerts on them; failing to read one costs the figure, not the poll.
func recordPoisonDepth(ctx context.Context, inv *function.Invocation, account *storage.Account, queue string) {
	depth, err := account.QueueDepth(ctx, queue+storage.PoisonSuffix)
	if err != nil {
		inv.Log.Warn("sharepoint change poll: poison queue depth not read", "error", err.Error())
	} else {
		inv.Figure("poisonQueueDepth", depth)
	}
	parked, err := account.ParkedState(ctx, queue)
	if err != nil {
		inv.Log.Warn("sharepoint change poll: parked queue not read", "error", err.Error())
		return
	}
	inv.Figure("parkedQueueDepth", parked.Depth)
	inv.Figure("parkedOldestHours", parkedHours(inv.Now(), parked))
}

// parkedHours is the age of the oldest parked message in hours, to one
// decimal; 0 when none is parked.
func parkedHours(now time.Time, parked storage.ParkedState) float64 {
	if parked.Depth == 0 || parked.Oldest.IsZero() {
		return 0
	}
	return math.Round(max(now.Sub(parked.Oldest).Hours(), 0)*10) / 10
}
