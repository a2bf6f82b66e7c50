package spchangepoll_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestRunReadsItsSettings runs the function as the handler does: settings
// from the environment, storage opened from AzureWebJobsStorage.
func TestRunReadsItsSettings(t *testing.T) {
	f := newFixture(t)
	env := settings.MapEnv{"AzureWebJobsStorage": azurite.ConnectionString, "SPSiteUrl": f.site.SiteURL(),
		"SPListTitle": "Projects", "SPCleanupQueue": f.queue + "-run", "SPStateContainer": f.queue + "-run"}
	inv := func() *function.Invocation {
		return &function.Invocation{ID: "test", Function: spchangepoll.Declaration.Name, Env: env,
			Log: f.logs.logger(), Clock: time.Now}
	}
	if err := spchangepoll.Declaration.Run(context.Background(), inv()); err != nil {
		t.Fatal(err)
	}
	f.addAndDelete(t, 4)
	if err := spchangepoll.Declaration.Run(context.Background(), inv()); err != nil {
		t.Fatal(err)
	}
	if f.logs.count("deletes=4") != 1 {
		t.Fatalf("second run did not queue 4 deletes: %s", f.logs.String())
	}
	rows := spchangepoll.Declaration.Check(context.Background(), inv())
	if len(rows) != 1 || !rows[0].OK || !strings.Contains(rows[0].Why, "Projects") {
		t.Fatalf("check = %+v", rows)
	}
}

func TestRunNamesEveryBadSetting(t *testing.T) {
	inv := &function.Invocation{Env: settings.MapEnv{"SPSiteUrl": "contoso", "SPClientId": "x"},
		Log: slog.New(slog.DiscardHandler), Clock: time.Now}
	err := spchangepoll.Declaration.Run(context.Background(), inv)
	for _, name := range []string{"SPSiteUrl", "SPListTitle", "SPTenantId", "SPClientCertificate"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("err = %v, want %s named", err, name)
		}
	}
	rows := spchangepoll.Declaration.Check(context.Background(), inv)
	if len(rows) != 1 || rows[0].OK {
		t.Fatalf("check = %+v", rows)
	}
}

// TestUpkeepFailureLeavesThePollRunning: SharePoint cannot validate the
// webhook URL, so the subscription is not created; the run still queues the
// deletes, records the failure as a figure and fails naming the URL's host,
// never its key.
func TestUpkeepFailureLeavesThePollRunning(t *testing.T) {
	f := newFixture(t)
	dead := httptest.NewServer(nil) // answers 404 to the handshake
	t.Cleanup(dead.Close)
	env := settings.MapEnv{"AzureWebJobsStorage": azurite.ConnectionString, "SPSiteUrl": f.site.SiteURL(),
		"SPListTitle": "Projects", "SPCleanupQueue": f.queue + "-up", "SPStateContainer": f.queue + "-up",
		"SPWebhookUrl": dead.URL + "/api/sharepoint/webhook?code=SECRETKEY", "SPWebhookClientState": strings.Repeat("c", 40)}
	inv := func() *function.Invocation {
		return &function.Invocation{ID: "test", Function: spchangepoll.Declaration.Name, Env: env, Log: f.logs.logger(), Clock: time.Now}
	}
	_ = spchangepoll.Declaration.Run(context.Background(), inv())
	f.addAndDelete(t, 3)
	run := inv()
	err := spchangepoll.Declaration.Run(context.Background(), run)
	host := strings.TrimPrefix(dead.URL, "http://")
	if err == nil || !strings.Contains(err.Error(), host) || strings.Contains(err.Error(), "SECRETKEY") {
		t.Fatalf("err = %v", err)
	}
	if figs := run.Figures(); figs["deletesQueued"] != 3 || figs["webhookUpkeepFailed"] != 1 {
		t.Fatalf("figures %v", figs)
	}
	if len(f.site.Subscriptions("Projects")) != 0 {
		t.Fatal("a subscription was created")
	}
}
