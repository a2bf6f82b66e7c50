package spcleanup

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tenantops/tenantops/internal/sharepoint"
)

// Options configures cleanups.
type Options struct {
	Client  *sharepoint.Client
	Targets []Target
	Mode    sharepoint.Mode
	Log     *slog.Logger
	// WatchedList is SPListTitle, when set: messages about another list are refused.
	WatchedList string
}

// Result is what one cleanup removed.
type Result struct {
	Removed     map[string][]int // by target: item ids recycled or deleted now
	AlreadyGone int              // items found but gone by the time of removal
}

// Cleanup removes, in every target list, the items whose lookup column
// points at the deleted item. Finding none is success, so the same message
// twice leaves the same lists.
func Cleanup(ctx context.Context, opts Options, deleted sharepoint.DeletedItem) (Result, error) {
	res := Result{Removed: map[string][]int{}}
	for _, target := range opts.Targets {
		list := sharepoint.ListByTitle(target.List)
		ids, err := opts.Client.FindByLookup(ctx, list, target.Column, deleted.ItemID)
		if err != nil {
			return res, fmt.Errorf("sharepoint cleanup: %s: %w", target, err)
		}
		if len(ids) == 0 {
			continue
		}
		removal, err := opts.Client.RemoveItems(ctx, list, ids, opts.Mode)
		res.Removed[target.String()] = removal.Removed
		res.AlreadyGone += len(removal.AlreadyGone)
		if err != nil {
			return res, fmt.Errorf("sharepoint cleanup: %s: %w", target, err)
		}
	}
	return res, nil
}
