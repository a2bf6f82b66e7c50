package devhost

import (
	"context"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

// output collects the handler's output for the test to read.
type output struct{ logbuf.Buffer }

// startLines returns the handler's "invocation started" log lines.
func (o *output) startLines() []map[string]any { return o.JSONLines("invocation started") }

// results collects what OnResult reports.
type results struct {
	mu   sync.Mutex
	list []Result
	c    chan Result
}

func newResults() *results { return &results{c: make(chan Result, 64)} }

func (r *results) add(res Result) {
	r.mu.Lock()
	r.list = append(r.list, res)
	r.mu.Unlock()
	select {
	case r.c <- res:
	default:
	}
}

func (r *results) all() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Result(nil), r.list...)
}

type fixture struct {
	azurite *azuritetest.Server
	host    *Host
	out     *output
	results *results
}

// startFixture runs Azurite and the built handler under the local host.
func startFixture(t *testing.T, env map[string]string, background bool) *fixture {
	t.Helper()
	// The app is built (a cold compile can take minutes) and Azurite started
	// before the start deadline begins: it bounds the handler's start alone.
	app := builtApp(t)
	f := &fixture{azurite: azuritetest.Start(t), out: &output{}, results: newResults()}
	env["AzureWebJobsStorage"] = f.azurite.ConnectionString
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	host, err := Start(ctx, Options{
		Dir: app, Env: env, Storage: f.azurite.Account,
		Stdout: f.out, Stderr: f.out, RetryDelay: -1,
		Background: background, OnResult: f.results.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := host.Close(); err != nil {
			t.Errorf("handler did not stop cleanly: %v", err)
		}
	})
	f.host = host
	return f
}

// SharePointCleanup fails without its SharePoint settings: a message for it
// fails on every try.
func TestFailingQueueMessageEndsInPoisonAfterFiveTries(t *testing.T) {
	f := startFixture(t, map[string]string{"SPCleanupQueue": "cleanup-poison-test"}, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	acct := f.azurite.Account
	if err := acct.EnsureQueue(ctx, "cleanup-poison-test"); err != nil {
		t.Fatal(err)
	}
	message := `{"v":1,"siteUrl":"https://contoso.sharepoint.com/sites/ops","listTitle":"Projects","itemId":42}`
	if err := acct.Enqueue(ctx, "cleanup-poison-test", []byte(message)); err != nil {
		t.Fatal(err)
	}

	if err := f.host.Drain(ctx); err != nil {
		t.Fatalf("Drain = %v, want no poisoned message", err)
	}

	got := f.results.all()
	if len(got) != 5 {
		t.Fatalf("%d tries, want 5: %+v", len(got), got)
	}
	for i, r := range got {
		wantStatus := http.StatusInternalServerError
		if i == 4 { // the last try: the handler parks the message and answers 200
			wantStatus = http.StatusOK
		}
		if r.DequeueCount != i+1 || r.Status != wantStatus {
			t.Errorf("try %d: %+v, want DequeueCount %d, status %d", i+1, r, i+1, wantStatus)
		}
		if r.Poisoned {
			t.Errorf("try %d: Poisoned = %v", i+1, r.Poisoned)
		}
	}
	lines := f.out.startLines()
	if len(lines) != 5 {
		t.Fatalf("handler saw %d invocations, want 5:\n%s", len(lines), f.out)
	}
	for i, line := range lines {
		if line["message"] != message || line["dequeue_count"] != float64(i+1) || line["message_id"] != got[0].MessageID {
			t.Errorf("try %d reached the handler as %v", i+1, line)
		}
	}

	assertQueue(t, acct.Queue.NewQueueClient("cleanup-poison-test"), nil)
	if depth, err := acct.QueueDepth(ctx, "cleanup-poison-test-poison"); err != nil || depth != 0 {
		t.Errorf("poison queue holds %d, %v", depth, err)
	}
	parked, err := acct.Requeue(ctx, "cleanup-poison-test", storage.RequeueOptions{DryRun: true})
	if err != nil || len(parked.Messages) != 1 || parked.Messages[0].Text != base64.StdEncoding.EncodeToString([]byte(message)) {
		t.Errorf("parked = %+v, %v; want the message, unchanged", parked, err)
	}
}

func TestUndecodableMessageGoesStraightToPoison(t *testing.T) {
	f := startFixture(t, map[string]string{"SPCleanupQueue": "cleanup-undecodable"}, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	q := f.azurite.Account.Queue.NewQueueClient("cleanup-undecodable")
	if _, err := q.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := q.EnqueueMessage(ctx, "not base64 {}", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.host.Drain(ctx); err == nil {
		t.Fatal("Drain reported no poisoned message")
	}
	if lines := f.out.startLines(); len(lines) != 0 {
		t.Errorf("the handler was invoked with an undecodable message: %v", lines)
	}
	assertQueue(t, f.azurite.Account.Queue.NewQueueClient("cleanup-undecodable-poison"), []string{"not base64 {}"})
}

// TestTimerFiresOnItsSchedule sets a schedule of every second and waits for
// the host to fire it, then checks what reached the handler.
func TestTimerFiresOnItsSchedule(t *testing.T) {
	f := startFixture(t, map[string]string{"SPChangePollSchedule": "* * * * * *"}, true)
	var first Result
	select {
	case first = <-f.results.c:
	case <-time.After(30 * time.Second):
		t.Fatal("the every-second timer never fired")
	}
	if first.Function != "SharePointChangePoll" || first.Trigger != "timerTrigger" || first.Status == 0 {
		t.Fatalf("first invocation %+v, want SharePointChangePoll answered by the handler", first)
	}
	var line map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for line == nil && time.Now().Before(deadline) {
		for _, l := range f.out.startLines() {
			if l["invocation_id"] == first.InvocationID {
				line = l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if line == nil {
		t.Fatalf("no start line for %s:\n%s", first.InvocationID, f.out)
	}
	if line["function"] != "SharePointChangePoll" || line["trigger"] != "timer" || line["past_due"] != false {
		t.Errorf("handler decoded %v", line)
	}
	next, err := time.Parse(time.RFC3339, line["next"].(string))
	if err != nil || next.Nanosecond() != 0 {
		t.Errorf("next occurrence %v (%v), want a whole second", line["next"], err)
	}
}

func TestFireOnDemand(t *testing.T) {
	f := startFixture(t, map[string]string{}, false)
	ctx := context.Background()
	res, err := f.host.FireResult(ctx, "FtpRetrieve")
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Status != 500 || !strings.HasPrefix(res.Error, "500 Internal Server Error: ") || len(res.Logs) == 0 {
		t.Errorf("FtpRetrieve without settings: %+v, want a 500 with the handler's error and logs", res)
	}
	if err := f.host.Fire(ctx, "FtpRetrieve"); err == nil || !strings.HasPrefix(err.Error(), "500 ") {
		t.Errorf("Fire = %v, want the failure", err)
	}
	if err := f.host.Fire(ctx, "SharePointCleanup"); err == nil || !strings.Contains(err.Error(), "not a timer") {
		t.Errorf("Fire on a queue function = %v", err)
	}
	if err := f.host.Fire(ctx, "NoSuchFunction"); err == nil {
		t.Error("Fire on an unknown function succeeded")
	}
	var want []string
	for _, d := range functions.All() {
		want = append(want, d.Name)
	}
	sort.Strings(want)
	if got := f.host.Functions(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Functions = %v, want %v", got, want)
	}
}

// assertQueue checks a queue's messages, as stored (still encoded).
func assertQueue(t *testing.T, q *azqueue.QueueClient, want []string) {
	t.Helper()
	n := int32(32)
	resp, err := q.PeekMessages(context.Background(), &azqueue.PeekMessagesOptions{NumberOfMessages: &n})
	if err != nil {
		t.Fatalf("peek %s: %v", q.URL(), err)
	}
	var got []string
	for _, m := range resp.Messages {
		got = append(got, *m.MessageText)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s holds %q, want %q", q.URL(), got, want)
	}
}
