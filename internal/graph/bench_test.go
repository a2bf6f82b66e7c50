package graph_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// BenchmarkFullRoundBenchTenant reads a full round of users and groups of
// the benchmark tenant (100,000 users, 20,000 groups, 1,000,000 links)
// without added latency, and reports the requests against the minimum the
// page caps allow and the client's peak heap while paging.
func BenchmarkFullRoundBenchTenant(b *testing.B) {
	s, _ := graphtest.NewBench(graphtest.Options{Latency: -1})
	defer s.Close()
	s.SetLatency(0)
	c, err := graph.New(graph.Options{Endpoint: s.URL(), Credential: &staticCredential{token: "t"}})
	if err != nil {
		b.Fatal(err)
	}
	t := graphtest.BenchTenant
	minimum := (t.Users+graphtest.MaxObjectsPerPage-1)/graphtest.MaxObjectsPerPage +
		(t.Links+graphtest.MaxLinksPerPage-1)/graphtest.MaxLinksPerPage
	b.ResetTimer()
	for b.Loop() {
		s.ResetRequests()
		objects, links := 0, 0
		for _, resource := range []string{"users", "groups"} {
			link := c.DeltaURL(resource, []string{"displayName", "mail"})
			for link != "" {
				page, err := c.Page(context.Background(), link)
				if err != nil {
					b.Fatal(err)
				}
				objects += len(page.Objects)
				for _, o := range page.Objects {
					links += len(o.Members)
				}
				link = page.NextLink
			}
		}
		if links != t.Links {
			b.Fatalf("%d links", links)
		}
		b.ReportMetric(float64(s.Requests()), "requests/op")
		b.ReportMetric(float64(minimum), "min-requests")
		b.ReportMetric(float64(objects), "entries/op")
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MB")
}

// BenchmarkNoChangeDeltaRound reads a delta round with no changes on the
// benchmark tenant: one request per stream.
func BenchmarkNoChangeDeltaRound(b *testing.B) {
	s, _ := graphtest.NewBench(graphtest.Options{Latency: -1})
	defer s.Close()
	s.SetLatency(0)
	c, err := graph.New(graph.Options{Endpoint: s.URL(), Credential: &staticCredential{token: "t"}})
	if err != nil {
		b.Fatal(err)
	}
	var deltas []string
	for _, resource := range []string{"users", "groups"} {
		page, err := c.Page(context.Background(), c.LatestURL(resource, []string{"displayName"}))
		if err != nil {
			b.Fatal(err)
		}
		deltas = append(deltas, page.DeltaLink)
	}
	b.ResetTimer()
	for b.Loop() {
		s.ResetRequests()
		for _, link := range deltas {
			page, err := c.Page(context.Background(), link)
			if err != nil || page.NextLink != "" || len(page.Objects) != 0 {
				b.Fatalf("%+v %v", page, err)
			}
		}
		b.ReportMetric(float64(s.Requests()), "requests/op")
	}
}

// BenchmarkSmallDeltaRound reads the groups delta round after 7 groups
// were added (50 members each) and 157 renamed in the benchmark tenant.
func BenchmarkSmallDeltaRound(b *testing.B) {
	s, p := graphtest.NewBench(graphtest.Options{Latency: -1})
	defer s.Close()
	c, err := graph.New(graph.Options{Endpoint: s.URL(), Credential: &staticCredential{token: "t"}})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		page, err := c.Page(context.Background(), c.LatestURL("groups", []string{"displayName"}))
		if err != nil {
			b.Fatal(err)
		}
		for g := range 7 {
			id := s.AddGroup(map[string]any{"displayName": "Added"})
			for u := range 50 {
				if err := s.AddMember(id, p.UserID(g*50+u)); err != nil {
					b.Fatal(err)
				}
			}
		}
		for g := range 157 {
			if err := s.UpdateGroup(p.GroupID(g*100+1), map[string]any{"displayName": "Renamed"}); err != nil {
				b.Fatal(err)
			}
		}
		s.ResetRequests()
		b.StartTimer()
		entries, link := 0, page.DeltaLink
		for link != "" {
			page, err := c.Page(context.Background(), link)
			if err != nil {
				b.Fatal(err)
			}
			entries += len(page.Objects)
			link = page.NextLink
		}
		if entries != 164 {
			b.Fatalf("%d entries", entries)
		}
		b.ReportMetric(float64(s.Requests()), "requests/op")
	}
}
