package spchangepoll

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// runTimeout keeps a run inside host.json's functionTimeout (30 min).
const runTimeout = 25 * time.Minute

// lateAfter is how old a delete the hourly poll finds may be before it
// counts as missed by the webhook, which reads within minutes (SharePoint
// batches notifications for up to a minute, then retries for 25).
const lateAfter = 30 * time.Minute

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	opts, err := Load(ctx, inv)
	if err != nil {
		return err
	}
	webhook := inv.Settings().String(settings.SPWebhookUrl) != ""
	var upkeepErr error
	if webhook {
		upkeepErr = upkeep(ctx, inv, opts)
		opts.LateAfter = lateAfter
	} else if _, err := spwebhook.Retire(ctx, opts.Client, stateRef(opts), inv.Log); err != nil {
		upkeepErr = fmt.Errorf("SharePointChangePoll: %w", err)
	}
	res, err := Poll(ctx, opts)
	if webhook && err == nil {
		inv.Figure("deletesMissedByWebhook", res.Late)
	}
	recordPoisonDepth(ctx, inv, opts.Storage, opts.Queue)
	return errors.Join(err, upkeepErr)
}

// upkeep keeps the list's webhook subscription and records its figures;
// a failure is returned for the run's record, after the poll has run.
func upkeep(ctx context.Context, inv *function.Invocation, opts Options) error {
	p := inv.Settings()
	ref := stateRef(opts)
	res, err := spwebhook.Upkeep(ctx, spwebhook.UpkeepOptions{Client: opts.Client, State: ref,
		NotificationURL: p.String(settings.SPWebhookUrl), ClientState: p.String(spwebhook.ClientStateSetting), Now: inv.Now, Log: inv.Log})
	if last, lerr := ref.LastNotified(ctx); lerr == nil && !last.IsZero() {
		inv.Figure("notificationAgeHours", math.Round(inv.Now().Sub(last).Hours()*10)/10)
	}
	if err != nil {
		inv.Figure("webhookUpkeepFailed", 1)
		inv.Log.Error("sharepoint webhook: subscription upkeep failed; the poll runs anyway", "error", err.Error())
		return fmt.Errorf("SharePointChangePoll: webhook upkeep: %w", err)
	}
	days := math.Round(res.Expiration.Sub(inv.Now()).Hours()/24*10) / 10
	inv.Figure("webhookUpkeepFailed", 0)
	inv.Figure("subscriptionExpiryDays", days)
	inv.Figure("subscriptionExpiryShortDays", math.Max(0, spwebhook.ExpiryWarnDays-days))
	return nil
}

// Load reads the settings and opens storage and SharePoint: the one set-up
// of SharePointChangePoll and SharePointWebhookPoll, which run the same read.
func Load(ctx context.Context, inv *function.Invocation) (Options, error) {
	p := inv.Settings()
	opts := Options{ListTitle: p.String(settings.SPListTitle), Queue: p.String(settings.SPCleanupQueue),
		Container: p.String(settings.SPStateContainer), Log: inv.Log, Now: inv.Now, Figure: inv.Figure}
	client, err := clients.SharePoint(p, inv.Log)
	if err != nil {
		return opts, fmt.Errorf("%s: %w", inv.Function, err)
	}
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return opts, fmt.Errorf("%s: %w", inv.Function, err)
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

// stateRef names the list's webhook state in the poll's state container.
func stateRef(opts Options) spwebhook.StateRef {
	return spwebhook.StateRef{Account: opts.Storage, Container: opts.Container, SiteURL: opts.Client.SiteURL(), ListTitle: opts.ListTitle}
}
