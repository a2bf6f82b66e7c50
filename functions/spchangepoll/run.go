package spchangepoll

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// runTimeout keeps a run inside host.json's functionTimeout (30 min).
const runTimeout = 25 * time.Minute

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	opts, err := load(ctx, inv)
	if err != nil {
		return err
	}
	opts.Figure = inv.Figure
	_, err = Poll(ctx, opts)
	recordPoisonDepth(ctx, inv, opts.Storage, opts.Queue)
	return err
}

// load reads the settings and opens storage and SharePoint.
func load(ctx context.Context, inv *function.Invocation) (Options, error) {
	p := inv.Settings()
	opts := Options{ListTitle: p.String(settings.SPListTitle), Queue: p.String(settings.SPCleanupQueue),
		Container: p.String(settings.SPStateContainer), Log: inv.Log, Now: inv.Now}
	client, err := clients.SharePoint(p, inv.Log)
	if err != nil {
		return opts, fmt.Errorf("SharePointChangePoll: %w", err)
	}
	account, err := clients.Storage(inv.Env)
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
