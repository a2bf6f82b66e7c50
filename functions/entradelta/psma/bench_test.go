package psma

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkFullImport runs a Full Import through Import.ps1's algorithm over
// a tenant of 100,000 users and 20,000 groups with 1,000,000 member links in a
// full file, and four delta files after it. Figures: objects imported, script
// calls, and the bytes Read-Page read against the bytes of the files (1.0
// means each line was read once however small the pages are).
func BenchmarkFullImport(b *testing.B) {
	f := newExportFolder(b)
	users, groups, links := 100_000, 20_000, 1_000_000
	objects := make([]object, 0, users+groups)
	for i := range users {
		objects = append(objects, user(fmt.Sprintf("u%06d", i), fmt.Sprintf("User %d", i)))
	}
	for g := range groups {
		members := make([]string, 0, links/groups)
		for m := range links / groups {
			members = append(members, fmt.Sprintf("u%06d", (g*links/groups+m)%users))
		}
		objects = append(objects, group(fmt.Sprintf("g%05d", g), fmt.Sprintf("Group %d", g), members...))
	}
	f.write("full", objects...)
	for d := range 4 {
		var changed []object
		for i := range 50 {
			changed = append(changed, user(fmt.Sprintf("u%06d", d*1000+i), "changed"))
		}
		f.write("delta", append(changed, deleted("user", fmt.Sprintf("u%06d", 90_000+d)))...)
	}
	var size int64
	entries, _ := os.ReadDir(f.dir)
	for _, e := range entries {
		info, _ := os.Stat(filepath.Join(f.dir, e.Name()))
		size += info.Size()
	}
	for _, pageSize := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("page=%d", pageSize), func(b *testing.B) {
			var run importRun
			pageBytesRead.Store(0)
			for b.Loop() {
				var err error
				if run, err = runImport(f.dir, "Full", "", pageSize); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(run.Objects)), "objects")
			b.ReportMetric(float64(len(run.Pages)), "calls")
			b.ReportMetric(float64(pageBytesRead.Load())/float64(b.N)/float64(size), "read/size")
			b.ReportMetric(float64(size)/(1<<20), "MB-files")
		})
	}
}
