package spchangepoll_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// TestPollRecordsTheParkedQueue: each poll records how many cleanups are
// parked and how long the oldest has waited, the figures the parked-queue
// alerts read.
func TestPollRecordsTheParkedQueue(t *testing.T) {
	f := newFixture(t)
	queue := f.queue + "-parked-figures"
	env := settings.MapEnv{"AzureWebJobsStorage": azurite.ConnectionString, "SPSiteUrl": f.site.SiteURL(),
		"SPListTitle": "Projects", "SPCleanupQueue": queue, "SPStateContainer": queue}
	ctx := context.Background()
	if err := azurite.Account.Park(ctx, queue, storage.Parked{Message: "eyJ2IjoxfQ==", Error: "boom", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(3 * time.Hour)
	inv := &function.Invocation{ID: "test", Function: spchangepoll.Declaration.Name, Env: env,
		Log: f.logs.logger(), Clock: func() time.Time { return later }}
	if err := spchangepoll.Declaration.Run(ctx, inv); err != nil {
		t.Fatal(err)
	}
	figures := inv.Figures()
	if figures["parkedQueueDepth"] != 1 || figures["poisonQueueDepth"] != 0 {
		t.Fatalf("figures = %v, want one parked message", figures)
	}
	if hours, ok := figures["parkedOldestHours"].(float64); !ok || hours < 2.9 || hours > 3.1 {
		t.Fatalf("parkedOldestHours = %v, want about 3", figures["parkedOldestHours"])
	}
}
