package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// TestEnqueueNeverExpires: a queued message outlives the storage default
// of 7 days (the service reports the end of time as its expiry).
func TestEnqueueNeverExpires(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	if err := acct.EnsureQueue(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if err := acct.Enqueue(ctx, "work", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	resp, err := acct.Queue.NewQueueClient("work").PeekMessages(ctx, nil)
	if err != nil || len(resp.Messages) != 1 {
		t.Fatalf("peek: %v, %d messages", err, len(resp.Messages))
	}
	if expires := *resp.Messages[0].ExpirationTime; expires.Before(time.Now().AddDate(10, 0, 0)) {
		t.Fatalf("message expires %s, want never", expires)
	}
}

// poisonQueue fills <queue>-poison with n messages the way the host writes
// them (default time-to-live) and returns their texts.
func poisonQueue(t *testing.T, acct *storage.Account, queue string, n int) []string {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{queue, queue + "-poison"} {
		if err := acct.EnsureQueue(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	texts := make([]string, n)
	for i := range n {
		texts[i] = fmt.Sprintf("bWVzc2FnZS0%03d", i)
		if _, err := acct.Queue.NewQueueClient(queue+"-poison").EnqueueMessage(ctx, texts[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	return texts
}

// texts dequeues every visible message of a queue.
func texts(t *testing.T, acct *storage.Account, queue string) []string {
	t.Helper()
	var out []string
	for {
		resp, err := acct.Queue.NewQueueClient(queue).DequeueMessages(context.Background(),
			&azqueue.DequeueMessagesOptions{NumberOfMessages: ptr(int32(32)), VisibilityTimeout: ptr(int32(600))})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Messages) == 0 {
			sort.Strings(out)
			return out
		}
		for _, m := range resp.Messages {
			if m.ExpirationTime.Before(time.Now().AddDate(10, 0, 0)) && !strings.HasSuffix(queue, "-poison") {
				t.Errorf("requeued message %s expires %s", *m.MessageID, m.ExpirationTime)
			}
			out = append(out, *m.MessageText)
		}
	}
}

func TestRequeueMovesPoisonMessagesBack(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	want := poisonQueue(t, acct, "work", 40)

	dry, err := acct.Requeue(ctx, "work", storage.RequeueOptions{DryRun: true})
	if err != nil || dry.Pending != 40 || len(dry.Messages) != 32 || dry.Messages[0].Text != want[0] {
		t.Fatalf("dry run = %d pending, %d shown, %v", dry.Pending, len(dry.Messages), err)
	}
	if got := texts(t, acct, "work"); len(got) != 0 {
		t.Fatalf("dry run moved %d messages", len(got))
	}
	dry, _ = acct.Requeue(ctx, "work", storage.RequeueOptions{DryRun: true, Count: 3})
	if len(dry.Messages) != 3 {
		t.Fatalf("dry run of 3 showed %d", len(dry.Messages))
	}

	five, err := acct.Requeue(ctx, "work", storage.RequeueOptions{Count: 5})
	if err != nil || len(five.Messages) != 5 {
		t.Fatalf("count 5 moved %d: %v", len(five.Messages), err)
	}
	rest, err := acct.Requeue(ctx, "work", storage.RequeueOptions{})
	if err != nil || len(rest.Messages) != 35 {
		t.Fatalf("the rest moved %d: %v", len(rest.Messages), err)
	}
	if got := texts(t, acct, "work"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("work holds %v, want %v", got, want)
	}
	if left := texts(t, acct, "work-poison"); len(left) != 0 {
		t.Fatalf("%d left on the poison queue", len(left))
	}
}

// TestRequeueStoppedHalfWayLosesNothing: the move stops after the third
// message is on the queue but before it leaves the poison queue. The third
// is then on both (a duplicate) and, once its lease ends, every message is
// on one queue or the other; a second requeue finishes the job.
func TestRequeueStoppedHalfWayLosesNothing(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	want := poisonQueue(t, acct, "work", 6)
	crash := errors.New("crash")
	n := 0
	_, err := acct.RequeueWithHook(ctx, "work", storage.RequeueOptions{Lease: time.Second}, func(storage.QueuedMessage) error {
		if n++; n == 3 {
			return crash
		}
		return nil
	})
	if !errors.Is(err, crash) {
		t.Fatalf("err = %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // the third message's lease on the poison queue ends
	moved := texts(t, acct, "work")
	left := texts(t, acct, "work-poison")
	if len(moved) != 3 || len(left) != 4 {
		t.Fatalf("moved %v, left %v", moved, left)
	}
	seen := map[string]bool{}
	for _, text := range append(moved, left...) {
		seen[text] = true
	}
	for _, text := range want {
		if !seen[text] {
			t.Fatalf("message %s lost", text)
		}
	}
}

func TestRequeueRefusesWrongQueues(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	if _, err := acct.Requeue(ctx, "nothing-here", storage.RequeueOptions{}); err == nil || !strings.Contains(err.Error(), "no queue nothing-here-parked or nothing-here-poison") {
		t.Fatalf("missing poison queue: %v", err)
	}
	for _, q := range []string{"work-poison", "work-parked"} {
		if _, err := acct.Requeue(ctx, q, storage.RequeueOptions{}); err == nil || !strings.Contains(err.Error(), "not its parked or poison queue") {
			t.Fatalf("%s as the target: %v", q, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
