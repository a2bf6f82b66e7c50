package entradelta_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

// largeGroupMembers is the size of the large group.
const largeGroupMembers = 500_000

// BenchmarkLargeGroup exports a group of 500,000 members (and its 500,000
// users) in a full round, then lets one member join (or, in odd rounds,
// leave) and measures the delta round that exports it, in a child process
// for its peak memory. Goals: peak RSS under 512 MB, under 5 s.
func BenchmarkLargeGroup(b *testing.B) {
	account, connection := benchAzurite(b)
	srv := graphtest.New(graphtest.Options{})
	b.Cleanup(srv.Close)
	pop := srv.Populate(graphtest.Bulk{Users: largeGroupMembers + 1})
	group := srv.PopulateGroup(pop, largeGroupMembers)
	f := &fixture{graph: srv, account: account, connection: connection, dir: b.TempDir(), logs: &logbuf.Buffer{},
		container: fmt.Sprintf("entra-large-%d-%d", os.Getpid(), fixtureSeq.Add(1))}
	var err error
	if f.client, err = graph.New(graph.Options{Endpoint: srv.URL(), Credential: staticToken{}, HTTPClient: srv.Client()}); err != nil {
		b.Fatal(err)
	}
	if f.local, err = sink.NewLocal(f.dir, ""); err != nil {
		b.Fatal(err)
	}
	must(b, account.EnsureContainer(context.Background(), f.container))
	f.export(b, func(o *entradelta.Options) { o.ReadBudget = time.Hour })
	joiner := pop.UserID(largeGroupMembers)
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			must(b, srv.AddMember(group, joiner))
		} else {
			must(b, srv.RemoveMember(group, joiner))
		}
		report := runChildReport(b, f, false)
		if res := report.Result; res.Kind != "delta" || res.Objects != 1 || res.Stats.Groups != 1 {
			b.Fatalf("delta round: %+v, want the one group", res)
		}
		b.ReportMetric(report.Seconds, "wall-s")
		b.ReportMetric(5, "max:wall-s") // the goal, for make bench's summary table
		b.ReportMetric(float64(report.PeakKB)/1024, "peak-RSS-MB")
		b.ReportMetric(512, "max:peak-RSS-MB") // the goal, for make bench's summary table
		b.ReportMetric(float64(report.Result.ReplicaBytesWritten)/(1<<20), "replica-MB-rewritten")
		b.ReportMetric(float64(fileSize(b, f.dir, report.Result.File))/(1<<20), "file-MB")
	}
}

// fileSize is the size of a delivered file.
func fileSize(b *testing.B, dir, name string) int64 {
	info, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}
