package entradelta

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/tenantops/tenantops/internal/storage"
)

// The replica is what was exported, one record per object (the object's
// last upsert line), in shards of the state container:
// replica/<generation>/<shard>.jsonl. A full round builds a new generation
// whose shard count it chooses from the data, so that each shard holds
// about shardBytes; a delta round rewrites only the shards of the objects
// it changed. Each shard starts with a header naming the seq of the last
// change file applied to it, which makes applying a file idempotent and
// keeps a late writer from undoing a later file's changes.

// replicaInfo names a generation of the replica.
type replicaInfo struct {
	Gen    string `json:"gen,omitempty"`
	Shards int    `json:"shards,omitempty"`
}

// Shard counts: bounds, and the size a full round aims at per shard.
const (
	minShards         = 16
	maxShards         = 1 << 17
	defaultShardBytes = 8 << 10
)

// shardHeader is line 1 of a shard.
type shardHeader struct {
	Shard  int   `json:"shard"`
	Shards int   `json:"shards"`
	Seq    int64 `json:"seq"`
}

// record is an object as the replica holds it.
type record struct {
	Class   string
	Attrs   json.RawMessage
	Members []string
	Refs    *references // manager, owners
}

// replica reads and writes one generation.
type replica struct {
	account   *storage.Account
	container string
	info      replicaInfo
	parallel  int
	written   *atomic.Int64 // bytes written, for figures and benchmarks
}

// generationName names the generation a full file builds.
func generationName(seq int64) string { return fmt.Sprintf("g%012d", seq) }

// shardCount is the shard count for a replica of about size bytes.
func shardCount(size int64, shardBytes int) int {
	n := int(size / int64(shardBytes))
	return min(max(n, minShards), maxShards)
}

func (r *replica) shardOf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(r.info.Shards))
}

func (r *replica) blobName(shard int) string {
	return fmt.Sprintf("replica/%s/%06d.jsonl", r.info.Gen, shard)
}

// shard is one shard in memory: its lines by id.
type shard struct {
	seq   int64
	lines map[string][]byte
	etag  azcore.ETag
	found bool
}

// readShard reads one shard; a missing shard is empty.
func (r *replica) readShard(ctx context.Context, k int) (*shard, error) {
	data, etag, err := r.account.ReadBlob(ctx, r.container, r.blobName(k))
	if errors.Is(err, storage.ErrNotFound) {
		return &shard{lines: map[string][]byte{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("entra delta export: replica: %w", err)
	}
	sh := &shard{lines: map[string][]byte{}, etag: etag, found: true}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			first = false
			var h shardHeader
			if err := json.Unmarshal(line, &h); err != nil {
				return nil, fmt.Errorf("entra delta export: replica shard %s: bad header: %w", r.blobName(k), err)
			}
			sh.seq = h.Seq
			continue
		}
		var id struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(line, &id); err != nil || id.ID == "" {
			return nil, fmt.Errorf("entra delta export: replica shard %s: bad record", r.blobName(k))
		}
		sh.lines[id.ID] = bytes.Clone(line)
	}
	return sh, sc.Err()
}

// encodeShard writes a shard: its header, then its lines sorted by id.
func encodeShard(k, shards int, seq int64, lines map[string][]byte) []byte {
	ids := make([]string, 0, len(lines))
	size := 64
	for id, l := range lines {
		ids = append(ids, id)
		size += len(l) + 1
	}
	sort.Strings(ids)
	var buf bytes.Buffer
	buf.Grow(size)
	h, _ := json.Marshal(shardHeader{Shard: k, Shards: shards, Seq: seq})
	buf.Write(h)
	buf.WriteByte('\n')
	for _, id := range ids {
		buf.Write(lines[id])
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// writeShard writes a shard guarded by the ETag it was read with (or
// must-not-exist for a shard that was missing).
func (r *replica) writeShard(ctx context.Context, k int, sh *shard, data []byte) error {
	etag := sh.etag
	if !sh.found {
		etag = ""
	}
	_, err := r.account.WriteBlob(ctx, r.container, r.blobName(k), data, etag)
	if err == nil {
		r.written.Add(int64(len(data)))
	}
	return err
}

// lookup returns the records of ids, reading each shard they fall in once.
func (r *replica) lookup(ctx context.Context, ids []string) (map[string]record, error) {
	byShard := map[int][]string{}
	for _, id := range ids {
		k := r.shardOf(id)
		byShard[k] = append(byShard[k], id)
	}
	out := make(map[string]record, len(ids))
	var mu sync.Mutex
	err := forEach(ctx, r.parallel, keys(byShard), func(ctx context.Context, k int) error {
		sh, err := r.readShard(ctx, k)
		if err != nil {
			return err
		}
		for _, id := range byShard[k] {
			line, ok := sh.lines[id]
			if !ok {
				continue
			}
			rec, err := parseRecord(line)
			if err != nil {
				return fmt.Errorf("entra delta export: replica record %s: %w", id, err)
			}
			mu.Lock()
			out[id] = rec
			mu.Unlock()
		}
		return nil
	})
	return out, err
}

func parseRecord(line []byte) (record, error) {
	var o objectLine
	if err := json.Unmarshal(line, &o); err != nil {
		return record{}, err
	}
	rec := record{Class: o.ObjectClass, Attrs: o.Attributes, Refs: o.References}
	if o.Members != nil {
		rec.Members = *o.Members
	}
	return rec, nil
}

// change is one object line of a change file bound for a shard; line is
// nil for a delete.
type change struct {
	id   string
	line []byte
}

// bucket reads a change file and groups the lines of the shards that want
// returns true for by shard.
func (r *replica) bucket(f *changeFile, want func(shard int) bool) (map[int][]change, error) {
	out := map[int][]change{}
	_, err := readObjects(f.Path, func(line []byte, o objectLine) error {
		k := r.shardOf(o.ID)
		if !want(k) {
			return nil
		}
		c := change{id: o.ID}
		if o.ChangeType != changeDelete {
			c.line = compactLine(line)
		}
		out[k] = append(out[k], c)
		return nil
	})
	return out, err
}

// applyBatchBytes bounds the change-file bytes held in memory at once
// while applying: a larger file is applied in several passes over it,
// each for a range of shards.
const applyBatchBytes = 24 << 20

// apply brings the replica to the state after change file f: a delta
// file's changes go into the shards they touch; a full file fills every
// shard of its new generation. A shard that already holds f (or a later
// file) is left alone.
func (r *replica) apply(ctx context.Context, f *changeFile) error {
	passes := int(f.Size/applyBatchBytes) + 1
	per := (r.info.Shards + passes - 1) / passes
	for from := 0; from < r.info.Shards; from += per {
		to := min(from+per, r.info.Shards)
		changes, err := r.bucket(f, func(k int) bool { return k >= from && k < to })
		if err != nil {
			return err
		}
		shards := keys(changes)
		if f.Kind == kindFull {
			shards = shards[:0]
			for k := from; k < to; k++ {
				shards = append(shards, k)
			}
		}
		err = forEach(ctx, r.parallel, shards, func(ctx context.Context, k int) error {
			return r.applyShard(ctx, k, f, changes[k])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// applyShard applies one shard's changes, retrying when another writer
// got there in between.
func (r *replica) applyShard(ctx context.Context, k int, f *changeFile, changes []change) error {
	for attempt := 0; ; attempt++ {
		sh := &shard{lines: map[string][]byte{}}
		var err error
		if f.Kind != kindFull || attempt > 0 {
			if sh, err = r.readShard(ctx, k); err != nil {
				return err
			}
		}
		if sh.seq >= f.Seq {
			return nil
		}
		if f.Kind == kindFull {
			sh.lines = map[string][]byte{}
		}
		for _, c := range changes {
			if c.line == nil {
				delete(sh.lines, c.id)
			} else {
				sh.lines[c.id] = c.line
			}
		}
		err = r.writeShard(ctx, k, sh, encodeShard(k, r.info.Shards, f.Seq, sh.lines))
		if errors.Is(err, storage.ErrConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return fmt.Errorf("entra delta export: replica shard %s: %w", r.blobName(k), err)
		}
		return nil
	}
}

// deletePrefix deletes the blobs under prefix except those under keep
// prefixes and, when olderThan is set, those modified after it; it returns
// how many it deleted.
func deletePrefix(ctx context.Context, account *storage.Account, containerName, prefix string, parallel int, olderThan time.Time, keep ...string) (int, error) {
	cc := account.Blob.ServiceClient().NewContainerClient(containerName)
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	var names []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("entra delta export: list %s: %w", prefix, err)
		}
	blobs:
		for _, b := range page.Segment.BlobItems {
			if !olderThan.IsZero() && b.Properties != nil && b.Properties.LastModified != nil && b.Properties.LastModified.After(olderThan) {
				continue
			}
			for _, k := range keep {
				if k != "" && bytes.HasPrefix([]byte(*b.Name), []byte(k)) {
					continue blobs
				}
			}
			names = append(names, *b.Name)
		}
	}
	var deleted atomic.Int64
	err := forEach(ctx, parallel, names, func(ctx context.Context, name string) error {
		_, err := cc.NewBlobClient(name).Delete(ctx, nil)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("entra delta export: delete %s: %w", name, err)
		}
		deleted.Add(1)
		return nil
	})
	return int(deleted.Load()), err
}

// isNotFound reports a storage 404.
func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == 404
}

// forEach runs fn for each item with at most parallel at a time, and
// returns the first error; the others are cancelled.
func forEach[T any](parent context.Context, parallel int, items []T, fn func(context.Context, T) error) error {
	if parallel < 1 {
		parallel = 1
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, parallel)
	)
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, it); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return parent.Err()
}

// keys returns a map's keys, sorted.
func keys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
