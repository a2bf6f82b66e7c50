// Package spchangepoll is the SharePointChangePoll function: it reads a
// list's change log since the stored change token and queues one message per
// deleted item.
package spchangepoll

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// Declaration declares SharePointChangePoll.
var Declaration = function.Declaration{
	Name:    "SharePointChangePoll",
	Trigger: function.Timer("timer", settings.SPChangePollSchedule),
	Settings: []settings.Spec{
		settings.Storage, settings.SPSiteUrl, settings.SPListTitle, settings.SPChangePollSchedule,
		settings.SPCleanupQueue, settings.SPStateContainer,
		settings.SPTenantId, settings.SPClientId, clientCertificateSetting, settings.SPManagedIdentityClientId,
	},
	Run:   run,
	Check: check,
}

// runTimeout keeps a run inside host.json's functionTimeout (30 min).
const runTimeout = 25 * time.Minute

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	opts, err := load(ctx, inv)
	if err != nil {
		return err
	}
	_, err = Poll(ctx, opts)
	return err
}

// load reads the settings and opens storage and SharePoint.
func load(ctx context.Context, inv *function.Invocation) (Options, error) {
	p := inv.Settings()
	opts := Options{ListTitle: p.String(settings.SPListTitle), Queue: p.String(settings.SPCleanupQueue),
		Container: p.String(settings.SPStateContainer), Log: inv.Log, Now: inv.Now}
	client, err := sharepoint.Shared(p, inv.Log)
	if err != nil {
		return opts, fmt.Errorf("SharePointChangePoll: %w", err)
	}
	account, err := storage.Open(inv.Env)
	if err != nil {
		return opts, fmt.Errorf("SharePointChangePoll: %w", err)
	}
	if err := account.EnsureContainer(ctx, opts.Container); err != nil {
		return opts, err
	}
	if err := account.EnsureQueue(ctx, opts.Queue); err != nil {
		return opts, err
	}
	opts.Client, opts.Storage = client, account
	return opts, nil
}

// check gets a token and reads the watched list and its current change token.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	row := function.CheckResult{Dependency: "SharePointChangePoll: SharePoint list"}
	p := inv.Settings()
	title := p.String(settings.SPListTitle)
	client, err := sharepoint.Shared(p, inv.Log)
	if err != nil {
		row.Why = err.Error()
		return []function.CheckResult{row}
	}
	info, err := client.ListInfo(ctx, sharepoint.ListByTitle(title))
	if err == nil {
		_, err = client.CurrentChangeToken(ctx, sharepoint.ListByTitle(title))
	}
	if err != nil {
		row.Why = err.Error()
		return []function.CheckResult{row}
	}
	row.OK, row.Why = true, fmt.Sprintf("token acquired; list %q (%s, %d items) and its change token read", info.Title, info.ID, info.ItemCount)
	return []function.CheckResult{row}
}
