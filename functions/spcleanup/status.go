package spcleanup

import (
	"context"
	"fmt"
	"math"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// status reports the parked and poison queues: cleanups that failed five
// times wait there for an operator (handler requeue), and nothing else
// tells. The handler parks such messages (no expiry); the poison queue
// holds those the host put there before parking existed, which expire
// after 7 days.
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	queue := inv.Settings().String(settings.SPCleanupQueue)
	parked := function.StatusItem{Name: "parked queue " + queue + storage.ParkedSuffix, Unit: "messages"}
	poison := function.StatusItem{Name: "poison queue " + queue + storage.PoisonSuffix, Unit: "messages"}
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return []function.StatusItem{unreadable(parked, err), unreadable(poison, err)}
	}
	return []function.StatusItem{parkedItem(ctx, inv, account, queue, parked), poisonItem(ctx, account, queue, poison)}
}

func parkedItem(ctx context.Context, inv *function.Invocation, account *storage.Account, queue string, item function.StatusItem) function.StatusItem {
	st, err := account.ParkedState(ctx, queue)
	if err != nil {
		return unreadable(item, err)
	}
	item.Value = float64(st.Depth)
	if st.Depth > 0 {
		item.Bad = true
		item.Note = "cleanups failed five times and wait, with no expiry; fix the cause, then handler requeue " + queue
		if !st.Oldest.IsZero() {
			hours := math.Round(max(inv.Now().Sub(st.Oldest).Hours(), 0)*10) / 10
			item.Note = fmt.Sprintf("oldest parked %.1f h ago; ", hours) + item.Note
		}
	}
	return item
}

func poisonItem(ctx context.Context, account *storage.Account, queue string, item function.StatusItem) function.StatusItem {
	depth, err := account.QueueDepth(ctx, queue+storage.PoisonSuffix)
	if err != nil {
		return unreadable(item, err)
	}
	item.Value = float64(depth)
	if depth > 0 {
		item.Bad, item.Note = true, "cleanups the host poisoned expire 7 days after; fix the cause, then handler requeue "+queue
	}
	return item
}

// unreadable is an item whose value could not be read: flagged, with why.
func unreadable(item function.StatusItem, err error) function.StatusItem {
	item.Bad, item.Note = true, "could not be read: "+err.Error()
	return item
}
