package spchangepoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

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
	LostRace  bool // another poll advanced the token first; this one stopped
	OutOfTime bool // stopped at PageBudget; the next run continues
	Refreshed bool // idle token moved to the current token
}

// ErrStaleToken is returned when the saved token can no longer be used:
// older than the change log, or from a list since deleted and recreated.
// Deletes may have been missed and the token must be reset.
var ErrStaleToken = errors.New("sharepoint change poll: the saved change token is no longer usable (older than the change log, or from a list since replaced)")

type poller struct {
	opts  Options
	list  sharepoint.List
	store stateStore
}

// Poll reads the list's change log from the saved token and queues one
// message per deleted item, advancing the token page by page, each time only
// after every message of the page is on the queue.
func Poll(ctx context.Context, opts Options) (Result, error) {
	p := newPoller(opts)
	p.figure("deletesQueued", 0)
	p.figure("restoresSkipped", 0)
	st, etag, found, err := p.store.read(ctx)
	if err != nil {
		return Result{}, err
	}
	if !found {
		return p.firstRun(ctx)
	}
	age, err := p.checkAge(st)
	if err != nil {
		return Result{TokenAge: age}, err
	}
	return p.pages(ctx, Result{Token: st.ChangeToken, TokenAge: age}, etag)
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
	return &poller{opts: opts, list: sharepoint.ListByTitle(opts.ListTitle), store: stateStore{
		account: opts.Storage, container: opts.Container, name: blobName(opts.Client.SiteURL(), opts.ListTitle)}}
}

// firstRun saves the list's current token: the log before it is never replayed.
func (p *poller) firstRun(ctx context.Context) (Result, error) {
	token, err := p.opts.Client.CurrentChangeToken(ctx, p.list)
	if err != nil {
		return Result{}, err
	}
	if _, err := p.store.write(ctx, p.state(token), ""); err != nil {
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
	return state{SiteURL: p.opts.Client.SiteURL(), ListTitle: p.opts.ListTitle, ChangeToken: token, Updated: p.opts.Now().UTC()}
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
