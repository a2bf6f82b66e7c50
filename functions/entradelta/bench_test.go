package entradelta_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/tenantops/tenantops/internal/testonly/peakmem"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

// childEnv marks the test binary re-run as the export process of the
// benchmark, so that its peak memory is the export's alone.
const childEnv = "TENANTOPS_ENTRADELTA_BENCH_CHILD"

// BenchmarkEntraDeltaExport runs against the stand-in holding 100,000
// users, 20,000 groups and 1,000,000 membership links, with 100 ms added to
// every Graph request: a full round (in a child process, for its peak
// memory), a delta round without changes, and a delta round of 7 added and
// 157 changed groups with the share of the replica it rewrote.
func BenchmarkEntraDeltaExport(b *testing.B) {
	account, connection := benchAzurite(b)
	srv, pop := graphtest.NewBench(graphtest.Options{})
	b.Cleanup(srv.Close)
	f := &fixture{graph: srv, account: account, connection: connection, dir: b.TempDir(), logs: &logbuf.Buffer{},
		container: fmt.Sprintf("entra-bench-%d-%d", os.Getpid(), fixtureSeq.Add(1))}
	var err error
	if f.client, err = graph.New(graph.Options{Endpoint: srv.URL(), Credential: staticToken{}}); err != nil {
		b.Fatal(err)
	}
	if f.local, err = sink.NewLocal(f.dir, ""); err != nil {
		b.Fatal(err)
	}
	must(b, account.EnsureContainer(context.Background(), f.container))
	b.Run("full", func(b *testing.B) { benchFull(b, f, pop) })
	b.Run("delta-no-change", func(b *testing.B) { benchNoChange(b, f) })
	b.Run("delta-7-added-157-changed-groups", func(b *testing.B) { benchGroups(b, f, pop) })
}

func benchFull(b *testing.B, f *fixture, pop graphtest.Population) {
	usersMin := ceilDiv(pop.Users, graphtest.MaxObjectsPerPage)
	groupsMin := max(ceilDiv(pop.Groups, graphtest.MaxObjectsPerPage), ceilDiv(pop.Links, graphtest.MaxLinksPerPage))
	for range b.N {
		f.graph.ResetRequests()
		start := time.Now()
		res, peakKB := runChild(b, f, true)
		wall := time.Since(start)
		if res.Kind != "full" || res.Objects != pop.Users+pop.Groups {
			b.Fatalf("full round: %+v", res)
		}
		requests := f.graph.Requests()
		users, groups := f.graph.RequestsFor("users"), f.graph.RequestsFor("groups")
		b.ReportMetric(float64(requests), "requests")
		b.ReportMetric(float64(requests)/float64(usersMin+groupsMin), "requests/min")
		b.ReportMetric(1.05, "max:requests/min") // the goal, for make bench's summary table
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/(float64(requests)*graphtest.BenchLatency.Seconds()), "wall/(requests*100ms)")
		b.ReportMetric(1.15, "max:wall/(requests*100ms)") // the goal, for make bench's summary table
		b.ReportMetric(wall.Seconds()/(float64(max(users, groups))*graphtest.BenchLatency.Seconds()), "wall/(longest-stream*100ms)")
		b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MB")
		b.ReportMetric(256, "max:peak-RSS-MB") // the goal, for make bench's summary table
	}
}

func benchNoChange(b *testing.B, f *fixture) {
	for range b.N {
		f.graph.ResetRequests()
		start := time.Now()
		res := f.export(b)
		wall := time.Since(start)
		if res.File != "" {
			b.Fatalf("a round without changes wrote %s", res.File)
		}
		b.ReportMetric(float64(f.graph.Requests()), "requests")
		b.ReportMetric(2, "max:requests") // one per stream
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(1, "max:wall-s")
	}
}

func benchGroups(b *testing.B, f *fixture, pop graphtest.Population) {
	for i := range b.N {
		b.StopTimer()
		for j := range 7 {
			g := f.graph.AddGroup(map[string]any{"displayName": fmt.Sprintf("added %d-%d", i, j)})
			must(b, f.graph.AddMember(g, pop.UserID(j)))
		}
		for j := range 157 {
			g := pop.GroupID((j*127 + i) % pop.Groups)
			if j%2 == 0 {
				must(b, f.graph.UpdateGroup(g, map[string]any{"description": fmt.Sprintf("changed %d", i)}))
			} else {
				must(b, f.graph.AddMember(g, pop.UserID((j*7919+i)%pop.Users)))
			}
		}
		f.graph.ResetRequests()
		b.StartTimer()
		start := time.Now()
		res := f.export(b)
		wall := time.Since(start)
		b.StopTimer()
		if res.Stats.Groups != 164 {
			b.Fatalf("delta round: %+v, want 164 groups", res)
		}
		size := replicaSize(b, f)
		b.ReportMetric(float64(f.graph.Requests()), "requests")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(3, "max:wall-s")
		b.ReportMetric(float64(res.ReplicaBytesWritten)/(1<<20), "replica-MB-rewritten")
		b.ReportMetric(float64(size)/(1<<20), "replica-MB")
		b.ReportMetric(100*float64(res.ReplicaBytesWritten)/float64(size), "replica-%-rewritten")
		b.ReportMetric(5, "max:replica-%-rewritten") // the goal, for make bench's summary table
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// replicaSize sums the replica's blobs.
func replicaSize(b *testing.B, f *fixture) int64 {
	prefix := "replica/"
	pager := f.account.Blob.ServiceClient().NewContainerClient(f.container).NewListBlobsFlatPager(
		&container.ListBlobsFlatOptions{Prefix: &prefix})
	var total int64
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, item := range page.Segment.BlobItems {
			total += *item.Properties.ContentLength
		}
	}
	return total
}

// childReport is the last line the child prints.
type childReport struct {
	Result  entradelta.Result
	PeakKB  int64
	Seconds float64 // the export's own time, without the process start
}

// runChild runs TestExportChild (a full round, or the round the state
// calls for) against the fixture.
func runChild(b *testing.B, f *fixture, full bool) (entradelta.Result, int64) {
	report := runChildReport(b, f, full)
	return report.Result, report.PeakKB
}

// runChildReport runs TestExportChild and returns its whole report.
func runChildReport(b *testing.B, f *fixture, full bool) childReport {
	connection := f.connection
	if connection == "" {
		connection = azurite.ConnectionString
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestExportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1", "AzureWebJobsStorage="+connection,
		"CHILD_GRAPH="+f.graph.URL(), "CHILD_CONTAINER="+f.container, "CHILD_DIR="+f.dir,
		"CHILD_FULL="+fmt.Sprint(full))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	var report childReport
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "{") {
			if err := json.Unmarshal([]byte(lines[i]), &report); err != nil {
				b.Fatalf("child output: %v\n%s", err, out)
			}
			break
		}
	}
	if report.PeakKB == 0 {
		report.PeakKB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	}
	return report
}

// TestExportChild is the benchmarks' child process: one round (full unless
// CHILD_FULL=false), the result as the last line of stdout. It does nothing
// in a normal test run.
func TestExportChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs only as the child of BenchmarkEntraDeltaExport")
	}
	account, err := clients.Storage(envOS{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := graph.New(graph.Options{Endpoint: os.Getenv("CHILD_GRAPH"), Credential: staticToken{}})
	if err != nil {
		t.Fatal(err)
	}
	local, err := sink.NewLocal(os.Getenv("CHILD_DIR"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	var report childReport
	start := time.Now()
	report.Result, err = entradelta.Export(context.Background(), entradelta.Options{Graph: client, Storage: account,
		Container: os.Getenv("CHILD_CONTAINER"), Sink: local, Lister: local, UserAttributes: userAttrs,
		GroupAttributes: groupAttrs, RetentionDays: 14, Full: os.Getenv("CHILD_FULL") != "false", ReadBudget: time.Hour,
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	report.Seconds = time.Since(start).Seconds()
	report.PeakKB = peakmem.VmHWM()
	line, _ := json.Marshal(report)
	fmt.Printf("\n%s\n", line)
}

// envOS reads the process environment.
type envOS struct{}

// Lookup implements settings.Env.
func (envOS) Lookup(name string) (string, bool) { return os.LookupEnv(name) }
