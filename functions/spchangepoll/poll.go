package spchangepoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/pause"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// Options configures one poll of one list.
type Options struct {
	Client    *sharepoint.Client
	Storage   *storage.Account
	ListTitle string
	Queue     string // SPCleanupQueue
	Container string // SPStateContainer
	Log       *slog.Logger

	// Parallelism bounds concurrent enqueues; default 16.
	Parallelism int
	// FetchLimit is the changes asked for per page; default 2000 (the maximum).
	FetchLimit int
	// PageBudget is how long the poll starts new pages; when it is spent the
	// poll stops with the token saved and the next run continues. Default 20 min.
	PageBudget time.Duration
	// RefreshAfter is how old the token may grow on a list without deletes
	// before it is moved to the current token; default 7 days.
	RefreshAfter time.Duration
	// MaxTokenAge is the oldest token trusted; default 59 days, a day short
	// of SharePoint Online's 60-day change log.
	MaxTokenAge time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Figure, when set, receives the poll's key figures as soon as each is
	// known: deletesQueued, restoresSkipped and tokenAgeHours.
	Figure func(name string, value any)
	// RequestedAt, when set, is when a read was asked for (a webhook
	// notification): the poll is skipped, without a SharePoint call, when
	// a read has since reached the end of the log as it stood after it.
	RequestedAt time.Time
	// WaitForLease is how long the poll waits for another run's lease to
	// end; 0 skips at once (that run reads to the end of the log anyway).
	WaitForLease time.Duration
	// LateAfter, when set, counts the queued deletes logged more than this
	// long before the poll started (Result.Late): deletes a webhook should
	// have brought in already.
	LateAfter time.Duration

	// hook is called at each checkpoint of the poll; an error it returns
	// ends the poll there, as a crash would. Only tests set it.
	hook func(checkpoint) error
}

// step names a checkpoint of the poll.
type step string

// Checkpoints, in the order a page passes them.
const (
	stepPageFetched      step = "page fetched"       // a page of changes is in memory, nothing enqueued
	stepEnqueued         step = "message enqueued"   // one more message of the page is on the queue
	stepBeforeTokenWrite step = "before token write" // every message of the page is on the queue
)

// checkpoint is where the poll stands when the hook is called.
type checkpoint struct {
	Step     step
	Page     int // 1-based
	Enqueued int // messages of this page on the queue so far
}

// Result is what one poll did.
type Result struct {
	FirstRun bool
	Pages    int // non-empty pages handled
	Deletes  int // messages enqueued
	// RestoresSkipped counts deletes not queued because the same page of
	// the change log shows the item restored after it.
	RestoresSkipped int
	// TokenAge is how old the saved token was when the poll started (0 on a first run).
	TokenAge  time.Duration
	Token     string
	Late      int  // queued deletes older than Options.LateAfter
	Skipped   bool // a read that reached the end of the log after RequestedAt had already covered it
	Busy      bool // another run holds the lease; this one read nothing
	LostRace  bool // another poll advanced the token first; this one stopped
	OutOfTime bool // stopped at PageBudget; the next run continues
	Refreshed bool // idle token moved to the current token
}

// ErrStaleToken is returned when the saved token can no longer be used:
// older than the change log, or from a list since deleted and recreated.
// Deletes may have been missed and the token must be reset.
var ErrStaleToken = errors.New("sharepoint change poll: the saved change token is no longer usable (older than the change log, or from a list since replaced)")

type poller struct {
	opts       Options
	list       sharepoint.List
	store      stateStore
	started    time.Time // when this poll started
	runID      string    // this poll's lease owner name
	prior      time.Time // Covered of the state read
	reachedEnd time.Time // when this poll asked for the page that came back empty
}

// leaseFor is how long a lease lasts without a write; every page's token
// write extends it.
const leaseFor = 5 * time.Minute

// Poll reads the list's change log from the saved token and queues one
// message per deleted item, advancing the token page by page, each time only
// after every message of the page is on the queue.
func Poll(ctx context.Context, opts Options) (Result, error) {
	p := newPoller(opts)
	p.figure("deletesQueued", 0)
	p.figure("restoresSkipped", 0)
	st, etag, found, err := p.awaitLease(ctx)
	if err != nil || !found {
		if err == nil {
			return p.firstRun(ctx)
		}
		return Result{}, err
	}
	if p.covered(st) {
		return Result{Skipped: true, Token: st.ChangeToken}, nil
	}
	if st.leased(p.opts.Now()) {
		p.opts.Log.Info("sharepoint change poll: another run is reading the change log; this one leaves it to that run",
			"list", p.opts.ListTitle)
		return Result{Busy: true, Token: st.ChangeToken}, nil
	}
	age, err := p.checkAge(st)
	if err != nil {
		return Result{TokenAge: age}, err
	}
	p.prior = st.Covered
	if etag, err = p.store.write(ctx, p.state(st.ChangeToken), etag); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return p.lostRace(Result{Token: st.ChangeToken}), nil
		}
		return Result{}, err
	}
	res, etag, err := p.pages(ctx, Result{Token: st.ChangeToken, TokenAge: age}, etag)
	if err != nil || res.LostRace {
		p.release(ctx, res.Token, etag)
		return res, err
	}
	return p.finish(ctx, res, etag)
}

// covered reports whether a complete read reached the end of the log after the request.
func (p *poller) covered(st state) bool {
	return !p.opts.RequestedAt.IsZero() && st.Covered.After(p.opts.RequestedAt)
}

// awaitLease reads the state, waiting up to WaitForLease while another run
// holds the lease and has not yet covered the request.
func (p *poller) awaitLease(ctx context.Context) (state, azcore.ETag, bool, error) {
	deadline := p.opts.Now().Add(p.opts.WaitForLease)
	for {
		st, etag, found, err := p.store.read(ctx)
		if err != nil || !found || !st.leased(p.opts.Now()) || p.covered(st) || !p.opts.Now().Before(deadline) {
			return st, etag, found, err
		}
		if err := pause.For(ctx, 200*time.Millisecond); err != nil {
			return st, etag, found, err
		}
	}
}

// finish records that the read reached the end of the log and releases the lease.
func (p *poller) finish(ctx context.Context, res Result, etag azcore.ETag) (Result, error) {
	st := p.state(res.Token)
	st.Covered, st.Lease, st.LeaseUntil = p.reachedEnd, "", time.Time{}
	if st.Covered.IsZero() { // stopped before the end of the log
		st.Covered = p.prior
	}
	if _, err := p.store.write(ctx, st, etag); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return p.lostRace(res), nil
		}
		return res, err
	}
	return res, nil
}

// release gives the lease up after a failed or lost run, best effort (an
// unreleased lease ends on its own after leaseFor).
func (p *poller) release(ctx context.Context, token string, etag azcore.ETag) {
	st := p.state(token)
	st.Lease, st.LeaseUntil = "", time.Time{}
	_, _ = p.store.write(context.WithoutCancel(ctx), st, etag)
}

// figure passes one key figure on, when the caller wants them.
func (p *poller) figure(name string, value any) {
	if p.opts.Figure != nil {
		p.opts.Figure(name, value)
	}
}

func newPoller(opts Options) *poller {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 16
	}
	if opts.FetchLimit <= 0 {
		opts.FetchLimit = sharepoint.MaxFetchLimit
	}
	if opts.PageBudget <= 0 {
		opts.PageBudget = 20 * time.Minute
	}
	if opts.RefreshAfter <= 0 {
		opts.RefreshAfter = 7 * 24 * time.Hour
	}
	if opts.MaxTokenAge <= 0 {
		opts.MaxTokenAge = 59 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &poller{opts: opts, started: opts.Now().UTC(), runID: newRunID(), list: sharepoint.ListByTitle(opts.ListTitle), store: stateStore{
		account: opts.Storage, container: opts.Container, name: blobName(opts.Client.SiteURL(), opts.ListTitle)}}
}

// firstRun saves the list's current token: the log before it is never replayed.
func (p *poller) firstRun(ctx context.Context) (Result, error) {
	token, err := p.opts.Client.CurrentChangeToken(ctx, p.list)
	if err != nil {
		return Result{}, err
	}
	st := p.state(token)
	st.Covered, st.Lease, st.LeaseUntil = p.started, "", time.Time{}
	if _, err := p.store.write(ctx, st, ""); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return p.lostRace(Result{FirstRun: true}), nil
		}
		return Result{}, err
	}
	p.opts.Log.Info("sharepoint change poll: first run, starting from the list's current change token",
		"list", p.opts.ListTitle, "changeToken", token, "blob", p.opts.Container+"/"+p.store.name)
	return Result{FirstRun: true, Token: token}, nil
}

func (p *poller) state(token string) state {
	now := p.opts.Now().UTC()
	return state{SiteURL: p.opts.Client.SiteURL(), ListTitle: p.opts.ListTitle, ChangeToken: token, Updated: now,
		Covered: p.prior, Lease: p.runID, LeaseUntil: now.Add(leaseFor)}
}

func (p *poller) lostRace(res Result) Result {
	p.opts.Log.Warn("sharepoint change poll: another poll advanced the change token first; this run stops here and leaves the token to it",
		"list", p.opts.ListTitle, "blob", p.opts.Container+"/"+p.store.name)
	res.LostRace = true
	return res
}

func (p *poller) checkpoint(c checkpoint) error {
	if p.opts.hook == nil {
		return nil
	}
	return p.opts.hook(c)
}

// checkAge refuses a token SharePoint may no longer honour (SharePoint
// Online can answer an expired token with no changes instead of an error).
// It returns the token's age, also recorded as the figure tokenAgeHours.
func (p *poller) checkAge(st state) (time.Duration, error) {
	token, err := sharepoint.ParseChangeToken(st.ChangeToken)
	if err != nil {
		return 0, p.stale(st, err)
	}
	age := p.opts.Now().Sub(token.Time)
	p.figure("tokenAgeHours", math.Round(age.Hours()*10)/10)
	if age > p.opts.MaxTokenAge {
		return age, p.stale(st, fmt.Errorf("it dates from %s", token.Time.Format(time.RFC3339)))
	}
	return age, nil
}

// stale is the loud error with the way out.
func (p *poller) stale(st state, cause error) error {
	err := fmt.Errorf("%w (%v): deletes since then may have been missed. Way out: delete the blob %s/%s, "+
		"the next run starts from the list's current change token; then check the lists in SPCleanupTargets for items "+
		"that point at deleted items", ErrStaleToken, cause, p.opts.Container, p.store.name)
	p.opts.Log.Error("sharepoint change poll: stale change token", "list", p.opts.ListTitle,
		"changeToken", st.ChangeToken, "error", err.Error())
	return err
}
