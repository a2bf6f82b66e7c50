package spchangepoll_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

func TestFirstRunStartsFromTheCurrentToken(t *testing.T) {
	f := newFixture(t)
	f.addAndDelete(t, 3) // before the first run: never replayed
	res := f.poll(t, f.options())
	current, err := f.client.CurrentChangeToken(context.Background(), sharepoint.ListByTitle("Projects"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.FirstRun || f.savedToken(t) != res.Token || tokenNumber(t, res.Token) != tokenNumber(t, current) {
		t.Fatalf("first run %+v, saved %q, current %q", res, f.savedToken(t), current)
	}
	if got := f.drain(t); len(got) != 0 {
		t.Fatalf("first run queued %d messages", len(got))
	}
	if f.logs.count("first run") != 1 {
		t.Fatalf("first run not logged: %s", f.logs.String())
	}
	if res := f.poll(t, f.options()); res.Deletes != 0 {
		t.Fatalf("second run replayed the log: %+v", res)
	}
}

func TestFiveThousandDeletesInThreePages(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	ids := f.addAndDelete(t, 5000)
	f.site.ResetRequests()
	res := f.poll(t, f.options())
	messages := f.drain(t)
	if res.Pages != 3 || res.Deletes != 5000 || len(messages) != 5000 {
		t.Fatalf("result %+v, %d messages", res, len(messages))
	}
	seen := map[int]bool{}
	for _, m := range messages {
		if m.V != 1 || m.SiteURL != f.site.SiteURL() || m.ListTitle != "Projects" || m.ListID != f.site.ListID("Projects") ||
			m.UniqueID == "" || m.ChangeToken == "" || m.Time.IsZero() {
			t.Fatalf("message %+v", m)
		}
		seen[m.ItemID] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("no message for item %d", id)
		}
	}
	if f.savedToken(t) != res.Token || !hasToken(messages, res.Token) || tokenNumber(t, res.Token) != maxNumber(t, messages) {
		t.Fatalf("saved token %q is not the last delete's token", f.savedToken(t))
	}
	if got := countSuffix(f.site.Requests(), "/GetChanges"); got != 4 {
		t.Fatalf("%d GetChanges requests, want 3 pages + 1 empty", got)
	}
}

func TestThrottledPollWaitsOutRetryAfter(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	f.addAndDelete(t, 10)
	f.site.InjectFault(sptest.Fault{Status: 429, RetryAfter: "2", PathContains: "/GetChanges"})
	startedAt := time.Now()
	res := f.poll(t, f.options())
	if res.Deletes != 10 || time.Since(startedAt) < 2*time.Second {
		t.Fatalf("result %+v after %s", res, time.Since(startedAt))
	}
}

// TestCrashAtEachStepLosesNoDelete ends a poll at each checkpoint, as a
// crash would, then runs it again: every delete is queued at least once and
// the token ends at the last delete.
func TestCrashAtEachStepLosesNoDelete(t *testing.T) {
	tests := []struct {
		name  string
		crash func(spchangepoll.Checkpoint) bool
	}{
		{"after the first page fetch", func(c spchangepoll.Checkpoint) bool { return c.Step == spchangepoll.StepPageFetched && c.Page == 1 }},
		{"after the second page fetch", func(c spchangepoll.Checkpoint) bool { return c.Step == spchangepoll.StepPageFetched && c.Page == 2 }},
		{"mid-enqueue of page 2", func(c spchangepoll.Checkpoint) bool {
			return c.Step == spchangepoll.StepEnqueued && c.Page == 2 && c.Enqueued == 50
		}},
		{"before the token write of page 2", func(c spchangepoll.Checkpoint) bool {
			return c.Step == spchangepoll.StepBeforeTokenWrite && c.Page == 2
		}},
		{"before the token write of the last page", func(c spchangepoll.Checkpoint) bool {
			return c.Step == spchangepoll.StepBeforeTokenWrite && c.Page == 3
		}},
	}
	errCrash := errors.New("crash")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.poll(t, f.options())
			ids := f.addAndDelete(t, 250)
			opts := f.options()
			opts.FetchLimit = 100
			var once sync.Once
			opts = spchangepoll.WithHook(opts, func(c spchangepoll.Checkpoint) error {
				crashed := false
				if tt.crash(c) {
					once.Do(func() { crashed = true })
				}
				if crashed {
					return errCrash
				}
				return nil
			})
			if _, err := spchangepoll.Poll(context.Background(), opts); !errors.Is(err, errCrash) {
				t.Fatalf("crashing run: err = %v", err)
			}
			res := f.poll(t, opts)
			seen := map[int]int{}
			for _, m := range f.drain(t) {
				seen[m.ItemID]++
			}
			for _, id := range ids {
				if seen[id] == 0 {
					t.Fatalf("delete of item %d lost (rerun %+v)", id, res)
				}
			}
			if last := f.poll(t, opts); last.Deletes != 0 || tokenNumber(t, f.savedToken(t)) != tokenNumber(t, res.Token) {
				t.Fatalf("after the rerun the token did not reach the last delete: %+v", last)
			}
		})
	}
}

// TestOverlappingPollsNeverQueueTwice holds poll A before its first token
// write while poll B starts: B finds A's lease and reads nothing, A
// finishes, and every delete is on the queue once.
func TestOverlappingPollsNeverQueueTwice(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	ids := f.addAndDelete(t, 30)
	pausedA, resumeA := make(chan struct{}), make(chan struct{})
	optsA := f.options()
	optsA.FetchLimit = 10
	optsA = spchangepoll.WithHook(optsA, func(c spchangepoll.Checkpoint) error {
		if c.Step == spchangepoll.StepBeforeTokenWrite && c.Page == 1 {
			close(pausedA)
			<-resumeA
		}
		return nil
	})
	var resA spchangepoll.Result
	var errA error
	done := make(chan struct{})
	go func() {
		defer close(done)
		resA, errA = spchangepoll.Poll(context.Background(), optsA)
	}()
	<-pausedA
	resB := f.poll(t, f.options())
	close(resumeA)
	<-done
	if !resB.Busy || resB.Deletes != 0 {
		t.Fatalf("poll B: %+v; want busy, nothing read", resB)
	}
	if errA != nil || resA.Deletes != 30 || f.savedToken(t) != resA.Token {
		t.Fatalf("poll A: %+v, %v", resA, errA)
	}
	seen := map[int]int{}
	for _, m := range f.drain(t) {
		seen[m.ItemID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("item %d queued %d times, want once", id, seen[id])
		}
	}
}

// TestCoveredRequestIsSkipped: a read request made before the last
// completed read started costs no SharePoint call; one made after runs.
func TestCoveredRequestIsSkipped(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	before := time.Now()
	f.addAndDelete(t, 3)
	f.poll(t, f.options())
	f.drain(t)
	f.site.ResetRequests()
	opts := f.options()
	opts.RequestedAt = before
	if res := f.poll(t, opts); !res.Skipped || f.site.RequestCount() != 0 {
		t.Fatalf("covered request: %+v, %d SharePoint requests", res, f.site.RequestCount())
	}
	f.addAndDelete(t, 2)
	opts.RequestedAt = time.Now()
	if res := f.poll(t, opts); res.Skipped || res.Deletes != 2 {
		t.Fatalf("new request: %+v; want 2 deletes read", res)
	}
}

// TestLateDeletesAreCounted: with LateAfter set, deletes logged longer ago
// than that count as late (the webhook should have brought them in).
func TestLateDeletesAreCounted(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	f.addAndDelete(t, 4)
	opts := f.options()
	opts.LateAfter = time.Hour
	opts.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	opts.MaxTokenAge = 24 * time.Hour
	if res := f.poll(t, opts); res.Late != 4 {
		t.Fatalf("Late = %d, want 4", res.Late)
	}
	f.addAndDelete(t, 1)
	opts = f.options()
	opts.LateAfter = time.Hour
	if res := f.poll(t, opts); res.Deletes != 1 || res.Late != 0 {
		t.Fatalf("fresh delete: %+v", res)
	}
}

func TestStaleTokenIsALoudErrorWithTheWayOut(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	opts := f.options()
	opts.Now = func() time.Time { return time.Now().Add(61 * 24 * time.Hour) }
	_, err := spchangepoll.Poll(context.Background(), opts)
	if !errors.Is(err, spchangepoll.ErrStaleToken) || !strings.Contains(err.Error(), "delete the blob "+f.queue+"/") {
		t.Fatalf("err = %v", err)
	}
	if f.logs.count("level=ERROR") != 1 {
		t.Fatalf("stale token not logged as an error: %s", f.logs.String())
	}
}

func TestServerRefusedTokenIsStale(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	// A list recreated under the same title has a new id: the saved token belongs to another object.
	f.site.DeleteList("Projects")
	f.site.AddList("Projects")
	_, err := spchangepoll.Poll(context.Background(), f.options())
	if !errors.Is(err, spchangepoll.ErrStaleToken) {
		t.Fatalf("err = %v", err)
	}
}

func TestIdleTokenIsRefreshed(t *testing.T) {
	f := newFixture(t)
	first := f.poll(t, f.options())
	opts := f.options()
	opts.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	res := f.poll(t, opts)
	if !res.Refreshed || res.Token == first.Token || f.savedToken(t) != res.Token {
		t.Fatalf("idle run %+v (first token %q)", res, first.Token)
	}
	f.addAndDelete(t, 2)
	if res := f.poll(t, f.options()); res.Deletes != 2 {
		t.Fatalf("after refresh: %+v", res)
	}
}

func tokenNumber(t testing.TB, token string) int64 {
	t.Helper()
	parsed, err := sharepoint.ParseChangeToken(token)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.ChangeNumber
}

func hasToken(messages []deleteditem.Message, token string) bool {
	for _, m := range messages {
		if m.ChangeToken == token {
			return true
		}
	}
	return false
}

func maxNumber(t testing.TB, messages []deleteditem.Message) int64 {
	var top int64
	for _, m := range messages {
		top = max(top, tokenNumber(t, m.ChangeToken))
	}
	return top
}

func countSuffix(requests []string, suffix string) int {
	n := 0
	for _, r := range requests {
		if strings.HasSuffix(r, suffix) {
			n++
		}
	}
	return n
}

func TestPageBudgetStopsBetweenPages(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	f.addAndDelete(t, 300)
	var mu sync.Mutex
	skew := time.Duration(0)
	opts := f.options()
	opts.FetchLimit = 100
	opts.PageBudget = time.Minute
	opts.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(skew)
	}
	opts = spchangepoll.WithHook(opts, func(c spchangepoll.Checkpoint) error {
		if c.Step == spchangepoll.StepBeforeTokenWrite && c.Page == 1 {
			mu.Lock()
			skew = 2 * time.Minute // the first page took longer than the budget
			mu.Unlock()
		}
		return nil
	})
	res := f.poll(t, opts)
	if !res.OutOfTime || res.Pages != 1 || res.Deletes != 100 || f.savedToken(t) != res.Token {
		t.Fatalf("budgeted run %+v", res)
	}
	if next := f.poll(t, f.options()); next.Deletes != 200 {
		t.Fatalf("next run %+v, want the other 200", next)
	}
}

func TestEnqueueFailureKeepsTheToken(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	before := f.savedToken(t)
	f.addAndDelete(t, 20)
	opts := f.options()
	opts.Queue = "no-such-queue-" + f.queue
	if _, err := spchangepoll.Poll(context.Background(), opts); err == nil {
		t.Fatal("poll succeeded without a queue")
	}
	if f.savedToken(t) != before {
		t.Fatal("the token advanced past deletes that were never queued")
	}
	if res := f.poll(t, f.options()); res.Deletes != 20 {
		t.Fatalf("rerun %+v", res)
	}
}
