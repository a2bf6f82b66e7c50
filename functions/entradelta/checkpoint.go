package entradelta

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// A checkpoint is a full file written from the replica alone, without a
// Graph full round, once the newest full file is FullFileDays old. It holds
// the same objects as the chain of files before it, so a Delta Import
// passes over it while a Full Import can start from it; retention then
// prunes the files before it. Without checkpoints the newest full file
// would stay the first run's, and every file after it would be kept.

// headerReason is the header reason of a full round's saved reason; a
// round saved before reasons were codes counts as a resync.
func headerReason(saved string) string {
	switch saved {
	case reasonFirst, reasonResync, reasonRequested, reasonAttributes, reasonCheckpoint:
		return saved
	case "first run":
		return reasonFirst
	case "EntraUserAttributes or EntraGroupAttributes changed":
		return reasonAttributes
	}
	return reasonResync
}

// boolFigure records a yes/no figure as 1 or 0.
func boolFigure(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkpointDue reports whether this run writes a checkpoint instead of
// reading Graph: the export has a replica, no round or file in flight,
// and its newest full file is days old (or of unknown age).
func checkpointDue(st *state, now time.Time, days int) bool {
	if days <= 0 || st.Seq == 0 || st.Replica.Gen == "" || st.Pending != nil || st.Progress != nil {
		return false
	}
	return !now.Before(st.LastFullTime.Add(time.Duration(days) * 24 * time.Hour))
}

// checkpoint writes the replica as a full file with reason checkpoint and
// commits it like any file; the delta links stay as they are.
func (x *exporter) checkpoint(ctx context.Context, st *state, etag azcore.ETag, res Result) (Result, error) {
	w, err := newFileWriter(x.opts.TempDir)
	if err != nil {
		return res, err
	}
	if err := x.replica(st.Replica).dump(ctx, w); err != nil {
		w.abort()
		return res, err
	}
	x.opts.Log.Info("entra delta export: the newest full file is old; writing a checkpoint from the replica",
		"lastFull", st.LastFull, "fullFileDays", x.opts.FullFileDays)
	p := &pending{Kind: kindFull, Reason: reasonCheckpoint, UsersLink: st.UsersLink, GroupsLink: st.GroupsLink,
		LinksTime: st.LinksTime, Selection: st.Selection, Replica: st.Replica}
	res.Kind, res.Reason = kindFull, reasonCheckpoint
	return x.commit(ctx, st, etag, w, p, nil, res)
}

// dumpBatch is how many shards a dump holds in memory at once.
const dumpBatch = 64

// dump writes every record of the generation to w, shard by shard, each
// shard's records by id.
func (r *replica) dump(ctx context.Context, w *fileWriter) error {
	for from := 0; from < r.info.Shards; from += dumpBatch {
		batch := make([]int, 0, dumpBatch)
		for k := from; k < min(from+dumpBatch, r.info.Shards); k++ {
			batch = append(batch, k)
		}
		shards := make([]*shard, len(batch))
		err := forEach(ctx, r.parallel, batch, func(ctx context.Context, k int) error {
			sh, err := r.readShard(ctx, k)
			shards[k-from] = sh
			return err
		})
		if err != nil {
			return err
		}
		for _, sh := range shards {
			if err := dumpShard(sh, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// dumpShard writes one shard's records, by id.
func dumpShard(sh *shard, w *fileWriter) error {
	ids := make([]string, 0, len(sh.lines))
	for id := range sh.lines {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		o, err := lineIdentity(sh.lines[id])
		if err != nil {
			return fmt.Errorf("entra delta export: replica record %s: %w", id, err)
		}
		if err := w.addRaw(sh.lines[id], o); err != nil {
			return err
		}
	}
	return nil
}
