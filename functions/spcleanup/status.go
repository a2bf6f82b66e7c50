package spcleanup

import (
	"context"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// status reports the poison queue's depth: cleanups that failed five times
// wait there for an operator (handler requeue), and nothing else tells.
func status(ctx context.Context, inv *function.Invocation) []function.StatusItem {
	poison := inv.Settings().String(settings.SPCleanupQueue) + storage.PoisonSuffix
	item := function.StatusItem{Name: "poison queue " + poison, Unit: "messages"}
	account, err := clients.Storage(inv.Env)
	if err == nil {
		var depth int
		depth, err = account.QueueDepth(ctx, poison)
		item.Value = float64(depth)
	}
	switch {
	case err != nil:
		item.Bad, item.Note = true, "could not be read: "+err.Error()
	case item.Value > 0:
		item.Bad, item.Note = true, "cleanups failed five times; fix the cause, then handler requeue"
	}
	return []function.StatusItem{item}
}
