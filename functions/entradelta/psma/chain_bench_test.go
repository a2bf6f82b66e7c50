package psma

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// The settings the 90-day run uses: the defaults.
const (
	fullFileDays  = 7
	retentionDays = 14
	roundsPerDay  = 24 * 4 // every 15 minutes
)

// BenchmarkNinetyDays runs EntraDeltaExport itself (against the Graph
// stand-in and Azurite, with a clock moved on 15 minutes a round) for 90
// days of rounds with three changes each, over a tenant of 2,000 users and
// 200 groups, with EntraFullFileDays 7 and EntraExportRetentionDays 14.
// Figures: the most files the export folder held against its bound
// (EntraFullFileDays + EntraExportRetentionDays days of rounds, and one),
// and what a Full Import (Import.ps1's algorithm, page size 100) reads per
// object imported on day 90 against day 7, the eve of the first
// checkpoint: the goal is day 90 within 10% of day 7, however old the
// deployment.
func BenchmarkNinetyDays(b *testing.B) {
	az := azuritetest.Start(b)
	srv := graphtest.New(graphtest.Options{})
	b.Cleanup(srv.Close)
	client, err := graph.New(graph.Options{Endpoint: srv.URL(), Credential: benchToken{}, HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	var users, groups []string
	for i := range 2000 {
		users = append(users, srv.AddUser(map[string]any{"displayName": fmt.Sprint("User ", i), "mail": fmt.Sprintf("u%d@contoso.example", i)}))
	}
	for g := range 200 {
		groups = append(groups, srv.AddGroup(map[string]any{"displayName": fmt.Sprint("Group ", g)}))
		for m := range 20 {
			if err := srv.AddMember(groups[g], users[(g*20+m)%len(users)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		run := &ninetyDays{srv: srv, client: client, az: az, users: users, groups: groups, now: time.Now().UTC(),
			container: fmt.Sprintf("ninety-days-%d-%d", os.Getpid(), time.Now().UnixNano())}
		run.dir = b.TempDir()
		run.days(b, 90)
		bound := (fullFileDays+retentionDays)*roundsPerDay + 1
		b.ReportMetric(float64(run.maxFiles), "max-files")
		b.ReportMetric(float64(bound), "max:max-files") // the goal, for make bench's summary table
		b.ReportMetric(float64(run.checkpoints), "checkpoints")
		b.ReportMetric(run.day7, "day7-bytes/object")
		b.ReportMetric(run.day90, "day90-bytes/object")
		b.ReportMetric(run.day90/run.day7, "day90/day7")
		b.ReportMetric(1.1, "max:day90/day7") // the goal, for make bench's summary table
	}
}

// ninetyDays is one simulated deployment.
type ninetyDays struct {
	srv            *graphtest.Server
	client         *graph.Client
	az             *azuritetest.Server
	users, groups  []string
	container, dir string
	now            time.Time
	maxFiles       int
	checkpoints    int
	day7, day90    float64 // Full Import bytes read per object
}

// days runs n days of rounds; it measures a Full Import on the eve of the
// first checkpoint and after the last round.
func (r *ninetyDays) days(b *testing.B, n int) {
	ctx := context.Background()
	if err := r.az.Account.EnsureContainer(ctx, r.container); err != nil {
		b.Fatal(err)
	}
	local, err := sink.NewLocal(r.dir, "")
	if err != nil {
		b.Fatal(err)
	}
	defer local.Close()
	opts := entradelta.Options{Graph: r.client, Storage: r.az.Account, Container: r.container, Sink: local, Lister: local,
		UserAttributes: []string{"displayName", "mail"}, GroupAttributes: []string{"displayName"},
		RetentionDays: retentionDays, FullFileDays: fullFileDays, Now: func() time.Time { return r.now },
		ShardBytes: 1 << 10, // small shards: each round rewrites little, so Azurite's in-memory store keeps up
		Log:        slog.New(slog.DiscardHandler)}
	for round := range n * roundsPerDay {
		r.change(b, round)
		if r.checkpoints == 0 && round == fullFileDays*roundsPerDay {
			r.day7 = fullImportCost(b, r.dir)
		}
		res, err := entradelta.Export(ctx, opts)
		if err != nil {
			b.Fatalf("round %d: %v", round, err)
		}
		if res.Reason == "checkpoint" {
			r.checkpoints++
		}
		r.maxFiles = max(r.maxFiles, countChangeFiles(b, r.dir))
		r.now = r.now.Add(15 * time.Minute)
	}
	r.day90 = fullImportCost(b, r.dir)
}

// change makes a round's three changes: two users renamed and a member
// added to a group, or removed when it is a member already.
func (r *ninetyDays) change(b *testing.B, round int) {
	for i := range 2 {
		u := r.users[(round*7+i*1013)%len(r.users)]
		if err := r.srv.UpdateUser(u, map[string]any{"displayName": fmt.Sprint("User v", round)}); err != nil {
			b.Fatal(err)
		}
	}
	g, u := r.groups[round%len(r.groups)], r.users[(round*31)%len(r.users)]
	err := r.srv.AddMember(g, u)
	if err != nil && strings.Contains(err.Error(), "already") {
		err = r.srv.RemoveMember(g, u)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// fullImportCost runs a Full Import of dir (page size 100) and returns the
// bytes it read per object imported.
func fullImportCost(b *testing.B, dir string) float64 {
	bytesRead.Store(0)
	run, err := runImport(dir, "Full", "", 100)
	if err != nil {
		b.Fatal(err)
	}
	return float64(bytesRead.Load()) / float64(len(run.Objects))
}

// countChangeFiles counts the change files of dir.
func countChangeFiles(b *testing.B, dir string) int {
	files, err := getChangeFiles(dir)
	if err != nil {
		b.Fatal(err)
	}
	return len(files)
}

// benchToken is a credential with a fixed token; the stand-in accepts any.
type benchToken struct{}

// GetToken implements azcore.TokenCredential.
func (benchToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "bench-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}
