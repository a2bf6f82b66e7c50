package entradelta

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/settings"
)

// errOutOfBudget ends reading when the run budget is spent.
var errOutOfBudget = errors.New("entra delta export: out of run budget")

var randRead = rand.Read

// read reads both streams of pr, side by side, from where pr stands until
// both reach their deltaLinks, and returns this run's part of the round.
// Each stream merges into a round of its own (one writer per map), joined
// when both stop. pr's links move with every page merged, so when reading
// stops early (errOutOfBudget, or an error that keepsProgress) pr and the
// part returned are what the next run continues from.
func (x *exporter) read(ctx context.Context, pr *progress) (*round, error) {
	readCtx, cancel := context.WithDeadline(ctx, x.deadline)
	defer cancel()
	stop, stopAll := context.WithCancel(readCtx)
	defer stopAll()
	streams := []struct {
		class string
		at    *stream
	}{{classUser, &pr.Users}, {classGroup, &pr.Groups}}
	parts := []*round{newRound(), newRound()}
	errs := make([]error, len(streams))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error // the error that stopped the other stream
	)
	for i, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = x.readStream(stop, readCtx, s.class, s.at, parts[i])
			if errs[i] != nil && !errors.Is(errs[i], errOutOfBudget) {
				once.Do(func() { first = errs[i]; stopAll() })
			}
		}()
	}
	wg.Wait()
	acc := &round{users: parts[0].users, groups: parts[1].groups, members: parts[1].members}
	return acc, firstError(ctx, first, errs)
}

// firstError picks what ends a read: the error that stopped the other
// stream (unless it is only the run's own cancellation), the run's
// cancellation, then the budget.
func firstError(ctx context.Context, first error, errs []error) error {
	if first != nil && !errors.Is(first, context.Canceled) {
		return first
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("entra delta export: reading stopped: %w", err)
	}
	for _, err := range errs {
		if err != nil {
			return errOutOfBudget
		}
	}
	return nil
}

// keepsProgress reports a read error after which what was read is saved
// for the next run: anything but a resync (the position is void) and a
// refused credential (nothing more will be read until it is fixed).
func keepsProgress(err error) bool {
	return err != nil && !errors.Is(err, graph.ErrResync) && !errors.Is(err, graph.ErrUnauthorized) &&
		!errors.Is(err, graph.ErrUnselectable)
}

// readStream follows one stream's links to its deltaLink. budget is the
// read deadline alone, to tell running out of time from being stopped.
func (x *exporter) readStream(ctx, budget context.Context, class string, at *stream, acc *round) error {
	for !at.Done {
		if budget.Err() != nil {
			return errOutOfBudget
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		page, err := x.opts.Graph.Page(ctx, at.Link)
		if err != nil {
			if errors.Is(err, graph.ErrOutOfBudget) || budget.Err() != nil {
				return errOutOfBudget
			}
			if errors.Is(err, graph.ErrUnselectable) {
				return x.unselectable(ctx, class, err)
			}
			return fmt.Errorf("entra delta export: %s delta: %w", class+"s", err)
		}
		x.requests.Add(1)
		if err := acc.addPage(class, page.Objects); err != nil {
			return err
		}
		switch {
		case page.DeltaLink != "":
			at.Link, at.Done = page.DeltaLink, true
		case page.NextLink != "":
			at.Link = page.NextLink
		default:
			return fmt.Errorf("entra delta export: %s delta: a page with neither a nextLink nor a deltaLink", class+"s")
		}
	}
	return nil
}

// maxProbes bounds the requests spent finding an unselectable property
// that Graph's answer did not name.
const maxProbes = 60

// unselectable names the property Graph cannot track in a delta query
// (answer 501, or a 400 saying so) and the setting that selects it: from
// the answer, or else by asking for each selected property alone.
func (x *exporter) unselectable(ctx context.Context, class string, cause error) error {
	resource, setting, selected := "users", settings.EntraUserAttributes.Name, x.opts.UserAttributes
	if class == classGroup {
		resource, setting, selected = "groups", settings.EntraGroupAttributes.Name, x.opts.GroupAttributes
	}
	names := graph.UnselectableProperties(cause)
	for i := 0; len(names) == 0 && i < len(selected) && i < maxProbes; i++ {
		_, err := x.opts.Graph.Page(ctx, x.opts.Graph.LatestURL(resource, selected[i:i+1]))
		if errors.Is(err, graph.ErrUnselectable) {
			names = append(names, selected[i])
		}
	}
	what := "a selected property"
	if len(names) > 0 {
		what = strings.Join(names, ", ")
	}
	return fmt.Errorf("entra delta export: %s: Graph cannot track %s in a %s delta query; remove it from %s: %w",
		setting, what, resource, setting, cause)
}

// partLine is one object of a saved part.
type partLine struct {
	Class string `json:"c"`
	ID    string `json:"id"`
	Entry *entry `json:"e"`
}

// saveProgress keeps what a run read before it stopped (cause nil: the
// budget was spent): its part of the round as one more staged blob, and
// the streams' positions in the state.
func (x *exporter) saveProgress(ctx context.Context, st *state, etag azcore.ETag, pr *progress, acc *round, res Result, cause error) (Result, error) {
	var b [6]byte
	_, _ = randRead(b[:])
	name := fmt.Sprintf("staging/%s/%04d-%s.json", pr.ID, len(pr.Parts), hex.EncodeToString(b[:]))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, class := range []string{classUser, classGroup} {
		for id, e := range acc.of(class) {
			if err := enc.Encode(partLine{Class: class, ID: id, Entry: e}); err != nil {
				return res, fmt.Errorf("entra delta export: staging: %w", err)
			}
		}
	}
	if _, err := x.opts.Storage.WriteBlob(ctx, x.opts.Container, name, buf.Bytes(), ""); err != nil {
		return res, fmt.Errorf("entra delta export: staging: %w", err)
	}
	pr.Parts = append(pr.Parts, name)
	st.Progress = pr
	if _, err := x.store.write(ctx, st, etag, x.opts.Now()); err != nil {
		return res, err
	}
	res.OutOfBudget = cause == nil
	x.opts.Figure("kind", pr.Kind+" (continues next run)")
	x.opts.Figure("objectsChanged", 0)
	why := "run budget spent while reading"
	if cause != nil {
		why = "reading stopped (" + shortText(cause.Error(), 300) + ")"
	}
	x.opts.Log.Warn("entra delta export: "+why+"; what was read is saved and the next run continues",
		"round", pr.Kind, "parts", len(pr.Parts), "usersDone", pr.Users.Done, "groupsDone", pr.Groups.Done,
		"objectsSoFar", acc.len())
	return res, x.hook(StepProgress)
}

// loadParts merges the parts earlier runs saved for pr, in order.
func (x *exporter) loadParts(ctx context.Context, pr *progress) (*round, error) {
	acc := newRound()
	for _, name := range pr.Parts {
		data, _, err := x.opts.Storage.ReadBlob(ctx, x.opts.Container, name)
		if err != nil {
			return nil, fmt.Errorf("entra delta export: staged part %s: %w", name, err)
		}
		part := newRound()
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 1<<20), maxLine)
		for sc.Scan() {
			var l partLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Entry == nil {
				return nil, fmt.Errorf("entra delta export: staged part %s: bad line", name)
			}
			part.of(l.Class)[l.ID] = l.Entry
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("entra delta export: staged part %s: %w", name, err)
		}
		if err := acc.absorb(part); err != nil {
			return nil, err
		}
	}
	return acc, nil
}
