package spcleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// Target is one List:LookupColumn pair of SPCleanupTargets: a list whose
// items point at the watched list through a lookup column.
type Target struct {
	List   string // list title
	Column string // lookup column's internal name
}

// String is the pair as written in the setting.
func (t Target) String() string { return t.List + ":" + t.Column }

// ParseTargets reads "Tasks:Project;Documents:ParentItem" (see
// settings.ParseListColumns, which also validates the setting for check).
func ParseTargets(value string) ([]Target, error) {
	pairs, err := settings.ParseListColumns(value)
	if err != nil {
		return nil, err
	}
	targets := make([]Target, len(pairs))
	for i, pair := range pairs {
		targets[i] = Target{List: pair.List, Column: pair.Column}
	}
	return targets, nil
}

// errTargetRefused marks a target whose column is not a single-value
// lookup at the watched list, under its internal name: cleaning it up could
// remove unrelated items that happen to hold the same number.
var errTargetRefused = errors.New("target refused")

// resolveTarget reads a target's column and accepts it only when it is a
// single-value lookup, named by its internal name, whose LookupList is the
// watched list.
func resolveTarget(ctx context.Context, client *sharepoint.Client, watched sharepoint.ListInfo, target Target) (sharepoint.Field, error) {
	field, err := client.LookupField(ctx, sharepoint.ListByTitle(target.List), target.Column)
	if err != nil {
		if sharepoint.IsNotFound(err) || errors.Is(err, sharepoint.ErrNotLookup) {
			return field, fmt.Errorf("%w: %s: %v", errTargetRefused, target, err)
		}
		return field, err
	}
	switch {
	case field.InternalName != target.Column:
		return field, fmt.Errorf("%w: %s: %s is the column's title; SPCleanupTargets needs its internal name %s",
			errTargetRefused, target, target.Column, field.InternalName)
	case !sharepoint.SameList(field.LookupList, watched.ID):
		return field, fmt.Errorf("%w: %s: lookup column %s points at list %s, not at SPListTitle %q (%s)",
			errTargetRefused, target, target.Column, field.LookupList, watched.Title, watched.ID)
	}
	return field, nil
}

// resolvedTTL is how long a resolved target is trusted before its column
// is read again.
const resolvedTTL = 15 * time.Minute

// resolved caches accepted targets for the life of the process, keyed by
// site, watched list id, target list and column, so an entry can never
// vouch for a target of another site or another watched list.
var resolved sync.Map // resolvedKey -> resolvedEntry

type resolvedKey struct{ site, watchedID, list, column string }

type resolvedEntry struct {
	field sharepoint.Field
	at    time.Time
}

func keyOf(client *sharepoint.Client, watched sharepoint.ListInfo, target Target) resolvedKey {
	return resolvedKey{site: strings.ToLower(client.SiteURL()), watchedID: strings.ToLower(strings.Trim(watched.ID, "{}")),
		list: strings.ToLower(target.List), column: target.Column}
}

// resolveCached is resolveTarget through the process cache. Refusals and
// failures are never cached: a fix in SharePoint is seen on the next run.
func resolveCached(ctx context.Context, client *sharepoint.Client, watched sharepoint.ListInfo, target Target) (sharepoint.Field, error) {
	key := keyOf(client, watched, target)
	if v, ok := resolved.Load(key); ok {
		if entry := v.(resolvedEntry); time.Since(entry.at) < resolvedTTL {
			return entry.field, nil
		}
	}
	field, err := resolveTarget(ctx, client, watched, target)
	if err != nil {
		resolved.Delete(key)
		return field, err
	}
	resolved.Store(key, resolvedEntry{field: field, at: time.Now()})
	return field, nil
}

// forget drops a target's cache entry after a failure on its list.
func forget(client *sharepoint.Client, watched sharepoint.ListInfo, target Target) {
	resolved.Delete(keyOf(client, watched, target))
}
