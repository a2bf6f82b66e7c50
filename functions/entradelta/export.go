package entradelta

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
)

// Pager reads Graph delta pages; *graph.Client is one.
type Pager interface {
	DeltaURL(resource string, selected []string) string
	LatestURL(resource string, selected []string) string
	Page(ctx context.Context, link string) (graph.Page, error)
}

// Options configures one export run.
type Options struct {
	Graph     Pager
	Storage   *storage.Account
	Container string    // EntraStateContainer: state, replica, staged files
	Sink      sink.Sink // where change files go
	// Lister lists and prunes the delivered files; nil skips retention.
	Lister sink.Lister
	// UserAttributes and GroupAttributes are the $select lists.
	UserAttributes, GroupAttributes []string
	// RetentionDays prunes files older than this; 0 keeps all.
	RetentionDays int
	// Full asks for a full round.
	Full bool
	// ReadBudget is how long the run reads pages; when it is spent, the
	// run saves what it read and the next run continues. Default 18 min.
	ReadBudget time.Duration
	// Parallelism bounds concurrent blob operations; default 16.
	Parallelism int
	// ShardBytes is the replica shard size a full round aims at; default 8 KiB.
	ShardBytes int
	// TempDir holds the change file while it is written; default os.TempDir().
	TempDir string
	Now     func() time.Time
	Log     *slog.Logger
	// Figure records a key figure of the run; nil ignores them.
	Figure func(name string, value any)
	// Hook, when set, is called at each step of a round's commit; an error
	// it returns ends the run there, as a crash would. Tests use it.
	Hook func(Step) error
}

// Step names a point of a round's commit.
type Step string

// The steps of a round, in order.
const (
	StepRead      Step = "streams read"     // both streams read to their deltaLinks; nothing written
	StepStaged    Step = "file staged"      // the file is staged and recorded as pending in the state
	StepDelivered Step = "file delivered"   // the file is at the target
	StepReplica   Step = "replica written"  // the replica holds the file's objects
	StepCommitted Step = "state advanced"   // the state holds the new links and seq
	StepProgress  Step = "progress saved"   // an out-of-budget round saved its part
	StepNoChange  Step = "no-change commit" // a round without changes saved its links
)

// Result is what one run did.
type Result struct {
	Kind        string // full, delta, or "" when no file was written
	Reason      string // why a full round
	File        string // the change file written, if any
	Seq         int64  // its seq
	Objects     int    // its object lines
	Stats       Counts // what they are
	Requests    int64  // Graph pages read
	Recovered   string // a file an earlier run staged and this one committed
	OutOfBudget bool   // reading stopped at the budget; the next run continues
	Pruned      int    // old change files deleted
	// ReplicaBytesWritten is what the run wrote to replica shards.
	ReplicaBytesWritten int64
}

// exporter carries one run.
type exporter struct {
	opts      Options
	store     stateStore
	selection string
	requests  atomic.Int64
	written   atomic.Int64
	deadline  time.Time
}

// Export runs one round: it finishes a staged file left by an earlier run,
// reads both delta streams, writes and delivers the change file, updates
// the replica and advances the state, in that order.
func Export(ctx context.Context, opts Options) (Result, error) {
	x := newExporter(opts)
	res, err := x.run(ctx)
	res.Requests, res.ReplicaBytesWritten = x.requests.Load(), x.written.Load()
	if errors.Is(err, errLostRace) {
		x.opts.Log.Warn("entra delta export: another run advanced the state first; this run stops without delivering anything more")
	}
	return res, err
}

func newExporter(opts Options) *exporter {
	if opts.ReadBudget <= 0 {
		opts.ReadBudget = 18 * time.Minute
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = 16
	}
	if opts.ShardBytes <= 0 {
		opts.ShardBytes = defaultShardBytes
	}
	if opts.TempDir == "" {
		opts.TempDir = os.TempDir()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Figure == nil {
		opts.Figure = func(string, any) {}
	}
	x := &exporter{opts: opts, store: stateStore{account: opts.Storage, container: opts.Container}}
	x.selection = selectionKey(opts.UserAttributes, opts.GroupAttributes)
	x.deadline = opts.Now().Add(opts.ReadBudget)
	return x
}

// selectionKey fingerprints the $select lists: a change starts a full round.
func selectionKey(users, groups []string) string {
	sum := sha256.Sum256([]byte(strings.Join(users, ",") + "\n" + strings.Join(groups, ",")))
	return hex.EncodeToString(sum[:8])
}

func (x *exporter) hook(s Step) error {
	if x.opts.Hook == nil {
		return nil
	}
	return x.opts.Hook(s)
}

func (x *exporter) run(ctx context.Context) (Result, error) {
	var res Result
	st, etag, err := x.store.read(ctx)
	if err != nil {
		return res, err
	}
	if st.Pending != nil {
		if st, etag, err = x.recover(ctx, st, etag, &res); err != nil {
			return res, err
		}
	}
	if !st.LinksTime.IsZero() {
		x.opts.Figure("deltaLinkAgeHours", roundTo(x.opts.Now().Sub(st.LinksTime).Hours(), 2))
	}
	pr, reason := x.plan(st)
	return x.round(ctx, st, etag, pr, reason, res)
}

// plan returns the round to read: the saved progress, a delta round from
// the saved links, or a full round and why.
func (x *exporter) plan(st *state) (*progress, string) {
	reason := ""
	switch {
	case x.opts.Full:
		reason = "requested"
	case st.Seq == 0:
		reason = "first run"
	case st.Replica.Gen == "":
		reason = "no replica of what was exported"
	case st.Selection != x.selection:
		reason = "EntraUserAttributes or EntraGroupAttributes changed"
	case st.UsersLink == "" || st.GroupsLink == "":
		reason = "no saved delta links"
	}
	if pr := st.Progress; pr != nil && pr.Selection == x.selection && (pr.Kind == kindFull || reason == "") {
		return pr, pr.Reason
	}
	if reason != "" {
		return x.fullProgress(reason), reason
	}
	return &progress{ID: newRoundID(x.opts.Now()), Kind: kindDelta, Selection: x.selection, Started: x.opts.Now().UTC(),
		Users: stream{Link: st.UsersLink}, Groups: stream{Link: st.GroupsLink}}, ""
}

func (x *exporter) fullProgress(reason string) *progress {
	return &progress{ID: newRoundID(x.opts.Now()), Kind: kindFull, Reason: reason, Selection: x.selection, Started: x.opts.Now().UTC(),
		Users:  stream{Link: x.opts.Graph.DeltaURL("users", x.opts.UserAttributes)},
		Groups: stream{Link: x.opts.Graph.DeltaURL("groups", x.opts.GroupAttributes)}}
}

// round reads the planned round and commits it.
func (x *exporter) round(ctx context.Context, st *state, etag azcore.ETag, pr *progress, reason string, res Result) (Result, error) {
	started := x.opts.Now()
	before := x.requests.Load()
	acc, err := x.read(ctx, pr)
	if errors.Is(err, graph.ErrResync) {
		if pr, err = x.resync(pr, err); err != nil {
			return res, err
		}
		reason, before = pr.Reason, x.requests.Load()
		acc, err = x.read(ctx, pr)
	}
	if err != nil {
		return x.stopped(ctx, st, etag, pr, acc, res, err, x.requests.Load() > before)
	}
	x.opts.Log.Info("entra delta export: streams read", "round", pr.Kind, "pages", x.requests.Load(),
		"objects", acc.len(), "seconds", roundTo(x.opts.Now().Sub(started).Seconds(), 1))
	if err := x.hook(StepRead); err != nil {
		return res, err
	}
	prior, err := x.loadParts(ctx, pr)
	if err != nil {
		return res, err
	}
	if err := prior.absorb(acc); err != nil {
		return res, err
	}
	res.Kind, res.Reason = pr.Kind, reason
	return x.write(ctx, st, etag, pr, prior, res)
}

// reasonResync is the full file's reason when Graph refused the saved
// position (an expired or invalid delta state).
const reasonResync = "resync"

// resync replaces the round Graph refused with a full round, saying so
// plainly in the log and the run's figures. A full round that has read
// nothing yet and is refused again fails instead of looping.
func (x *exporter) resync(pr *progress, cause error) (*progress, error) {
	if pr.Kind == kindFull && len(pr.Parts) == 0 {
		return pr, cause
	}
	what := "the saved delta links"
	if pr.Kind == kindFull {
		what = "the saved position of an unfinished full round"
	}
	x.opts.Log.Warn("entra delta export: RESYNC: Graph no longer accepts "+what+" (an expired or invalid delta state); "+
		"starting a full round: the file it writes makes MIM run a Full Import", "reason", reasonResync, "cause", cause.Error())
	x.opts.Figure("reason", reasonResync)
	x.opts.Figure("resyncCause", shortText(cause.Error(), 200))
	return x.fullProgress(reasonResync), nil
}

// saveTimeout bounds saving what was read after the run's context ended
// (a cancellation or a scale-in), on a context of its own.
const saveTimeout = 30 * time.Second

// stopped ends a round whose reading stopped early: out of budget, the
// part and positions are saved and the run succeeds; after another error
// that keepsProgress and some pages read, they are saved too (with a
// context that outlives a cancelled one) and the run fails saying so.
func (x *exporter) stopped(ctx context.Context, st *state, etag azcore.ETag, pr *progress, acc *round, res Result, err error, readSome bool) (Result, error) {
	switch {
	case errors.Is(err, errOutOfBudget):
		return x.saveProgress(ctx, st, etag, pr, acc, res, nil)
	case !keepsProgress(err) || !readSome:
		return res, err
	}
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	res, saveErr := x.saveProgress(saveCtx, st, etag, pr, acc, res, err)
	if saveErr != nil {
		return res, errors.Join(err, saveErr)
	}
	return res, fmt.Errorf("entra delta export: reading stopped; what was read is saved and the next run continues from there: %w", err)
}

// shortText cuts s to n bytes.
func shortText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// roundTo rounds v to n decimals.
func roundTo(v float64, n int) float64 {
	p := 1.0
	for range n {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// newRoundID names a round's staging folder.
func newRoundID(now time.Time) string {
	var b [4]byte
	_, _ = randRead(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// describeFull is the operator's line for a full file.
func describeFull(name, reason string) string {
	return fmt.Sprintf("entra delta export: wrote the FULL file %s (%s): MIM must run a Full Import of the "+
		"Entra management agent before its next Delta Import", name, reason)
}
