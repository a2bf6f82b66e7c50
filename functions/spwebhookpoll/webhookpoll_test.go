package spwebhookpoll_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/functions/spwebhookpoll"
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/httptrigger"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

const clientState = "a-client-state-of-more-than-32-characters-0123456789"

// chain is the webhook path on the stand-ins: SharePoint notifies the real
// SharePointWebhook over HTTP, which queues read requests in Azurite.
type chain struct {
	hook    string // SharePointWebhook's URL, key included
	env     settings.MapEnv
	site    *sptest.Server
	azurite *azuritetest.Server
	client  *sharepoint.Client
}

func newChain(t testing.TB, notifyDelay time.Duration) *chain {
	az := azuritetest.Start(t)
	id, err := identitytest.Start(identitytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = id.Close() })
	t.Setenv("IDENTITY_ENDPOINT", id.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", id.IdentityHeader)
	site, err := sptest.Start(sptest.Options{VerifyToken: id.Verify, NotifyDelay: notifyDelay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	site.AddList("Projects")
	c := &chain{site: site, azurite: az, hook: "", env: settings.MapEnv{"AzureWebJobsStorage": az.ConnectionString, "SPSiteUrl": site.SiteURL(),
		"SPListTitle": "Projects", "SPWebhookClientState": clientState}}
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.client, err = sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"sp-changelog", "sp-deleted-items", "sp-poll-requests"} {
		_ = az.Account.EnsureContainer(ctx, name)
		_ = az.Account.EnsureQueue(ctx, name)
	}
	srv := httptest.NewServer(httptrigger.Handler(spwebhook.Declaration, c.env, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	ref := spwebhook.StateRef{Account: az.Account, Container: "sp-changelog", SiteURL: site.SiteURL(), ListTitle: "Projects"}
	c.hook = srv.URL + "/api/sharepoint/webhook?code=KEY"
	if _, err := spwebhook.Upkeep(ctx, spwebhook.UpkeepOptions{Client: c.client, State: ref, NotificationURL: c.hook,
		ClientState: clientState, Now: time.Now, Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	if _, err := spchangepoll.Poll(ctx, spchangepoll.Options{Client: c.client, Storage: az.Account, ListTitle: "Projects",
		Queue: "sp-deleted-items", Container: "sp-changelog"}); err != nil {
		t.Fatal(err)
	}
	return c
}

// take waits up to d for n messages on a queue and removes them.
func (c *chain) take(t testing.TB, queue string, n int, d time.Duration) []string {
	t.Helper()
	q := c.azurite.Account.Queue.NewQueueClient(queue)
	var out []string
	deadline := time.Now().Add(d)
	for len(out) < n && time.Now().Before(deadline) {
		resp, err := q.DequeueMessages(context.Background(), &azqueue.DequeueMessagesOptions{NumberOfMessages: ptr(int32(32))})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range resp.Messages {
			text, _ := base64.StdEncoding.DecodeString(*m.MessageText)
			out = append(out, string(text))
			_, _ = q.DeleteMessage(context.Background(), *m.MessageID, *m.PopReceipt, nil)
		}
		if len(resp.Messages) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// runPoll runs SharePointWebhookPoll on one request message.
func (c *chain) runPoll(t testing.TB, message string) *function.Invocation {
	t.Helper()
	raw, _ := json.Marshal(message)
	inv := &function.Invocation{Function: "SharePointWebhookPoll", Env: c.env, Log: slog.New(slog.DiscardHandler), Outputs: map[string]any{},
		Request: invoke.Request{Data: map[string]json.RawMessage{"request": raw}}}
	if err := spwebhookpoll.Declaration.Run(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestDeleteReachesCleanupThroughTheWebhook: a delete makes SharePoint
// notify the webhook, whose one request makes the poll queue the delete;
// the same request again (a duplicate notification) is skipped.
func TestDeleteReachesCleanupThroughTheWebhook(t *testing.T) {
	c := newChain(t, 20*time.Millisecond)
	ids, err := c.site.AddItems("Projects", 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.take(t, "sp-poll-requests", 1, 5*time.Second) // the adds' notification
	if err := c.site.DeleteItems("Projects", ids[1]); err != nil {
		t.Fatal(err)
	}
	requests := c.take(t, "sp-poll-requests", 1, 5*time.Second)
	if len(requests) != 1 {
		t.Fatalf("%d read requests, want 1", len(requests))
	}
	c.runPoll(t, requests[0])
	cleanups := c.take(t, "sp-deleted-items", 1, time.Second)
	var m deleteditem.Message
	if len(cleanups) != 1 || json.Unmarshal([]byte(cleanups[0]), &m) != nil || m.ItemID != ids[1] {
		t.Fatalf("cleanup messages %v, want one for item %d", cleanups, ids[1])
	}
	c.site.ResetRequests()
	dup := c.runPoll(t, requests[0])
	if dup.Figures()["skipped"] != 1 || c.site.RequestCount() != 0 || len(c.take(t, "sp-deleted-items", 1, 200*time.Millisecond)) != 0 {
		t.Fatalf("duplicate: figures %v, %d SharePoint requests", dup.Figures(), c.site.RequestCount())
	}
}

func TestMalformedRequestIsDiscarded(t *testing.T) {
	raw, _ := json.Marshal("not json")
	inv := &function.Invocation{Function: "SharePointWebhookPoll", Env: settings.MapEnv{}, Log: slog.New(slog.DiscardHandler),
		Request: invoke.Request{Data: map[string]json.RawMessage{"request": raw}}}
	if _, ok := function.IsDiscarded(spwebhookpoll.Declaration.Run(context.Background(), inv)); !ok {
		t.Fatal("a malformed request was not discarded")
	}
}
