package spcleanup_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/spcleanup"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// TestStatusShowsParkedDepthAndAge: `handler status` flags parked cleanups
// with how long the oldest has waited, and the host's older poison ones.
func TestStatusShowsParkedDepthAndAge(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	now := time.Now().Add(26 * time.Hour)
	inv := &function.Invocation{Env: settings.MapEnv{"AzureWebJobsStorage": az.ConnectionString, "SPCleanupQueue": "cleanups"},
		Log: slog.New(slog.DiscardHandler), Clock: func() time.Time { return now }}
	items := spcleanup.Declaration.Status(ctx, inv)
	if len(items) != 2 || items[0].Bad || items[1].Bad || items[0].Value != 0 {
		t.Fatalf("no queues yet: %+v", items)
	}
	for range 2 {
		if err := az.Account.Park(ctx, "cleanups", storage.Parked{Message: "eyJ2IjoxfQ==", Error: "x", Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	items = spcleanup.Declaration.Status(ctx, inv)
	parked := items[0]
	if parked.Name != "parked queue cleanups-parked" || parked.Value != 2 || !parked.Bad ||
		!strings.Contains(parked.Note, "oldest parked 26.0 h ago") || !strings.Contains(parked.Note, "handler requeue cleanups") {
		t.Fatalf("parked item = %+v", parked)
	}
	if items[1].Name != "poison queue cleanups-poison" || items[1].Bad {
		t.Fatalf("poison item = %+v", items[1])
	}
}
