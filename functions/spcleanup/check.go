package spcleanup

import (
	"context"
	"fmt"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/sharepoint"
)

// check gets a token, reads the watched list and, for every target, the
// list and its lookup column, with the rules a run applies.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	opts, err := load(inv)
	if err != nil {
		return []function.CheckResult{{Dependency: "SharePointCleanup: settings", Why: err.Error()}}
	}
	watched, err := opts.Client.ListInfo(ctx, sharepoint.ListByTitle(opts.WatchedList))
	if err != nil {
		return []function.CheckResult{{Dependency: "SharePointCleanup: SPListTitle", Why: err.Error()}}
	}
	var rows []function.CheckResult
	for _, target := range opts.Targets {
		row := function.CheckResult{Dependency: "SharePointCleanup: " + target.String()}
		row.OK, row.Why = checkTarget(ctx, opts, watched, target)
		rows = append(rows, row)
	}
	return rows
}

// checkTarget reads a target list and resolves its lookup column.
func checkTarget(ctx context.Context, opts Options, watched sharepoint.ListInfo, target Target) (bool, string) {
	info, err := opts.Client.ListInfo(ctx, sharepoint.ListByTitle(target.List))
	if err != nil {
		return false, err.Error()
	}
	if _, err := resolveTarget(ctx, opts.Client, watched, target); err != nil {
		return false, err.Error()
	}
	return true, fmt.Sprintf("token acquired; list %q (%d items) has lookup column %s pointing at %q", info.Title, info.ItemCount, target.Column, watched.Title)
}
