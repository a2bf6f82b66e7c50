package spcleanup_test

import (
	"testing"
	"time"
)

// BenchmarkCleanup1000LinkedItems removes 1,000 tasks linked to one deleted
// project and reports the SharePoint requests it took (a form digest, the
// lookup query of each target, and $batch requests of 100).
func BenchmarkCleanup1000LinkedItems(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s := newSite(b, "recycle")
		s.env["SPCleanupTargets"] = "Tasks:Project"
		s.link(b, "Tasks", "Project", 7, 1000)
		s.link(b, "Tasks", "Project", 8, 10)
		s.ResetRequests()
		b.StartTimer()
		startedAt := time.Now()
		if err := s.run(b, s.message(7)); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(startedAt)
		b.StopTimer()
		if left := len(s.Items("Tasks")); left != 10 {
			b.Fatalf("%d tasks left, want 10", left)
		}
		b.ReportMetric(float64(s.RequestCount()), "sp-requests")
		b.ReportMetric(15, "max:sp-requests") // the goal, for make bench's summary table
		b.ReportMetric(1000/elapsed.Seconds(), "items/s")
	}
}
