package spcleanup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// runTimeout keeps a run inside host.json's functionTimeout (30 min).
const runTimeout = 25 * time.Minute

// maxLoggedMessage bounds how much of a malformed message is logged, in bytes.
const maxLoggedMessage = 2048

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	opts, err := load(inv)
	if err != nil {
		return err
	}
	opts.Figure = inv.Figure
	text, _ := inv.Request.DataString(triggerName)
	deleted, err := deleteditem.Parse([]byte(text), opts.Client.SiteURL())
	var res Result
	if err == nil {
		res, err = cleanupInSlot(ctx, inv, opts, deleted)
	}
	if errors.Is(err, deleteditem.ErrMalformed) {
		inv.Log.Error("sharepoint cleanup: malformed message; completing it without retry (it can never succeed)",
			"error", err.Error(), "message", truncate(text, maxLoggedMessage), "dequeueCount", inv.Request.DequeueCount())
		return function.Discard(err)
	}
	logResult(inv, deleted, res)
	return backOff(inv, err)
}

// slotWait is how long a message waits on the queue when every cleanup
// slot of its site is taken, give or take a third (so that waiting messages
// do not all come back at once).
const slotWait = 30 * time.Second

// cleanupInSlot runs Cleanup in one of the site's SPCleanupConcurrency
// slots, which cap the cleanups against one site at once across every
// instance; with none free, the message is deferred, costing no try.
func cleanupInSlot(ctx context.Context, inv *function.Invocation, opts Options, deleted deleteditem.Message) (Result, error) {
	p := inv.Settings()
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return Result{}, fmt.Errorf("SharePointCleanup: %w", err)
	}
	site := sha256.Sum256([]byte(strings.ToLower(opts.Client.SiteURL())))
	slot, err := account.TakeSlot(ctx, p.String(settings.SPStateContainer),
		"cleanup-slots/"+hex.EncodeToString(site[:12]), p.Int(settings.SPCleanupConcurrency))
	if errors.Is(err, storage.ErrNoSlot) {
		wait := slotWait*2/3 + rand.N(slotWait*2/3)
		inv.Figure("slotWaitSeconds", int(wait.Seconds()))
		return Result{}, function.Defer(wait, fmt.Errorf("SharePointCleanup: %d cleanups of this site are running (SPCleanupConcurrency)",
			p.Int(settings.SPCleanupConcurrency)))
	}
	if err != nil {
		return Result{}, fmt.Errorf("SharePointCleanup: %w", err)
	}
	defer func() {
		if err := slot.Release(context.WithoutCancel(ctx)); err != nil {
			inv.Log.Warn("sharepoint cleanup: slot not released; it frees itself within a minute", "error", err.Error())
		}
	}()
	return Cleanup(ctx, opts, deleted)
}

// minBackOff is the shortest a throttled message waits before it is tried
// again: the host's own retry delay (host.json visibilityTimeout).
const minBackOff = 30 * time.Second

// backOff turns SharePoint throttling that asks for a longer wait than the
// run has into a deferred message: the handler puts it back on the queue,
// hidden for that wait, without counting a try, so a long throttle spell
// does not park a cleanup that only had to wait. Other errors pass through.
func backOff(inv *function.Invocation, err error) error {
	var t *sharepoint.ThrottledError
	if !errors.As(err, &t) {
		return err
	}
	wait := max(t.Wait, minBackOff)
	inv.Figure("throttledSeconds", int(wait.Seconds()))
	inv.Log.Warn("sharepoint cleanup: SharePoint is throttling longer than the run can wait; backing off",
		"wait", wait.String(), "error", err.Error())
	return function.Defer(wait, err)
}

// load reads the settings and opens SharePoint. Every bad setting fails
// the run, whether or not a client for the site is already cached.
func load(inv *function.Invocation) (Options, error) {
	p := inv.Settings()
	opts := Options{Log: inv.Log, WatchedList: p.String(settings.SPListTitle)}
	targets, err := ParseTargets(p.Require(settings.SPCleanupTargets, "the lists to clean up"))
	if err != nil && p.Set(settings.SPCleanupTargets) {
		p.Fail(settings.SPCleanupTargets, err.Error()+" (want e.g. Tasks:Project;Documents:ParentItem)")
	}
	opts.Targets = targets
	opts.Mode = sharepoint.Mode(p.OneOf(settings.SPCleanupMode))
	client, err := clients.SharePoint(p, inv.Log) // fails on every problem p holds, cached client or not
	if err != nil {
		return opts, fmt.Errorf("SharePointCleanup: %w", err)
	}
	opts.Client = client
	return opts, nil
}

func logResult(inv *function.Invocation, deleted deleteditem.Message, res Result) {
	total := 0
	for target, ids := range res.Removed {
		total += len(ids)
		inv.Log.Info("sharepoint cleanup: removed linked items", "target", target, "count", len(ids), "ids", ids)
	}
	inv.Log.Info("sharepoint cleanup: done", "list", deleted.ListTitle, "itemId", deleted.ItemID,
		"removed", total, "alreadyGone", res.AlreadyGone, "itemStillExists", res.StillExists)
}

// truncate cuts s to at most n bytes, on a UTF-8 character boundary, and
// marks the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
