package spwebhookpoll_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/tenantops/tenantops/functions/deleteditem"
)

// hostWorkers is how many read requests run at once: the host's queue
// batch (batchSize 16).
const hostWorkers = 16

// workers run SharePointWebhookPoll on the request queue as the host does,
// hostWorkers at a time, polling every pollEvery, until stop is closed and
// the queue is empty. reads counts runs that read the change log.
type workers struct {
	c         *chain
	pollEvery time.Duration
	reads     atomic.Int64
	runs      atomic.Int64
	wg        sync.WaitGroup
}

func (w *workers) start(t testing.TB, stop <-chan struct{}) {
	q := w.c.azurite.Account.Queue.NewQueueClient("sp-poll-requests")
	for range hostWorkers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for {
				resp, err := q.DequeueMessages(context.Background(), &azqueue.DequeueMessagesOptions{NumberOfMessages: ptr(int32(1)), VisibilityTimeout: ptr(int32(300))})
				if err != nil {
					t.Error(err)
					return
				}
				if len(resp.Messages) == 0 {
					select {
					case <-stop:
						return
					case <-time.After(w.pollEvery):
						continue
					}
				}
				m := resp.Messages[0]
				text, _ := base64.StdEncoding.DecodeString(*m.MessageText)
				inv := w.c.runPoll(t, string(text))
				w.runs.Add(1)
				if inv.Figures()["skipped"] == 0 {
					w.reads.Add(1)
				}
				_, _ = q.DeleteMessage(context.Background(), *m.MessageID, *m.PopReceipt, nil)
			}
		}()
	}
}

// notify posts a notification to SharePointWebhook as SharePoint would.
func (c *chain) notify(t testing.TB) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"value": []map[string]any{{"subscriptionId": "s", "clientState": clientState,
		"resource": c.site.ListID("Projects"), "expirationDateTime": "2027-01-01T00:00:00Z", "siteUrl": "/sites/ops"}}})
	resp, err := http.Post(c.hook, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err) // called from goroutines: no Fatal
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("webhook answered %d", resp.StatusCode)
	}
}

// burst deletes 100 items over one second, each followed by a notification,
// lets the workers read, and returns the cleanup messages and the reads.
func burst(t testing.TB) ([]string, int64, []int) {
	c := newChain(t, time.Hour) // the test sends the notifications itself
	ids, err := c.site.AddItems("Projects", 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	w := &workers{c: c, pollEvery: 100 * time.Millisecond}
	w.start(t, stop)
	var sent sync.WaitGroup
	for _, id := range ids { // one second: a delete and its notification every 10 ms
		if err := c.site.DeleteItems("Projects", id); err != nil {
			t.Fatal(err)
		}
		sent.Add(1)
		go func() {
			defer sent.Done()
			c.notify(t)
		}()
		time.Sleep(10 * time.Millisecond)
	}
	sent.Wait()
	close(stop)
	w.wg.Wait()
	return c.take(t, "sp-deleted-items", 1000, 2*time.Second), w.reads.Load(), ids
}

// TestBurstQueuesEachDeleteOnce: 100 notifications in a second, read by 16
// runs at a time, queue every delete exactly once.
func TestBurstQueuesEachDeleteOnce(t *testing.T) {
	messages, reads, ids := burst(t)
	seen := map[int]int{}
	for _, text := range messages {
		var m deleteditem.Message
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			t.Fatal(err)
		}
		seen[m.ItemID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("item %d queued %d times (of %d messages, %d reads)", id, seen[id], len(messages), reads)
		}
	}
}

// BenchmarkBurstOfNotifications reports how many change-log reads 100
// notifications in one second cost, and the duplicate messages (goal 0).
func BenchmarkBurstOfNotifications(b *testing.B) {
	for range b.N {
		messages, reads, _ := burst(b)
		unique := map[string]bool{}
		for _, m := range messages {
			unique[m[strings.Index(m, `"itemId"`):]] = true
		}
		b.ReportMetric(float64(reads), "change-log-reads")
		b.ReportMetric(5, "max:change-log-reads") // the goals, for make bench's summary table
		b.ReportMetric(float64(len(messages)-len(unique)), "duplicate-messages")
		b.ReportMetric(0, "max:duplicate-messages")
	}
}

// BenchmarkNotificationToCleanup reports the time from a delete to its
// cleanup message on the queue through the webhook path on the stand-ins,
// with SharePoint's batching set to none and the request queue polled
// every 100 ms (an idle host polls at most every maxPollingInterval, 2 s);
// the webhook poll's one-second settle is included.
func BenchmarkNotificationToCleanup(b *testing.B) {
	c := newChain(b, 0)
	ids, err := c.site.AddItems("Projects", 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	stop := make(chan struct{})
	w := &workers{c: c, pollEvery: 100 * time.Millisecond}
	w.start(b, stop)
	time.Sleep(2 * time.Second) // the add's notification, settle and read
	c.take(b, "sp-deleted-items", 100, 100*time.Millisecond)
	for range b.N {
		start := time.Now()
		if err := c.site.DeleteItems("Projects", ids[0]); err != nil {
			b.Fatal(err)
		}
		if got := c.take(b, "sp-deleted-items", 1, 10*time.Second); len(got) != 1 {
			b.Fatal("no cleanup message within 10 s")
		}
		b.ReportMetric(time.Since(start).Seconds(), "delete-to-cleanup-message-s")
		b.ReportMetric(2, "max:delete-to-cleanup-message-s") // the goal, for make bench's summary table
	}
	close(stop)
	w.wg.Wait()
}
