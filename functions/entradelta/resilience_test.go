package entradelta_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// quickRetries is a client that gives up on a storm after two quick retries.
func quickRetries(t testing.TB, f *fixture) *graph.Client {
	t.Helper()
	c, err := graph.New(graph.Options{Endpoint: f.graph.URL(), Credential: staticToken{}, MaxRetries: 2,
		BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// freshRequests is how many requests a fresh full round of the tenant takes.
func freshRequests(t testing.TB, f *fixture) (map[string]object, int) {
	t.Helper()
	f.graph.ResetRequests()
	truth := f.truth(t)
	return truth, f.graph.Requests()
}

// stateHasProgress reports whether the state blob holds a saved position.
func stateHasProgress(t testing.TB, f *fixture) bool {
	t.Helper()
	data, _, err := f.account.ReadBlob(context.Background(), f.container, "state.json")
	if err != nil {
		return false
	}
	var st struct {
		Progress json.RawMessage `json:"progress"`
	}
	must(t, json.Unmarshal(data, &st))
	return len(st.Progress) > 0 && string(st.Progress) != "null"
}

// TestStormKeepsWhatWasRead: a 503 storm after half of a first full round
// outlasts the retries; the run fails saying what it kept, and the next
// run reads only the rest (at most 55% of a fresh round's requests) and
// writes the same full file a round read at once would.
func TestStormKeepsWhatWasRead(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	f.graph.Populate(graphtest.Bulk{Users: 4000, Groups: 200, Links: 20000})
	truth, fresh := freshRequests(t, f)
	f.graph.ResetRequests()
	f.graph.InjectFault(graphtest.Fault{Status: 503, After: fresh / 2, Times: 1 << 20})
	opts := f.options()
	opts.Graph = quickRetries(t, f)
	_, err := entradelta.Export(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "next run continues") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("the storm run: %v", err)
	}
	if len(files(t, f.dir)) != 0 || !stateHasProgress(t, f) {
		t.Fatalf("files %v, progress saved %v", files(t, f.dir), stateHasProgress(t, f))
	}
	f.graph.ClearFaults()
	f.graph.ResetRequests()
	res := f.export(t)
	if res.Kind != "full" || float64(f.graph.Requests()) > 0.55*float64(fresh) {
		t.Fatalf("next run: %+v after %d requests (a fresh round takes %d)", res, f.graph.Requests(), fresh)
	}
	sameObjects(t, imported(t, f.dir), truth)
}

// cancellingPager cancels the run's context after a number of pages, as
// a host shutting down (scale-in) would.
type cancellingPager struct {
	entradelta.Pager
	after  int64
	pages  atomic.Int64
	cancel context.CancelFunc
}

func (p *cancellingPager) Page(ctx context.Context, link string) (graph.Page, error) {
	page, err := p.Pager.Page(ctx, link)
	if p.pages.Add(1) == p.after {
		p.cancel()
	}
	return page, err
}

// TestCancelledRunKeepsWhatWasRead: the run's context ends mid-round; what
// was read is saved on a context of its own, and the next run continues.
func TestCancelledRunKeepsWhatWasRead(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	f.graph.Populate(graphtest.Bulk{Users: 4000, Groups: 200, Links: 20000})
	truth, fresh := freshRequests(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := f.options()
	opts.Graph = &cancellingPager{Pager: f.client, after: int64(fresh / 2), cancel: cancel}
	_, err := entradelta.Export(ctx, opts)
	if !errors.Is(err, context.Canceled) || !stateHasProgress(t, f) {
		t.Fatalf("the cancelled run: %v, progress saved %v", err, stateHasProgress(t, f))
	}
	f.graph.ResetRequests()
	if res := f.export(t); res.Kind != "full" || float64(f.graph.Requests()) > 0.6*float64(fresh) {
		t.Fatalf("next run: %+v after %d requests (a fresh round takes %d)", res, f.graph.Requests(), fresh)
	}
	sameObjects(t, imported(t, f.dir), truth)
}

// TestRefusedCredentialKeepsNothing: a 403 is not worth a saved part; the
// run fails naming it.
func TestRefusedCredentialKeepsNothing(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	seed(t, f)
	f.graph.InjectFault(graphtest.Fault{Resource: "groups", Status: 403, After: 1})
	_, err := entradelta.Export(context.Background(), f.options())
	if !errors.Is(err, graph.ErrUnauthorized) || stateHasProgress(t, f) {
		t.Fatalf("403: %v, progress saved %v", err, stateHasProgress(t, f))
	}
}

// TestUnselectablePropertyIsNamed: a property Graph answers 501 for fails
// the run naming it and its setting, whether the answer names it or not
// (then each selected property is asked for alone).
func TestUnselectablePropertyIsNamed(t *testing.T) {
	for _, named := range []bool{true, false} {
		f := newFixture(t, graphtest.Options{})
		seed(t, f)
		if !named {
			f.graph.InjectFault(graphtest.Fault{Resource: "users", Status: 501, Message: "Not implemented."})
		}
		opts := f.options()
		opts.UserAttributes = []string{"displayName", "skills", "mail"}
		_, err := entradelta.Export(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "EntraUserAttributes: Graph cannot track skills in a users delta query") {
			t.Errorf("named by the answer %v: %v", named, err)
		}
		if stateHasProgress(t, f) {
			t.Errorf("named by the answer %v: a position was saved", named)
		}
	}
}
