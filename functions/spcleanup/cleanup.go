package spcleanup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// Options configures cleanups.
type Options struct {
	Client  *sharepoint.Client
	Targets []Target
	Mode    sharepoint.Mode
	Log     *slog.Logger
	// WatchedList is SPListTitle: only messages about this list are acted on.
	WatchedList string
	// Figure, when set, receives the cleanup's key figures as soon as each
	// is known: targets and itemsCleaned.
	Figure func(name string, value any)
}

// Result is what one cleanup did.
type Result struct {
	Removed     map[string][]int // by target: item ids recycled or deleted now
	AlreadyGone int              // items found but gone by the time of removal
	StillExists bool             // the item is in the watched list (restored): nothing removed
}

// Cleanup removes, in every target list, the items whose lookup column
// points at the deleted item, after four checks, in order: the message is
// about the watched list (its id and title; else ErrMalformedMessage);
// every target's column is a lookup at the watched list (else an error
// naming the refused targets, and no list is touched); and the item is no
// longer in the watched list (if it is, it was restored: nothing is
// removed). Finding no linked items is success, so the same message twice
// leaves the same lists.
func Cleanup(ctx context.Context, opts Options, deleted deleteditem.Message) (Result, error) {
	res := Result{Removed: map[string][]int{}}
	watched, err := opts.watchedList(ctx, deleted)
	if err != nil {
		return res, err
	}
	fields, err := opts.resolveTargets(ctx, watched)
	if err != nil {
		return res, err
	}
	exists, err := opts.Client.ItemExists(ctx, sharepoint.List{ID: watched.ID}, deleted.ItemID)
	if err != nil {
		return res, fmt.Errorf("sharepoint cleanup: %w", err)
	}
	if exists {
		res.StillExists = true
		opts.log().Warn("sharepoint cleanup: the item is still in the list (restored from the recycle bin?); nothing removed",
			"list", watched.Title, "itemId", deleted.ItemID)
		opts.figure("itemsCleaned", 0)
		return res, nil
	}
	cleaned := 0
	for i, target := range opts.Targets {
		list := sharepoint.ListByTitle(target.List)
		ids, err := opts.Client.FindByLookup(ctx, list, fields[i].InternalName, deleted.ItemID)
		if err == nil && len(ids) > 0 {
			var removal sharepoint.Removal
			removal, err = opts.Client.RemoveItems(ctx, list, ids, opts.Mode)
			res.Removed[target.String()] = removal.Removed
			res.AlreadyGone += len(removal.AlreadyGone)
			cleaned += len(removal.Removed)
			opts.figure("itemsCleaned", cleaned)
		}
		if err != nil {
			forget(opts.Client, watched, target)
			return res, fmt.Errorf("sharepoint cleanup: %s: %w", target, err)
		}
	}
	opts.figure("itemsCleaned", cleaned)
	return res, nil
}

// watchedList reads the watched list and checks that the message is about
// it: its id, and its title without regard to case.
func (o Options) watchedList(ctx context.Context, deleted deleteditem.Message) (sharepoint.ListInfo, error) {
	if !strings.EqualFold(strings.TrimSpace(deleted.ListTitle), o.WatchedList) {
		return sharepoint.ListInfo{}, fmt.Errorf("sharepoint cleanup: %w: list %q is not SPListTitle %q",
			deleteditem.ErrMalformed, deleted.ListTitle, o.WatchedList)
	}
	watched, err := o.Client.ListInfo(ctx, sharepoint.ListByTitle(o.WatchedList))
	if err != nil {
		return watched, fmt.Errorf("sharepoint cleanup: SPListTitle: %w", err)
	}
	if !sharepoint.SameList(deleted.ListID, watched.ID) {
		return watched, fmt.Errorf("sharepoint cleanup: %w: listId %q is not the id of SPListTitle %q (%s)",
			deleteditem.ErrMalformed, deleted.ListID, o.WatchedList, watched.ID)
	}
	return watched, nil
}

// resolveTargets resolves every target's lookup column before any list is
// touched; one refused target fails the invocation, naming each refused one.
func (o Options) resolveTargets(ctx context.Context, watched sharepoint.ListInfo) ([]sharepoint.Field, error) {
	o.figure("targets", len(o.Targets))
	fields := make([]sharepoint.Field, len(o.Targets))
	var refused []string
	for i, target := range o.Targets {
		field, err := resolveCached(ctx, o.Client, watched, target)
		if errors.Is(err, errTargetRefused) {
			refused = append(refused, err.Error())
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sharepoint cleanup: %s: %w", target, err)
		}
		fields[i] = field
	}
	if len(refused) > 0 {
		err := fmt.Errorf("sharepoint cleanup: nothing removed; fix SPCleanupTargets: %s", strings.Join(refused, "; "))
		o.log().Error("sharepoint cleanup: refused targets", "error", err.Error())
		return nil, err
	}
	return fields, nil
}

func (o Options) figure(name string, value any) {
	if o.Figure != nil {
		o.Figure(name, value)
	}
}

func (o Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.Default()
	}
	return o.Log
}
