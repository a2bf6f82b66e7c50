package entradelta

import (
	"context"
	"sort"
	"time"

	"github.com/tenantops/tenantops/internal/sink"
)

// prune deletes change files older than RetentionDays, but never the
// newest full file nor anything after it: those are what a Full Import
// needs. Other names in the folder are left alone. Failures are logged
// and never fail the run: the next run tries again.
func (x *exporter) prune(ctx context.Context, st *state) int {
	if x.opts.Lister == nil || x.opts.RetentionDays <= 0 {
		return 0
	}
	files, err := x.opts.Lister.List(ctx)
	if err != nil {
		x.opts.Log.Warn("entra delta export: retention: listing the delivered files failed", "error", err.Error())
		return 0
	}
	doomed := expired(files, x.opts.Now().Add(-time.Duration(x.opts.RetentionDays)*24*time.Hour))
	pruned := 0
	for _, name := range doomed {
		if err := x.opts.Lister.Delete(ctx, name); err != nil {
			x.opts.Log.Warn("entra delta export: retention: delete failed", "file", name, "error", err.Error())
			continue
		}
		pruned++
	}
	if pruned > 0 {
		x.opts.Log.Info("entra delta export: retention: pruned old change files", "files", pruned,
			"retentionDays", x.opts.RetentionDays)
	}
	x.opts.Figure("filesPruned", pruned)
	return pruned
}

// expired returns the change files modified before cutoff that come before
// the newest full file, oldest first.
func expired(files []sink.Listed, cutoff time.Time) []string {
	type numbered struct {
		seq  int64
		name string
		mod  time.Time
	}
	var all []numbered
	newestFull := int64(-1)
	for _, f := range files {
		seq, kind, ok := parseFileName(f.Name)
		if !ok {
			continue
		}
		all = append(all, numbered{seq, f.Name, f.ModTime})
		if kind == kindFull && seq > newestFull {
			newestFull = seq
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	var out []string
	for _, f := range all {
		if f.seq < newestFull && f.mod.Before(cutoff) {
			out = append(out, f.name)
		}
	}
	return out
}
