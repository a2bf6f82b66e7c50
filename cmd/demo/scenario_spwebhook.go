package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/internal/settings"
)

func init() {
	register(scenario{Name: "SharePoint webhook", Order: 31, Run: runWebhook})
}

// The webhook scenario's settings and pace: SharePoint gathers changes for
// up to a minute before it notifies; the stand-in waits half a second.
const (
	demoClientState   = "demo-client-state-of-at-least-32-characters"
	webhookBatchDelay = 500 * time.Millisecond
)

// runWebhook deletes a project and waits for its linked items to be
// recycled through the webhook: SharePoint notifies SharePointWebhook,
// which queues one read request; SharePointWebhookPoll reads the change log
// and queues the delete; SharePointCleanup recycles what pointed at it. The
// subscription was created by the SharePoint scenario's first poll.
func runWebhook(ctx context.Context, st *Stage, host Host, out io.Writer) error {
	site := spState.site
	subs := site.Subscriptions("Projects")
	if len(subs) != 1 {
		return fmt.Errorf("want one webhook subscription on Projects, SharePoint has %d", len(subs))
	}
	fmt.Fprintf(out, "SharePointChangePoll subscribed %s to Projects (SharePoint validated it with the handshake); expires in %.0f days\n",
		spwebhook.HostOf(subs[0].NotificationURL), time.Until(subs[0].Expiration).Hours()/24)
	binBefore := len(site.RecycleBin())
	deleted := spState.projects[0]
	start := time.Now()
	if err := site.DeleteItems("Projects", deleted); err != nil {
		return err
	}
	if err := awaitRequest(ctx, st); err != nil {
		return err
	}
	notified := time.Since(start)
	if err := host.Drain(ctx); err != nil {
		return fmt.Errorf("webhook poll and cleanup: %w", err)
	}
	took := time.Since(start)
	for _, list := range []string{"Tasks", "Documents"} {
		for _, item := range site.Items(list) {
			if item.Lookups["Project"] == deleted || item.Lookups["ParentItem"] == deleted {
				return fmt.Errorf("%s item %d still points at deleted project %d", list, item.ID, deleted)
			}
		}
	}
	fmt.Fprintf(out, "deleted project %d; SharePoint notified SharePointWebhook %.1f s later (batched for %s), which queued one read request\n",
		deleted, notified.Seconds(), webhookBatchDelay)
	fmt.Fprintf(out, "SharePointWebhookPoll read the change log and SharePointCleanup recycled %d linked items: %.1f s from delete to cleanup, against up to an hour with the hourly poll alone\n",
		len(site.RecycleBin())-binBefore, took.Seconds())
	return nil
}

// awaitRequest waits for the webhook's read request on its queue.
func awaitRequest(ctx context.Context, st *Stage) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if n, err := st.Storage.QueueDepth(ctx, settings.SPPollRequestQueue.Default); err == nil && n > 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no read request from the webhook within 15 s")
}
