package spchangepoll

import (
	"context"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// pages fetches the change log page by page from the saved token
// (res.Token) until a page is empty: enqueue the page's deletes, then save
// the page's last token with If-Match on the ETag read.
func (p *poller) pages(ctx context.Context, res Result, etag azcore.ETag) (Result, azcore.ETag, error) {
	deadline := p.opts.Now().Add(p.opts.PageBudget)
	for page := 1; ; page++ {
		if p.opts.Now().After(deadline) {
			p.opts.Log.Warn("sharepoint change poll: page budget spent; the next run continues from the saved token",
				"list", p.opts.ListTitle, "pages", res.Pages)
			res.OutOfTime = true
			return res, etag, nil
		}
		asked := p.opts.Now().UTC()
		changes, err := p.fetch(ctx, res.Token)
		if err != nil {
			return res, etag, err
		}
		if err := p.checkpoint(checkpoint{Step: stepPageFetched, Page: page}); err != nil {
			return res, etag, err
		}
		if len(changes) == 0 {
			p.reachedEnd = asked
			break
		}
		if etag, err = p.handlePage(ctx, page, changes, etag, &res); err != nil || res.LostRace {
			return res, etag, err
		}
	}
	if res.Pages == 0 {
		var err error
		if res, etag, err = p.refreshIdle(ctx, res, etag); err != nil || res.LostRace {
			return res, etag, err
		}
	}
	p.opts.Log.Info("sharepoint change poll: done", "list", p.opts.ListTitle, "pages", res.Pages,
		"deletes", res.Deletes, "restoresSkipped", res.RestoresSkipped, "changeToken", res.Token)
	return res, etag, nil
}

func (p *poller) fetch(ctx context.Context, token string) ([]sharepoint.Change, error) {
	changes, err := p.opts.Client.GetChanges(ctx, p.list,
		sharepoint.ChangeQuery{Start: token, FetchLimit: p.opts.FetchLimit, DeleteObject: true, Restore: true})
	if errors.Is(err, sharepoint.ErrTokenRefused) {
		return nil, p.stale(state{ChangeToken: token}, err)
	}
	return changes, err
}

// handlePage enqueues one message per deleted item, then saves the token of
// the page's last change.
func (p *poller) handlePage(ctx context.Context, page int, changes []sharepoint.Change, etag azcore.ETag, res *Result) (azcore.ETag, error) {
	messages, restored := p.messages(changes)
	if err := p.enqueueAll(ctx, page, messages); err != nil {
		return etag, err
	}
	if err := p.checkpoint(checkpoint{Step: stepBeforeTokenWrite, Page: page, Enqueued: len(messages)}); err != nil {
		return etag, err
	}
	next := changes[len(changes)-1].ChangeToken
	newETag, err := p.store.write(ctx, p.state(next), etag)
	if errors.Is(err, storage.ErrConflict) {
		*res = p.lostRace(*res)
		return etag, nil
	}
	if err != nil {
		return etag, err
	}
	res.Pages++
	res.Deletes += len(messages)
	res.Late += p.late(messages)
	res.RestoresSkipped += restored
	res.Token = next
	p.figure("deletesQueued", res.Deletes)
	p.figure("restoresSkipped", res.RestoresSkipped)
	return newETag, nil
}

// messages returns one message per item the page leaves deleted, and how
// many deletes it drops because the item was restored later in the page
// (from the recycle bin, logged as a Restore change). An item deleted again
// after its restore is queued. A restore on a later page than its delete
// comes too late to drop the message; SharePointCleanup then finds the item
// still in the list and removes nothing.
func (p *poller) messages(changes []sharepoint.Change) ([]deleteditem.Message, int) {
	var order []int
	pending := map[int]deleteditem.Message{}
	restored := 0
	for _, c := range changes {
		if c.ItemID <= 0 {
			continue
		}
		switch c.ChangeType {
		case sharepoint.ChangeDeleteObject:
			if _, seen := pending[c.ItemID]; !seen {
				order = append(order, c.ItemID)
			}
			pending[c.ItemID] = deleteditem.Message{V: deleteditem.Version, SiteURL: p.opts.Client.SiteURL(),
				ListID: c.ListID, ListTitle: p.opts.ListTitle, ItemID: c.ItemID, UniqueID: c.UniqueID,
				ChangeToken: c.ChangeToken, Time: c.Time.UTC()}
		case sharepoint.ChangeRestore:
			if _, deleted := pending[c.ItemID]; deleted {
				delete(pending, c.ItemID)
				restored++
				p.opts.Log.Info("sharepoint change poll: item restored after its delete; not queued",
					"list", p.opts.ListTitle, "itemId", c.ItemID)
			}
		}
	}
	out := make([]deleteditem.Message, 0, len(pending))
	for _, id := range order {
		if m, ok := pending[id]; ok {
			out = append(out, m)
			delete(pending, id) // an id deleted, restored and deleted again is in order twice
		}
	}
	return out, restored
}

// refreshIdle moves the token of a list without deletes to the current
// token once it is RefreshAfter old, so it never ages out of the change log.
// The current token is read first, then the log is checked still empty:
// no delete can fall between the two.
func (p *poller) refreshIdle(ctx context.Context, res Result, etag azcore.ETag) (Result, azcore.ETag, error) {
	token, err := sharepoint.ParseChangeToken(res.Token)
	if err != nil || p.opts.Now().Sub(token.Time) < p.opts.RefreshAfter {
		return res, etag, nil
	}
	current, err := p.opts.Client.CurrentChangeToken(ctx, p.list)
	if err != nil {
		return res, etag, err
	}
	changes, err := p.fetch(ctx, res.Token)
	if err != nil || len(changes) > 0 {
		return res, etag, err
	}
	newETag, err := p.store.write(ctx, p.state(current), etag)
	if err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return p.lostRace(res), etag, nil
		}
		return res, etag, err
	}
	p.opts.Log.Info("sharepoint change poll: no deletes; moved the idle token to the current one",
		"list", p.opts.ListTitle, "changeToken", current)
	res.Token, res.Refreshed = current, true
	return res, newETag, nil
}

// late counts the messages whose delete was logged more than LateAfter
// before the poll started.
func (p *poller) late(messages []deleteditem.Message) int {
	if p.opts.LateAfter <= 0 {
		return 0
	}
	n := 0
	for _, m := range messages {
		if m.Time.Before(p.started.Add(-p.opts.LateAfter)) {
			n++
		}
	}
	return n
}
