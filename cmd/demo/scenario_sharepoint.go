package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

func init() {
	register(scenario{Name: "SharePoint", Order: 30, Setup: setUpSharePoint, Run: runSharePoint})
}

// spDemo is what the SharePoint scenario's setup leaves for its run.
type spDemo struct {
	site     *sptest.Server
	identity *identitytest.Server
	projects []int
}

var spState spDemo

// setUpSharePoint starts a managed identity endpoint and a SharePoint site
// that accepts only its tokens: a Projects list, and Tasks and Documents
// lists whose lookup columns point at projects.
func setUpSharePoint(ctx context.Context, st *Stage) (map[string]string, error) {
	identity, err := identitytest.Start(identitytest.Options{})
	if err != nil {
		return nil, err
	}
	st.Cleanup(func() { _ = identity.Close() })
	site, err := sptest.Start(sptest.Options{VerifyToken: identity.Verify, NotifyDelay: webhookBatchDelay})
	if err != nil {
		return nil, err
	}
	st.Cleanup(func() { _ = site.Close() })
	site.AddList("Projects")
	site.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects", Indexed: true})
	site.AddList("Documents", sptest.Field{InternalName: "ParentItem", Title: "Parent item", Type: "Lookup", LookupList: "Projects", Indexed: true})
	projects, err := site.AddItems("Projects", 5, nil)
	if err != nil {
		return nil, err
	}
	if _, err := site.AddItems("Tasks", 15, func(i int) map[string]int { return map[string]int{"Project": projects[i%5]} }); err != nil {
		return nil, err
	}
	if _, err := site.AddItems("Documents", 10, func(i int) map[string]int { return map[string]int{"ParentItem": projects[i%5]} }); err != nil {
		return nil, err
	}
	spState = spDemo{site: site, identity: identity, projects: projects}
	return map[string]string{
		"SPSiteUrl":         site.SiteURL(),
		"SPListTitle":       "Projects",
		"SPCleanupTargets":  "Tasks:Project;Documents:ParentItem",
		"SPCleanupMode":     "recycle",
		"IDENTITY_ENDPOINT": identity.IdentityEndpoint,
		"IDENTITY_HEADER":   identity.IdentityHeader,
		// The webhook scenario's: SharePointChangePoll subscribes this URL.
		"SPWebhookUrl":         st.HTTPURL + "/api/" + spwebhook.Route + "?code=" + demoFunctionKey,
		"SPWebhookClientState": demoClientState,
	}, nil
}

// runSharePoint polls once to set the token, deletes two projects, polls
// again, lets the cleanup queue drain, and shows what was recycled.
func runSharePoint(ctx context.Context, st *Stage, host Host, out io.Writer) error {
	site := spState.site
	fmt.Fprintf(out, "site %s: %d projects, %d tasks, %d documents linked to them\n",
		site.SiteURL(), len(site.Items("Projects")), len(site.Items("Tasks")), len(site.Items("Documents")))
	if err := host.Fire(ctx, "SharePointChangePoll"); err != nil {
		return fmt.Errorf("first poll: %w", err)
	}
	fmt.Fprintln(out, "first SharePointChangePoll: saved the list's current change token (nothing replayed)")
	deleted := []int{spState.projects[1], spState.projects[3]}
	if err := site.DeleteItems("Projects", deleted...); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted projects %v in SharePoint\n", deleted)
	site.InjectFault(sptest.Fault{Status: 429, RetryAfter: "1", PathContains: "/GetChanges"})
	if err := host.Fire(ctx, "SharePointChangePoll"); err != nil {
		return fmt.Errorf("second poll: %w", err)
	}
	fmt.Fprintln(out, "second SharePointChangePoll: throttled once (429, Retry-After: 1), waited, then queued one message per deleted project")
	if err := host.Drain(ctx); err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	if err := reportRecycled(site, deleted, out); err != nil {
		return err
	}
	return showMalformed(ctx, st, host, out)
}

// showMalformed queues a message that can never succeed: SharePointCleanup
// logs it and completes it, without retries and without poisoning it.
func showMalformed(ctx context.Context, st *Stage, host Host, out io.Writer) error {
	if err := st.Storage.Enqueue(ctx, settings.SPCleanupQueue.Default, []byte(`{"v":9,"itemId":0}`)); err != nil {
		return err
	}
	if err := host.Drain(ctx); err != nil {
		return fmt.Errorf("malformed message: %w", err)
	}
	poison := st.Storage.Queue.NewQueueClient(settings.SPCleanupQueue.Default + "-poison")
	if props, err := poison.GetProperties(ctx, nil); err == nil && props.ApproximateMessagesCount != nil && *props.ApproximateMessagesCount > 0 {
		return fmt.Errorf("the malformed message went to the poison queue")
	}
	fmt.Fprintln(out, `a malformed message ({"v":9,"itemId":0}) was logged with its content and completed: no retry, no poison queue`)
	return nil
}

// reportRecycled prints the recycle bin and checks that nothing still
// points at a deleted project.
func reportRecycled(site *sptest.Server, deleted []int, out io.Writer) error {
	bin := site.RecycleBin()
	fmt.Fprintf(out, "SharePointCleanup recycled %d linked items:\n", len(bin))
	for _, r := range bin {
		var links []string
		for column, id := range r.Item.Lookups {
			links = append(links, fmt.Sprintf("%s=%d", column, id))
		}
		fmt.Fprintf(out, "  %-9s item %2d %-14q (%s)\n", r.ListTitle, r.Item.ID, r.Item.Title, strings.Join(links, ", "))
	}
	for _, list := range []string{"Tasks", "Documents"} {
		for _, item := range site.Items(list) {
			for _, id := range item.Lookups {
				if id == deleted[0] || id == deleted[1] {
					return fmt.Errorf("%s item %d still points at deleted project %d", list, item.ID, id)
				}
			}
		}
	}
	fmt.Fprintf(out, "left: %d tasks, %d documents, none pointing at a deleted project; %d SharePoint requests in all\n",
		len(site.Items("Tasks")), len(site.Items("Documents")), site.RequestCount())
	return nil
}
