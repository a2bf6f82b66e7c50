// Package spcleanup is the SharePointCleanup function: for one deleted item
// it recycles or deletes the items of other lists that point at it.
package spcleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// Declaration declares SharePointCleanup.
var Declaration = function.Declaration{
	Name:    "SharePointCleanup",
	Trigger: function.Queue(triggerName, settings.SPCleanupQueue),
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPListTitle, settings.SPCleanupQueue, targetsSetting, settings.SPCleanupMode,
		settings.SPTenantId, settings.SPClientId, clientCertificateSetting, settings.SPManagedIdentityClientId,
	},
	Run:   run,
	Check: check,
}

// triggerName is the queue trigger's binding name: Data["message"] holds the message.
const triggerName = "message"

// runTimeout keeps a run inside host.json's functionTimeout (30 min).
const runTimeout = 25 * time.Minute

// maxLoggedMessage bounds how much of a malformed message is logged.
const maxLoggedMessage = 2048

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	opts, err := load(inv)
	if err != nil {
		return err
	}
	text, _ := inv.Request.DataString(triggerName)
	deleted, err := sharepoint.ParseDeletedItem([]byte(text), opts.Client.SiteURL())
	if err == nil && opts.WatchedList != "" && deleted.ListTitle != "" && !strings.EqualFold(deleted.ListTitle, opts.WatchedList) {
		err = fmt.Errorf("sharepoint: %w: list %q is not SPListTitle %q, which SPCleanupTargets point at",
			sharepoint.ErrMalformedMessage, deleted.ListTitle, opts.WatchedList)
	}
	if errors.Is(err, sharepoint.ErrMalformedMessage) {
		inv.Log.Error("sharepoint cleanup: malformed message; completing it without retry (it can never succeed)",
			"error", err.Error(), "message", truncate(text, maxLoggedMessage), "dequeueCount", inv.Request.DequeueCount())
		return nil
	}
	res, err := Cleanup(ctx, opts, deleted)
	logResult(inv, deleted, res)
	return err
}

// load reads the settings and opens SharePoint.
func load(inv *function.Invocation) (Options, error) {
	p := inv.Settings()
	opts := Options{Log: inv.Log}
	if p.Set(settings.SPListTitle) {
		opts.WatchedList = p.String(settings.SPListTitle)
	}
	targets, err := ParseTargets(p.Require(settings.SPCleanupTargets, "the lists to clean up"))
	if err != nil && p.Set(settings.SPCleanupTargets) {
		p.Fail(settings.SPCleanupTargets, err.Error()+" (want e.g. Tasks:Project;Documents:ParentItem)")
	}
	opts.Targets = targets
	opts.Mode = sharepoint.Mode(p.OneOf(settings.SPCleanupMode))
	client, err := sharepoint.Shared(p, inv.Log)
	if err != nil {
		return opts, fmt.Errorf("SharePointCleanup: %w", err)
	}
	opts.Client = client
	return opts, nil
}

func logResult(inv *function.Invocation, deleted sharepoint.DeletedItem, res Result) {
	total := 0
	for target, ids := range res.Removed {
		total += len(ids)
		inv.Log.Info("sharepoint cleanup: removed linked items", "target", target, "count", len(ids), "ids", ids)
	}
	inv.Log.Info("sharepoint cleanup: done", "list", deleted.ListTitle, "itemId", deleted.ItemID,
		"removed", total, "alreadyGone", res.AlreadyGone)
}

// checkTarget reads a target list and its lookup column: a single-value
// lookup, named by its internal name, pointing at SPListTitle when set.
func checkTarget(ctx context.Context, opts Options, target Target) (bool, string) {
	list := sharepoint.ListByTitle(target.List)
	info, err := opts.Client.ListInfo(ctx, list)
	if err != nil {
		return false, err.Error()
	}
	field, err := opts.Client.LookupField(ctx, list, target.Column)
	if err != nil {
		return false, err.Error()
	}
	if field.InternalName != target.Column {
		return false, fmt.Sprintf("%s is the column's title; SPCleanupTargets needs its internal name %s", target.Column, field.InternalName)
	}
	if opts.WatchedList != "" {
		watched, err := opts.Client.ListInfo(ctx, sharepoint.ListByTitle(opts.WatchedList))
		if err != nil {
			return false, err.Error()
		}
		if !strings.EqualFold(field.LookupList, watched.ID) {
			return false, fmt.Sprintf("lookup column %s points at list %s, not at SPListTitle %q (%s)", target.Column, field.LookupList, opts.WatchedList, watched.ID)
		}
	}
	return true, fmt.Sprintf("token acquired; list %q (%d items) has lookup column %s", info.Title, info.ItemCount, target.Column)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// check gets a token and, for every target, reads the list and its lookup column.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	opts, err := load(inv)
	if err != nil {
		return []function.CheckResult{{Dependency: "SharePointCleanup: settings", Why: err.Error()}}
	}
	var rows []function.CheckResult
	for _, target := range opts.Targets {
		row := function.CheckResult{Dependency: "SharePointCleanup: " + target.String()}
		row.OK, row.Why = checkTarget(ctx, opts, target)
		rows = append(rows, row)
	}
	return rows
}
