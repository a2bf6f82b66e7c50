package spchangepoll

import (
	"context"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
)

// pages fetches the change log page by page from the saved token until a
// page is empty: enqueue the page's deletes, then save the page's last
// token with If-Match on the ETag read.
func (p *poller) pages(ctx context.Context, st state, etag azcore.ETag) (Result, error) {
	res := Result{Token: st.ChangeToken}
	deadline := p.opts.Now().Add(p.opts.PageBudget)
	for page := 1; ; page++ {
		if p.opts.Now().After(deadline) {
			p.opts.Log.Warn("sharepoint change poll: page budget spent; the next run continues from the saved token",
				"list", p.opts.ListTitle, "pages", res.Pages)
			res.OutOfTime = true
			return res, nil
		}
		changes, err := p.fetch(ctx, res.Token)
		if err != nil {
			return res, err
		}
		if err := p.checkpoint(Checkpoint{Step: StepPageFetched, Page: page}); err != nil {
			return res, err
		}
		if len(changes) == 0 {
			break
		}
		if etag, err = p.handlePage(ctx, page, changes, etag, &res); err != nil || res.LostRace {
			return res, err
		}
	}
	if res.Pages == 0 {
		var err error
		if res, err = p.refreshIdle(ctx, res, etag); err != nil || res.LostRace {
			return res, err
		}
	}
	p.opts.Log.Info("sharepoint change poll: done", "list", p.opts.ListTitle, "pages", res.Pages,
		"deletes", res.Deletes, "changeToken", res.Token)
	return res, nil
}

func (p *poller) fetch(ctx context.Context, token string) ([]sharepoint.Change, error) {
	changes, err := p.opts.Client.GetChanges(ctx, p.list,
		sharepoint.ChangeQuery{Start: token, FetchLimit: p.opts.FetchLimit, DeleteObject: true})
	if errors.Is(err, sharepoint.ErrStaleToken) {
		return nil, p.stale(state{ChangeToken: token}, err)
	}
	return changes, err
}

// handlePage enqueues one message per deleted item, then saves the token of
// the page's last change.
func (p *poller) handlePage(ctx context.Context, page int, changes []sharepoint.Change, etag azcore.ETag, res *Result) (azcore.ETag, error) {
	messages := p.messages(changes)
	if err := p.enqueueAll(ctx, page, messages); err != nil {
		return etag, err
	}
	if err := p.checkpoint(Checkpoint{Step: StepBeforeTokenWrite, Page: page, Enqueued: len(messages)}); err != nil {
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
	res.Token = next
	return newETag, nil
}

func (p *poller) messages(changes []sharepoint.Change) []sharepoint.DeletedItem {
	out := make([]sharepoint.DeletedItem, 0, len(changes))
	for _, c := range changes {
		if c.ChangeType != sharepoint.ChangeDeleteObject || c.ItemID <= 0 {
			continue
		}
		out = append(out, sharepoint.DeletedItem{V: sharepoint.MessageVersion, SiteURL: p.opts.Client.SiteURL(),
			ListID: c.ListID, ListTitle: p.opts.ListTitle, ItemID: c.ItemID, UniqueID: c.UniqueID,
			ChangeToken: c.ChangeToken, Time: c.Time.UTC()})
	}
	return out
}

// refreshIdle moves the token of a list without deletes to the current
// token once it is RefreshAfter old, so it never ages out of the change log.
// The current token is read first, then the log is checked still empty:
// no delete can fall between the two.
func (p *poller) refreshIdle(ctx context.Context, res Result, etag azcore.ETag) (Result, error) {
	token, err := sharepoint.ParseChangeToken(res.Token)
	if err != nil || p.opts.Now().Sub(token.Time) < p.opts.RefreshAfter {
		return res, nil
	}
	current, err := p.opts.Client.CurrentChangeToken(ctx, p.list)
	if err != nil {
		return res, err
	}
	changes, err := p.fetch(ctx, res.Token)
	if err != nil || len(changes) > 0 {
		return res, err
	}
	if _, err := p.store.write(ctx, p.state(current), etag); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return p.lostRace(res), nil
		}
		return res, err
	}
	p.opts.Log.Info("sharepoint change poll: no deletes; moved the idle token to the current one",
		"list", p.opts.ListTitle, "changeToken", current)
	res.Token, res.Refreshed = current, true
	return res, nil
}
