package psma

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkFullImport runs a Full Import through Import.ps1's algorithm over
// a tenant of 100,000 users and 20,000 groups with 1,000,000 member links in a
// full file, and 500 delta files after it of ten changes each, with ids
// shaped like Entra's (36-character GUIDs). Figures: objects imported,
// script calls, and every byte the import read from the files (headers,
// pages, count checks) against the bytes of the files: 1.0 means each byte
// once; the goal is at most 1.2 whatever the page size. Each page opens its
// file again at its offset, so a page reads at most one read-ahead buffer
// (4 KiB) more than its lines.
func BenchmarkFullImport(b *testing.B) {
	f := newExportFolder(b)
	users, groups, links := 100_000, 20_000, 1_000_000
	objects := make([]object, 0, users+groups)
	for i := range users {
		objects = append(objects, user(guid('u', i), fmt.Sprintf("User %d", i)))
	}
	for g := range groups {
		members := make([]string, 0, links/groups)
		for m := range links / groups {
			members = append(members, guid('u', (g*links/groups+m)%users))
		}
		objects = append(objects, group(guid('g', g), fmt.Sprintf("Group %d", g), members...))
	}
	f.write("full", objects...)
	for d := range 500 {
		changed := []object{deleted("user", guid('u', 90_000+d))}
		for i := range 9 {
			changed = append(changed, user(guid('u', (d*37+i*1009)%90_000), fmt.Sprintf("changed %d", d)))
		}
		f.write("delta", changed...)
	}
	size := folderSize(b, f.dir)
	for _, pageSize := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("page=%d", pageSize), func(b *testing.B) {
			var run importRun
			bytesRead.Store(0)
			for b.Loop() {
				var err error
				if run, err = runImport(f.dir, "Full", "", pageSize); err != nil {
					b.Fatal(err)
				}
			}
			if want := len(expectFull(f)); len(run.Objects) != want {
				b.Fatalf("imported %d objects, want %d", len(run.Objects), want)
			}
			b.ReportMetric(float64(len(run.Objects)), "objects")
			b.ReportMetric(float64(len(run.Pages)), "calls")
			b.ReportMetric(float64(bytesRead.Load())/float64(b.N)/float64(size), "read/size")
			b.ReportMetric(1.2, "max:read/size") // the goal, for make bench's summary table
			b.ReportMetric(float64(size)/(1<<20), "MB-files")
		})
	}
}

// guid is an id shaped like an Entra object id, distinct per kind and i.
func guid(kind byte, i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012d", kind, i)
}

// folderSize sums the sizes of the files of dir.
func folderSize(b testing.TB, dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			b.Fatal(err)
		}
		size += info.Size()
	}
	return size
}
