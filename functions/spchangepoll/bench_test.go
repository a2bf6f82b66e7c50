package spchangepoll_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/tenantops/tenantops/internal/testonly/peakmem"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// childEnv marks the test binary re-run as the poll process of the benchmark.
const childEnv = "TENANTOPS_SPCHANGEPOLL_BENCH_CHILD"

// BenchmarkPoll50000Deletes polls 50,000 deletes into Azurite. The poll
// runs in a child process (this test binary, TestPollChild), so its peak
// RSS is the poll's alone, not the stand-in's or the benchmark's. The child
// reports its own VmHWM from /proc/self/status (reset by exec); the
// parent's wait4 ru_maxrss is not used where VmHWM exists because it can
// include the parent's pages shared before exec.
func BenchmarkPoll50000Deletes(b *testing.B) {
	const deletes = 50_000
	f := newFixture(b)
	f.poll(b, f.options())
	for range b.N {
		b.StopTimer()
		f.addAndDelete(b, deletes)
		f.site.ResetRequests()
		b.StartTimer()
		startedAt := time.Now()
		res, peakKB := runChild(b, f, "poll")
		elapsed := time.Since(startedAt)
		b.StopTimer()
		if res.Deletes != deletes {
			b.Fatalf("child polled %d deletes, want %d", res.Deletes, deletes)
		}
		b.ReportMetric(float64(f.site.RequestCount()), "sp-requests")
		b.ReportMetric(27, "max:sp-requests") // the goal, for make bench's summary table
		b.ReportMetric(float64(deletes)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MB")
		b.ReportMetric(64, "max:peak-RSS-MB") // the goal, for make bench's summary table
		_, idleKB := runChild(b, f, "idle")
		b.ReportMetric(float64(idleKB)/1024, "idle-RSS-MB")
		b.ReportMetric(float64(queueLength(b, f)), "queued")
		f.drainFast(b)
	}
}

// childReport is the last line a child prints.
type childReport struct {
	Result spchangepoll.Result
	PeakKB int64 // VmHWM, 0 where /proc is missing
}

// runChild runs TestPollChild against the fixture and returns its result
// and peak RSS in KiB. Mode "idle" opens the same clients and exits without
// polling: the process's floor.
func runChild(b *testing.B, f *fixture, mode string) (spchangepoll.Result, int64) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPollChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode,
		"AzureWebJobsStorage="+azurite.ConnectionString, "SPSiteUrl="+f.site.SiteURL(),
		"SPListTitle=Projects", "SPCleanupQueue="+f.queue, "SPStateContainer="+f.queue,
		"IDENTITY_ENDPOINT="+identity.IdentityEndpoint, "IDENTITY_HEADER="+identity.IdentityHeader)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	var report childReport
	if err := json.Unmarshal(lastLine(out), &report); err != nil {
		b.Fatalf("child output: %v\n%s", err, out)
	}
	if report.PeakKB == 0 {
		report.PeakKB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	}
	return report.Result, report.PeakKB
}

// TestPollChild is the benchmark's child process: one poll, the result as
// the last line of stdout. It does nothing in a normal test run.
func TestPollChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs only as the child of BenchmarkPoll50000Deletes")
	}
	env := settings.OSEnv{}
	p := settings.NewParser(env)
	client, err := clients.SharePoint(p, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	account, err := clients.Storage(env)
	if err != nil {
		t.Fatal(err)
	}
	var report childReport
	if os.Getenv(childEnv) == "poll" {
		report.Result, err = spchangepoll.Poll(context.Background(), spchangepoll.Options{Client: client, Storage: account,
			ListTitle: p.String(settings.SPListTitle), Queue: p.String(settings.SPCleanupQueue),
			Container: p.String(settings.SPStateContainer), Log: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
	}
	report.PeakKB = peakmem.VmHWM()
	line, _ := json.Marshal(report)
	fmt.Printf("\n%s\n", line)
}

func queueLength(b *testing.B, f *fixture) int32 {
	props, err := f.account.Queue.NewQueueClient(f.queue).GetProperties(context.Background(), nil)
	if err != nil || props.ApproximateMessagesCount == nil {
		b.Fatalf("queue properties: %v", err)
	}
	return *props.ApproximateMessagesCount
}

// drainFast empties the queue between iterations.
func (f *fixture) drainFast(b *testing.B) {
	if _, err := f.account.Queue.NewQueueClient(f.queue).ClearMessages(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
}

func lastLine(out []byte) []byte {
	lines := splitLines(out)
	for i := len(lines) - 1; i >= 0; i-- {
		if len(lines[i]) > 0 && lines[i][0] == '{' {
			return lines[i]
		}
	}
	return nil
}

func splitLines(out []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i, c := range out {
		if c == '\n' {
			lines = append(lines, out[start:i])
			start = i + 1
		}
	}
	return append(lines, out[start:])
}
