package storage_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// TestParkedMessagesNeverExpireAndComeBackExactly: a parked message waits on
// <queue>-parked with no expiry and its last error; requeue puts the
// original text back, byte for byte, and also takes the host's older
// poison messages.
func TestParkedMessagesNeverExpireAndComeBackExactly(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	original := base64.StdEncoding.EncodeToString([]byte(`{"v":1,"itemId":42,"title":"Ünïcode <&>"}`))
	if err := acct.Park(ctx, "work", storage.Parked{Message: original, Error: "SharePoint: 500 <boom>",
		Time: time.Now(), Function: "SharePointCleanup", DequeueCount: 5}); err != nil {
		t.Fatal(err)
	}
	st, err := acct.ParkedState(ctx, "work")
	if err != nil || st.Depth != 1 || time.Since(st.Oldest) > time.Minute {
		t.Fatalf("ParkedState = %+v, %v", st, err)
	}
	peeked, err := acct.Queue.NewQueueClient("work-parked").PeekMessages(ctx, nil)
	if err != nil || len(peeked.Messages) != 1 {
		t.Fatalf("peek: %v", err)
	}
	if expires := *peeked.Messages[0].ExpirationTime; expires.Before(time.Now().AddDate(10, 0, 0)) {
		t.Fatalf("parked message expires %s, want never", expires)
	}
	p, err := storage.ParseParked(*peeked.Messages[0].MessageText)
	if err != nil || p.Message != original || p.Error != "SharePoint: 500 <boom>" || p.Function != "SharePointCleanup" {
		t.Fatalf("parked envelope = %+v, %v", p, err)
	}
	poisonQueue(t, acct, "work", 1)

	dry, err := acct.Requeue(ctx, "work", storage.RequeueOptions{DryRun: true})
	if err != nil || len(dry.Messages) != 2 || dry.Messages[0].Text != original || dry.Messages[0].Error != "SharePoint: 500 <boom>" {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	res, err := acct.Requeue(ctx, "work", storage.RequeueOptions{})
	if err != nil || len(res.Messages) != 2 || res.Messages[0].From != "work-parked" || res.Messages[1].From != "work-poison" {
		t.Fatalf("requeue = %+v, %v", res, err)
	}
	got := texts(t, acct, "work")
	if strings.Join(got, ",") != strings.Join([]string{"bWVzc2FnZS0000", original}, ",") {
		t.Fatalf("work holds %q, want the poison message and the original %q", got, original)
	}
	if st, _ := acct.ParkedState(ctx, "work"); st.Depth != 0 {
		t.Fatalf("parked queue still holds %d", st.Depth)
	}
}

func TestRequeueStopsAtAForeignMessageOnTheParkedQueue(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	if err := acct.EnsureQueue(ctx, "work-parked"); err != nil {
		t.Fatal(err)
	}
	if err := acct.Enqueue(ctx, "work-parked", []byte("not an envelope")); err != nil {
		t.Fatal(err)
	}
	_, err := acct.Requeue(ctx, "work", storage.RequeueOptions{})
	if !errors.Is(err, storage.ErrNotParked) || !strings.Contains(err.Error(), "work-parked") {
		t.Fatalf("requeue of a foreign message: %v", err)
	}
	if got := texts(t, acct, "work"); len(got) != 0 {
		t.Fatalf("a foreign message reached the queue: %q", got)
	}
}

func TestDeferHidesTheMessageWithoutExpiry(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	if err := acct.EnsureQueue(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if err := acct.Defer(ctx, "work", "eyJ2IjoxfQ==", time.Hour); err != nil {
		t.Fatal(err)
	}
	if depth, _ := acct.QueueDepth(ctx, "work"); depth != 1 {
		t.Fatalf("depth %d, want 1", depth)
	}
	if got := texts(t, acct, "work"); len(got) != 0 {
		t.Fatalf("a deferred message is visible at once: %q", got)
	}
}
