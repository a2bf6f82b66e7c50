package spwebhookpoll

import (
	"context"
	"time"

	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/pause"
)

// Run limits: a run stays inside host.json's functionTimeout, and waits
// this long for a read already running to finish before reading itself.
// settle is how long after its notification a request is read: the
// notifications of a burst gather into one read, which every request made
// before it started then finds covered.
const (
	runTimeout   = 25 * time.Minute
	waitForLease = 2 * time.Minute
	settle       = time.Second
)

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	text, _ := inv.Request.DataString(triggerName)
	req, err := spwebhook.ParsePollRequest(text)
	if err != nil {
		inv.Log.Error("sharepoint webhook poll: malformed request; completing it without retry", "error", err.Error())
		return function.Discard(err)
	}
	opts, err := spchangepoll.Load(ctx, inv)
	if err != nil {
		return err
	}
	opts.RequestedAt, opts.WaitForLease = req.Requested, waitForLease
	inv.Figure("requestAgeSeconds", inv.Now().Sub(req.Requested).Round(time.Millisecond).Seconds())
	if err := pause.For(ctx, req.Requested.Add(settle).Sub(inv.Now())); err != nil {
		return err
	}
	res, err := spchangepoll.Poll(ctx, opts)
	if err != nil {
		return err
	}
	inv.Figure("skipped", boolFigure(res.Skipped || res.Busy))
	if res.Skipped || res.Busy {
		inv.Log.Info("sharepoint webhook poll: request already covered by another read", "requested", req.Requested.Format(time.RFC3339Nano))
		return nil
	}
	ref := spwebhook.StateRef{Account: opts.Storage, Container: opts.Container, SiteURL: opts.Client.SiteURL(), ListTitle: opts.ListTitle}
	if err := ref.RecordNotified(ctx, req.Requested); err != nil {
		inv.Log.Warn("sharepoint webhook poll: the notification's time was not kept (status and alerts only)", "error", err.Error())
	}
	return nil
}

func boolFigure(b bool) int {
	if b {
		return 1
	}
	return 0
}
