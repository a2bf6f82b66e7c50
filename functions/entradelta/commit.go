package entradelta

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
)

// A round commits in this order, each step safe to repeat:
//
//  1. both streams are read to their deltaLinks (nothing written yet);
//  2. the change file is written locally, its bytes staged in the state
//     container, and the state records it as pending (seq, name, SHA-256,
//     the new links) with If-Match: of two overlapping runs only one gets
//     here, and the other stops before delivering anything;
//  3. the file is delivered through the sink;
//  4. the replica shards take the file's objects;
//  5. the state takes the new links and seq and drops the pending record.
//
// A run that finds a pending record (an earlier run stopped after step 2)
// delivers the staged bytes again, identical to any copy already
// delivered, and does steps 4 and 5 before reading anything new: one seq
// never names two different files, and no seq is skipped.

// write builds the round's change file and commits it; a delta round
// without changes saves only the new links.
func (x *exporter) write(ctx context.Context, st *state, etag azcore.ETag, pr *progress, acc *round, res Result) (Result, error) {
	w, err := newFileWriter(x.opts.TempDir)
	if err != nil {
		return res, err
	}
	if pr.Kind == kindFull {
		err = buildFull(acc, w)
	} else {
		err = buildDelta(ctx, acc, x.replica(st.Replica), w)
	}
	if err != nil {
		w.abort()
		return res, err
	}
	if pr.Kind == kindDelta && w.count == 0 {
		w.abort()
		return x.noChange(ctx, st, etag, pr, res)
	}
	p := &pending{Kind: pr.Kind, UsersLink: pr.Users.Link, GroupsLink: pr.Groups.Link, LinksTime: pr.Started,
		Selection: pr.Selection, Replica: st.Replica}
	if pr.Kind == kindFull {
		p.Reason = headerReason(pr.Reason)
	}
	return x.commit(ctx, st, etag, w, p, pr.Parts, res)
}

// commit finishes the file w holds as the next seq, stages it and records
// it as pending (steps 2 to 5); p brings the links and selection the
// state takes with it.
func (x *exporter) commit(ctx context.Context, st *state, etag azcore.ETag, w *fileWriter, p *pending, parts []string, res Result) (Result, error) {
	p.Seq, p.Previous, p.Created = st.Seq+1, st.Seq, x.opts.Now().UTC()
	f, err := w.finish(p.Seq, p.Kind, p.Reason, p.Previous, p.Created)
	if err != nil {
		return res, err
	}
	defer f.Remove()
	p.Name, p.Objects, p.Size, p.SHA256, p.Stats = f.Name, f.Objects, f.Size, f.SHA256, w.stats
	if p.Kind == kindFull && p.Reason != reasonCheckpoint {
		p.Replica = replicaInfo{Gen: generationName(p.Seq), Shards: shardCount(f.Size, x.opts.ShardBytes)}
	}
	p.Blob = "pending/" + f.Name + "." + f.SHA256[:16]
	if err := x.stage(ctx, f.Path, p.Blob); err != nil {
		return res, err
	}
	st.Pending, st.Progress = p, nil
	if etag, err = x.store.write(ctx, st, etag, x.opts.Now()); err != nil {
		return res, err
	}
	if err := x.hook(StepStaged); err != nil {
		return res, err
	}
	return x.finish(ctx, st, etag, f, parts, res)
}

// stage copies the local file into the state container.
func (x *exporter) stage(ctx context.Context, path, name string) error {
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("entra delta export: staging: %w", err)
	}
	defer in.Close()
	_, err = x.opts.Storage.Blob.UploadFile(ctx, x.opts.Container, name, in,
		&azblob.UploadFileOptions{BlockSize: 4 << 20, Concurrency: 4})
	if err != nil {
		return fmt.Errorf("entra delta export: staging %s: %w", name, err)
	}
	return nil
}

// finish delivers the pending file f, applies it to the replica and
// advances the state: steps 3 to 5.
func (x *exporter) finish(ctx context.Context, st *state, etag azcore.ETag, f *changeFile, parts []string, res Result) (Result, error) {
	p := st.Pending
	delivering := x.opts.Now()
	if err := x.deliver(ctx, f, p); err != nil {
		return res, err
	}
	x.opts.Log.Info("entra delta export: file delivered", "file", x.opts.Sink.Where(p.Name), "bytes", p.Size,
		"seconds", roundTo(x.opts.Now().Sub(delivering).Seconds(), 1))
	if err := x.hook(StepDelivered); err != nil {
		return res, err
	}
	if err := x.applyReplica(ctx, f, p); err != nil {
		return res, err
	}
	if err := x.hook(StepReplica); err != nil {
		return res, err
	}
	old := st.Replica
	st.Seq, st.UsersLink, st.GroupsLink, st.LinksTime = p.Seq, p.UsersLink, p.GroupsLink, p.LinksTime
	st.Selection, st.Replica, st.Pending = p.Selection, p.Replica, nil
	if p.Kind == kindFull {
		st.LastFull, st.LastFullTime, st.LastFullReason = p.Seq, p.Created, p.Reason
		if st.LastFullTime.IsZero() {
			st.LastFullTime = x.opts.Now().UTC()
		}
	}
	if _, err := x.store.write(ctx, st, etag, x.opts.Now()); err != nil {
		return res, err
	}
	x.report(&res, p)
	if err := x.hook(StepCommitted); err != nil {
		return res, err
	}
	x.cleanUp(ctx, p, old, parts)
	res.Pruned = x.prune(ctx, st)
	return res, nil
}

// applyReplica brings the replica to the state after f; a checkpoint was
// written from the replica and leaves it as it is.
func (x *exporter) applyReplica(ctx context.Context, f *changeFile, p *pending) error {
	if p.Reason == reasonCheckpoint {
		return nil
	}
	applying := x.opts.Now()
	if err := x.replica(p.Replica).apply(ctx, f); err != nil {
		return err
	}
	x.opts.Log.Info("entra delta export: replica updated", "generation", p.Replica.Gen, "shards", p.Replica.Shards,
		"bytesWritten", x.written.Load(), "seconds", roundTo(x.opts.Now().Sub(applying).Seconds(), 1))
	return nil
}

// deliver puts the file through the sink under its final name.
func (x *exporter) deliver(ctx context.Context, f *changeFile, p *pending) error {
	in, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("entra delta export: %w", err)
	}
	defer in.Close()
	if err := x.opts.Sink.Put(ctx, sink.File{Name: p.Name, Size: p.Size, ModTime: x.opts.Now()}, in); err != nil {
		return fmt.Errorf("entra delta export: delivering %s: %w", p.Name, err)
	}
	return nil
}

// report logs the file written and records the figures.
func (x *exporter) report(res *Result, p *pending) {
	res.File, res.Seq, res.Kind, res.Objects, res.Stats = p.Name, p.Seq, p.Kind, p.Objects, p.Stats
	x.opts.Figure("fileName", p.Name)
	x.opts.Figure("kind", p.Kind)
	x.opts.Figure("objectsChanged", p.Objects)
	x.opts.Figure("usersChanged", p.Stats.Users)
	x.opts.Figure("groupsChanged", p.Stats.Groups)
	x.opts.Figure("deletes", p.Stats.Deletes)
	x.opts.Figure("fullFileReason", p.Reason)
	x.opts.Figure("fullImportRequired", boolFigure(p.Kind == kindFull && p.Reason != reasonCheckpoint))
	switch {
	case p.Reason == reasonCheckpoint:
		x.opts.Log.Info("entra delta export: wrote a checkpoint full file from the replica; a Delta Import passes over it, "+
			"a Full Import starts from it, and retention can now prune the files before it", "file", x.opts.Sink.Where(p.Name),
			"objects", p.Objects)
		return
	case p.Kind == kindFull:
		x.opts.Log.Warn(describeFull(p.Name, p.Reason), "file", x.opts.Sink.Where(p.Name), "objects", p.Objects)
		return
	}
	x.opts.Log.Info("entra delta export: delivered a delta file", "file", x.opts.Sink.Where(p.Name),
		"objects", p.Objects, "users", p.Stats.Users, "groups", p.Stats.Groups, "deletes", p.Stats.Deletes)
}

// noChange saves the new links of a round that changed nothing: no file.
func (x *exporter) noChange(ctx context.Context, st *state, etag azcore.ETag, pr *progress, res Result) (Result, error) {
	st.UsersLink, st.GroupsLink, st.LinksTime, st.Progress = pr.Users.Link, pr.Groups.Link, pr.Started, nil
	if _, err := x.store.write(ctx, st, etag, x.opts.Now()); err != nil {
		return res, err
	}
	res.Kind = ""
	for _, name := range []string{"objectsChanged", "usersChanged", "groupsChanged", "deletes", "fullImportRequired"} {
		x.opts.Figure(name, 0)
	}
	x.opts.Figure("kind", "none")
	x.opts.Figure("fileName", "")
	x.opts.Figure("fullFileReason", "")
	x.opts.Log.Info("entra delta export: no changes; no file written")
	if len(pr.Parts) > 0 {
		x.cleanUp(ctx, nil, replicaInfo{}, pr.Parts)
	}
	return res, x.hook(StepNoChange)
}

// recover finishes the file an earlier run staged but did not commit.
func (x *exporter) recover(ctx context.Context, st *state, etag azcore.ETag, res *Result) (*state, azcore.ETag, error) {
	p := st.Pending
	f, err := x.fetchStaged(ctx, p)
	if errors.Is(err, storage.ErrNotFound) {
		x.opts.Log.Error("entra delta export: the staged copy of a pending change file is gone; "+
			"starting a full round after it (MIM will need a Full Import)", "file", p.Name, "blob", p.Blob)
		st.Seq, st.Pending, st.Replica = p.Seq, nil, replicaInfo{}
		etag, err = x.store.write(ctx, st, etag, x.opts.Now())
		return st, etag, err
	}
	if err != nil {
		return nil, "", err
	}
	defer f.Remove()
	x.opts.Log.Info("entra delta export: finishing a change file an earlier run staged but did not commit",
		"file", p.Name, "seq", p.Seq)
	var done Result
	if done, err = x.finish(ctx, st, etag, f, nil, done); err != nil {
		return nil, "", err
	}
	res.Recovered = done.File
	st, etag, err = x.store.read(ctx)
	return st, etag, err
}

// fetchStaged downloads a pending file's staged copy and checks it.
func (x *exporter) fetchStaged(ctx context.Context, p *pending) (*changeFile, error) {
	out, err := os.CreateTemp(x.opts.TempDir, "entra-staged-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	f := &changeFile{Path: out.Name(), Name: p.Name, Seq: p.Seq, Previous: p.Previous, Kind: p.Kind, Objects: p.Objects}
	_, err = x.opts.Storage.Blob.DownloadFile(ctx, x.opts.Container, p.Blob, out, nil)
	out.Close()
	if err != nil {
		f.Remove()
		if isNotFound(err) {
			return nil, storage.ErrNotFound
		}
		return nil, fmt.Errorf("entra delta export: staged %s: %w", p.Blob, err)
	}
	if f.Size, f.SHA256, err = fileSHA256(f.Path); err != nil || f.SHA256 != p.SHA256 || f.Size != p.Size {
		f.Remove()
		return nil, fmt.Errorf("entra delta export: staged %s does not match its recorded size and SHA-256", p.Blob)
	}
	return f, nil
}

// staleAfter is how old a leftover staged blob must be before a run
// deletes it: younger ones may belong to a run still going.
const staleAfter = time.Hour

// cleanUp deletes what a committed round no longer needs: its staged
// file and parts, an older replica generation after a full file, and
// leftovers of crashed runs. Failures are logged; the next commit tries
// again.
func (x *exporter) cleanUp(ctx context.Context, p *pending, old replicaInfo, parts []string) {
	cc := x.opts.Storage.Blob.ServiceClient().NewContainerClient(x.opts.Container)
	names := parts
	if p != nil {
		names = append(names, p.Blob)
	}
	_ = forEach(ctx, x.opts.Parallelism, names, func(ctx context.Context, name string) error {
		if _, err := cc.NewBlobClient(name).Delete(ctx, nil); err != nil && !isNotFound(err) {
			x.opts.Log.Warn("entra delta export: could not delete a staged blob", "blob", name, "error", err.Error())
		}
		return nil
	})
	cutoff := x.opts.Now().Add(-staleAfter)
	for _, prefix := range []string{"staging/", "pending/"} {
		if _, err := deletePrefix(ctx, x.opts.Storage, x.opts.Container, prefix, x.opts.Parallelism, cutoff); err != nil {
			x.opts.Log.Warn("entra delta export: cleaning up "+prefix, "error", err.Error())
		}
	}
	if p == nil || p.Kind != kindFull {
		return
	}
	n, err := deletePrefix(ctx, x.opts.Storage, x.opts.Container, "replica/", x.opts.Parallelism, time.Time{},
		"replica/"+p.Replica.Gen+"/")
	if err != nil {
		x.opts.Log.Warn("entra delta export: deleting the previous replica generation", "generation", old.Gen, "error", err.Error())
		return
	}
	if n > 0 {
		x.opts.Log.Info("entra delta export: deleted the previous replica generation", "generation", old.Gen, "blobs", n)
	}
}

// replica returns the replica of a generation.
func (x *exporter) replica(info replicaInfo) *replica {
	return &replica{account: x.opts.Storage, container: x.opts.Container, info: info,
		parallel: x.opts.Parallelism, written: &x.written}
}
