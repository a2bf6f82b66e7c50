package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// TestRequeueCommand drives `handler requeue` against Azurite: a dry run
// prints what would move and moves nothing; --count bounds the move; the
// messages come back readable.
func TestRequeueCommand(t *testing.T) {
	server := azuritetest.Start(t)
	ctx := context.Background()
	env := settings.MapEnv{"AzureWebJobsStorage": server.ConnectionString}
	for _, name := range []string{"sp-deleted-items", "sp-deleted-items-poison"} {
		if err := server.Account.EnsureQueue(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		// The host's poison copy of a message is the same base64 text.
		if err := server.Account.Enqueue(ctx, "sp-deleted-items-poison", []byte(`{"v":1,"itemId":`+string(rune('1'+i))+`}`)); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := requeue(ctx, env, &out, []string{"sp-deleted-items", "--dry-run"}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Count(got, "would move ") != 4 || !strings.Contains(got, `{"v":1,"itemId":1}`) || !strings.Contains(got, "nothing moved") {
		t.Fatalf("dry run printed:\n%s", got)
	}
	out.Reset()
	if err := requeue(ctx, env, &out, []string{"--count", "2", "sp-deleted-items"}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Count(got, "moved ") != 3 || !strings.Contains(got, "moved 2 message(s) from sp-deleted-items-poison to sp-deleted-items") {
		t.Fatalf("count 2 printed:\n%s", got)
	}
	out.Reset()
	if err := requeue(ctx, env, &out, []string{"sp-deleted-items"}); err != nil || !strings.Contains(out.String(), "moved 1 message(s)") {
		t.Fatalf("the rest: %v\n%s", err, out.String())
	}
	parked := storage.Parked{Message: "eyJ2IjoxLCJpdGVtSWQiOjl9", Error: "SharePoint: HTTP 500", Time: time.Now(), DequeueCount: 5}
	if err := server.Account.Park(ctx, "sp-deleted-items", parked); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := requeue(ctx, env, &out, []string{"sp-deleted-items"}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, `from sp-deleted-items-parked (put there`) || !strings.Contains(got, `{"v":1,"itemId":9}`) ||
		!strings.Contains(got, "last error: SharePoint: HTTP 500") || !strings.Contains(got, "moved 1 message(s) from sp-deleted-items-parked and sp-deleted-items-poison") {
		t.Fatalf("a parked message's requeue printed:\n%s", got)
	}
	for _, args := range [][]string{{}, {"a", "b"}, {"q", "--count", "-1"}, {"q", "--frobnicate"}} {
		if err := requeue(ctx, env, &bytes.Buffer{}, args); err == nil {
			t.Errorf("requeue %q succeeded", args)
		}
	}
}
