package entradelta_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// tenant is what seed made.
type tenant struct {
	users               []string
	small, big, nested  string
	device, servicePrin string
}

// seed fills the stand-in: 700 users, a small group with a device and a
// service principal among its members, a big group of every user (its
// members span several pages), and a group whose member is a group.
func seed(t testing.TB, f *fixture) tenant {
	t.Helper()
	var tn tenant
	for i := range 700 {
		tn.users = append(tn.users, f.graph.AddUser(map[string]any{"displayName": fmt.Sprintf("User %d", i),
			"mail": fmt.Sprintf("u%d@contoso.example", i), "accountEnabled": i%7 != 0, "jobTitle": "not selected"}))
	}
	tn.device = f.graph.AddObject(graphtest.KindDevice, "", map[string]any{"displayName": "laptop"})
	tn.servicePrin = f.graph.AddObject(graphtest.KindServicePrincipal, "", map[string]any{"displayName": "app"})
	tn.small = f.graph.AddGroup(map[string]any{"displayName": "Small", "description": "five users"})
	tn.big = f.graph.AddGroup(map[string]any{"displayName": "Everyone", "description": nil})
	tn.nested = f.graph.AddGroup(map[string]any{"displayName": "Nested"})
	must(t, f.graph.AddMember(tn.small, tn.device))
	must(t, f.graph.AddMember(tn.small, tn.servicePrin))
	for i, u := range tn.users {
		if i < 5 {
			must(t, f.graph.AddMember(tn.small, u))
		}
		must(t, f.graph.AddMember(tn.big, u))
	}
	must(t, f.graph.AddMember(tn.nested, tn.small))
	return tn
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFirstRunWritesAFullFile(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	res := f.export(t)
	if res.Kind != "full" || res.File != "000000000001-full.jsonl" || res.Seq != 1 {
		t.Fatalf("result %+v", res)
	}
	h, objs := readFile(t, f.dir, res.File)
	if h.Seq != 1 || h.Previous != 0 || h.Kind != "full" || h.Objects != 703 {
		t.Fatalf("header %+v", h)
	}
	if _, err := time.Parse(time.RFC3339, h.Created); err != nil {
		t.Errorf("created %q: %v", h.Created, err)
	}
	m := byID(objs)
	small := m[tn.small]
	want := slices.Clone(tn.users[:5])
	slices.Sort(want)
	if small.ObjectClass != "group" || small.ChangeType != "upsert" || !slices.Equal(small.Members, want) {
		t.Errorf("small group: %+v, want members %v (users only, no device or service principal)", small, want)
	}
	if got := m[tn.big]; len(got.Members) != 700 || got.Attributes["description"] != nil {
		t.Errorf("big group: %d members, attributes %v (a null attribute must be omitted)", len(got.Members), got.Attributes)
	}
	if got := m[tn.nested].Members; !slices.Equal(got, []string{tn.small}) {
		t.Errorf("nested group members %v, want the small group", got)
	}
	u := m[tn.users[1]]
	if u.ObjectClass != "user" || u.Attributes["displayName"] != "User 1" || u.Attributes["accountEnabled"] != true ||
		u.Attributes["jobTitle"] != nil || u.Members != nil {
		t.Errorf("user line %+v", u)
	}
	if !strings.Contains(f.logs.String(), "Full Import") {
		t.Errorf("no log line telling the operator to run a Full Import:\n%s", f.logs.String())
	}
}

func TestDeltaRoundWritesChangedObjectsWhole(t *testing.T) {
	f := newFixture(t, graphtest.Options{RepeatUsersEvery: 50})
	tn := seed(t, f)
	f.export(t)
	added := f.graph.AddUser(map[string]any{"displayName": "New", "mail": "new@contoso.example", "accountEnabled": true})
	must(t, f.graph.AddMember(tn.big, added))           // a group whose members span pages
	must(t, f.graph.RemoveMember(tn.big, tn.users[10])) // a removed membership
	must(t, f.graph.SoftDeleteUser(tn.users[20]))       // soft delete
	must(t, f.graph.HardDeleteUser(tn.users[30]))       // hard delete
	must(t, f.graph.UpdateUser(tn.users[40], map[string]any{"mail": nil, "displayName": "Renamed"}))
	must(t, f.graph.UpdateUser(tn.users[41], map[string]any{"jobTitle": "outside the selection"}))
	must(t, f.graph.AddMember(tn.small, f.graph.AddObject(graphtest.KindOrgContact, "", nil)))
	res := f.export(t)
	if res.Kind != "delta" || res.File != "000000000002-delta.jsonl" {
		t.Fatalf("result %+v", res)
	}
	h, objs := readFile(t, f.dir, res.File)
	if h.Previous != 1 || h.Seq != 2 {
		t.Fatalf("header %+v", h)
	}
	m := byID(objs)
	if o := m[added]; o.ChangeType != "upsert" || o.Attributes["displayName"] != "New" {
		t.Errorf("added user: %+v", o)
	}
	big := m[tn.big]
	// 700 + the new user - the removed membership - the two deleted users (Graph ends their memberships)
	if len(big.Members) != 698 || !slices.Contains(big.Members, added) || slices.Contains(big.Members, tn.users[10]) ||
		slices.Contains(big.Members, tn.users[20]) || slices.Contains(big.Members, tn.users[30]) {
		t.Errorf("big group: %d members; want the complete list with the new user, without the removed and deleted ones", len(big.Members))
	}
	for _, id := range []string{tn.users[20], tn.users[30]} {
		if o := m[id]; o.ChangeType != "delete" || o.ObjectClass != "user" {
			t.Errorf("deleted user %s: %+v", id, o)
		}
	}
	if o := m[tn.users[40]]; o.Attributes["displayName"] != "Renamed" || o.Attributes["mail"] != nil || o.Attributes["accountEnabled"] == nil {
		t.Errorf("updated user must come whole, cleared attribute omitted: %+v", o)
	}
	if _, ok := m[tn.users[41]]; ok {
		t.Errorf("a change outside the selection surfaced")
	}
	if _, ok := m[tn.small]; ok {
		t.Errorf("the small group changed only by an org contact member, which is left out: %+v", m[tn.small])
	}
	sameObjects(t, imported(t, f.dir), f.truth(t))
}

func TestRoundWithoutChangesWritesNothing(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	seed(t, f)
	f.export(t)
	f.graph.ResetRequests()
	res := f.export(t)
	if res.Kind != "" || res.File != "" {
		t.Fatalf("a round without changes wrote %+v", res)
	}
	if got := f.graph.Requests(); got != 2 {
		t.Errorf("%d requests, want one per stream", got)
	}
	if got := files(t, f.dir); len(got) != 1 {
		t.Errorf("files %v", got)
	}
}

// TestExpiredTokenStartsAFullRound: 410 and every 400 that names the sync
// state or the delta link's age start a full round with reason resync,
// said in the log and the run's figures.
func TestExpiredTokenStartsAFullRound(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		code, message string
	}{
		{"syncStateNotFound", 400, "", ""},
		{"syncStateInvalid", 400, "syncStateInvalid", "The sync state is invalid."},
		{"DeltaLink older than 30 days", 400, "BadRequest", "DeltaLink older than 30 days is not supported"},
		{"410", 410, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, graphtest.Options{})
			tn := seed(t, f)
			f.export(t)
			must(t, f.graph.UpdateUser(tn.users[0], map[string]any{"displayName": "Changed"}))
			f.graph.ExpireTokensAs(tt.status, tt.code, tt.message)
			figures := map[string]any{}
			res := f.export(t, func(o *entradelta.Options) { o.Figure = func(k string, v any) { figures[k] = v } })
			if res.Kind != "full" || res.Seq != 2 || res.Reason != "resync" || figures["reason"] != "resync" {
				t.Fatalf("result %+v, figures %v", res, figures)
			}
			h, _ := readFile(t, f.dir, res.File)
			if h.Previous != 1 || h.Kind != "full" {
				t.Errorf("header %+v", h)
			}
			if logs := f.logs.String(); !strings.Contains(logs, "Full Import") || !strings.Contains(logs, "RESYNC") {
				t.Errorf("no operator line:\n%s", logs)
			}
			sameObjects(t, imported(t, f.dir), f.truth(t))
			// the next round is a delta again
			must(t, f.graph.UpdateUser(tn.users[1], map[string]any{"displayName": "Again"}))
			if res := f.export(t); res.Kind != "delta" || res.Seq != 3 {
				t.Fatalf("after the full round: %+v", res)
			}
		})
	}
}

// TestOtherClientErrorsFail: a 4xx that is not about the sync state fails
// the run clearly, starts no full round and keeps the links.
func TestOtherClientErrorsFail(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	f.export(t)
	must(t, f.graph.UpdateUser(tn.users[0], map[string]any{"displayName": "Changed"}))
	f.graph.InjectFault(graphtest.Fault{Resource: "users", Status: 400, Code: "Request_BadRequest", Message: "Invalid request."})
	_, err := entradelta.Export(context.Background(), f.options())
	if err == nil || !strings.Contains(err.Error(), "Request_BadRequest") || len(files(t, f.dir)) != 1 {
		t.Fatalf("a 400 that is not a resync: %v, files %v", err, files(t, f.dir))
	}
	if res := f.export(t); res.Kind != "delta" || res.Stats.Users != 1 {
		t.Fatalf("the next run: %+v", res)
	}
}

func TestRequestedFullRound(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	seed(t, f)
	f.export(t)
	res := f.export(t, func(o *entradelta.Options) { o.Full = true })
	if res.Kind != "full" || res.Seq != 2 || res.Reason != "requested" {
		t.Fatalf("result %+v", res)
	}
	if got := files(t, f.dir); len(got) != 2 {
		t.Errorf("files %v", got)
	}
}

// TestCrashAtEachStep stops a delta round at each step of its commit, as a
// crash would, changes the tenant again, and runs again: nothing is lost,
// no delivered file changes, the chain has no gap, and the import equals a
// fresh full round.
func TestCrashAtEachStep(t *testing.T) {
	steps := []entradelta.Step{entradelta.StepRead, entradelta.StepStaged, entradelta.StepDelivered,
		entradelta.StepReplica, entradelta.StepCommitted}
	for _, step := range steps {
		for _, full := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s full=%v", step, full), func(t *testing.T) {
				f := newFixture(t, graphtest.Options{})
				tn := seed(t, f)
				f.export(t)
				must(t, f.graph.AddMember(tn.small, tn.users[100]))
				must(t, f.graph.SoftDeleteUser(tn.users[3]))
				crash := errors.New("crash")
				opts := f.options()
				opts.Full = full
				opts.Hook = func(s entradelta.Step) error {
					if s == step {
						return crash
					}
					return nil
				}
				if _, err := entradelta.Export(context.Background(), opts); !errors.Is(err, crash) {
					t.Fatalf("crash run: %v", err)
				}
				before := fileHashes(t, f.dir)
				must(t, f.graph.UpdateGroup(tn.nested, map[string]any{"description": "after the crash"}))
				f.export(t)
				unchanged(t, f.dir, before)
				sameObjects(t, imported(t, f.dir), f.truth(t))
				if res := f.export(t); res.File != "" {
					t.Errorf("a further round wrote %s", res.File)
				}
			})
		}
	}
}

// TestOverlappingRuns lets a second run do a whole round while the first
// waits after reading: only one advances, the loser delivers nothing.
func TestOverlappingRuns(t *testing.T) {
	for _, step := range []entradelta.Step{entradelta.StepRead, entradelta.StepStaged} {
		t.Run(string(step), func(t *testing.T) {
			f := newFixture(t, graphtest.Options{})
			tn := seed(t, f)
			f.export(t)
			must(t, f.graph.UpdateUser(tn.users[5], map[string]any{"displayName": "Five"}))
			paused, resume := make(chan struct{}), make(chan struct{})
			var once sync.Once
			first := f.options()
			first.Hook = func(s entradelta.Step) error {
				if s == step {
					once.Do(func() { close(paused); <-resume })
				}
				return nil
			}
			var firstErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, firstErr = entradelta.Export(context.Background(), first)
			}()
			<-paused
			must(t, f.graph.UpdateUser(tn.users[6], map[string]any{"displayName": "Six"}))
			f.export(t)
			before := fileHashes(t, f.dir)
			close(resume)
			<-done
			if firstErr == nil || !strings.Contains(firstErr.Error(), "another run") {
				t.Errorf("the overlapping run: %v, want it to lose cleanly", firstErr)
			}
			unchanged(t, f.dir, before)
			if got := len(files(t, f.dir)); got > 3 {
				t.Errorf("%d files: %v", got, files(t, f.dir))
			}
			sameObjects(t, imported(t, f.dir), f.truth(t))
		})
	}
}

// TestOutOfBudgetContinuesNextRun gives each run a budget too short for a
// round: runs save their part and the position, the last one writes a
// full file equal to a round read at once.
func TestOutOfBudgetContinuesNextRun(t *testing.T) {
	f := newFixture(t, graphtest.Options{Latency: 30 * time.Millisecond})
	seed(t, f)
	runs := 0
	var res entradelta.Result
	for runs = 1; runs < 50; runs++ {
		res = f.export(t, func(o *entradelta.Options) { o.ReadBudget = 50 * time.Millisecond })
		if !res.OutOfBudget {
			break
		}
		if len(files(t, f.dir)) != 0 {
			t.Fatal("a file before the round was read whole")
		}
	}
	if runs < 2 || res.Kind != "full" {
		t.Fatalf("after %d runs: %+v", runs, res)
	}
	f.graph.SetLatency(0)
	sameObjects(t, imported(t, f.dir), f.truth(t))
}

// TestThrottlingBeyondTheBudget: a Retry-After longer than the run budget
// saves the position instead of failing.
func TestThrottlingBeyondTheBudget(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	f.export(t)
	must(t, f.graph.UpdateUser(tn.users[0], map[string]any{"displayName": "Throttled"}))
	f.graph.InjectFault(graphtest.Fault{Resource: "users", Status: 429, RetryAfter: "3600"})
	res := f.export(t)
	if !res.OutOfBudget || res.File != "" {
		t.Fatalf("result %+v", res)
	}
	res = f.export(t)
	if res.Kind != "delta" || res.Stats.Users != 1 {
		t.Fatalf("next run %+v", res)
	}
}

func TestRetentionKeepsTheNewestFullAndAfter(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	f.export(t) // 1 full
	for i := range 3 {
		must(t, f.graph.UpdateUser(tn.users[i], map[string]any{"displayName": fmt.Sprint("v", i)}))
		f.export(t) // 2, 3, 4 delta
	}
	f.export(t, func(o *entradelta.Options) { o.Full = true }) // 5 full
	must(t, f.graph.UpdateUser(tn.users[9], map[string]any{"displayName": "v9"}))
	f.export(t) // 6 delta
	old := time.Now().Add(-30 * 24 * time.Hour)
	for _, n := range files(t, f.dir) {
		must(t, os.Chtimes(filepath.Join(f.dir, n), old, old))
	}
	must(t, os.WriteFile(filepath.Join(f.dir, "notes.txt"), []byte("keep"), 0o644))
	must(t, os.Chtimes(filepath.Join(f.dir, "notes.txt"), old, old))
	must(t, f.graph.UpdateUser(tn.users[8], map[string]any{"displayName": "v8"}))
	res := f.export(t) // 7 delta, then prune
	if res.Pruned != 4 {
		t.Errorf("pruned %d, want 4", res.Pruned)
	}
	want := []string{"000000000005-full.jsonl", "000000000006-delta.jsonl", "000000000007-delta.jsonl"}
	if got := files(t, f.dir); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "notes.txt")); err != nil {
		t.Errorf("a file that is not a change file was touched: %v", err)
	}
}

// TestRemovedObjectsInAFullRound: Graph may list soft-deleted objects with
// @removed even in a round without a delta token; a full file leaves them
// out, and a restored user comes back whole.
func TestRemovedObjectsInAFullRound(t *testing.T) {
	f := newFixture(t, graphtest.Options{RemovedInFullRound: true})
	tn := seed(t, f)
	must(t, f.graph.SoftDeleteUser(tn.users[1]))
	res := f.export(t)
	_, objs := readFile(t, f.dir, res.File)
	if _, ok := byID(objs)[tn.users[1]]; ok || res.Objects != 702 {
		t.Fatalf("a soft-deleted user in the full file (%d objects)", res.Objects)
	}
	must(t, f.graph.RestoreUser(tn.users[1]))
	res = f.export(t)
	_, objs = readFile(t, f.dir, res.File)
	if o := byID(objs)[tn.users[1]]; o.ChangeType != "upsert" || o.Attributes["displayName"] != "User 1" || o.Attributes["mail"] == nil {
		t.Errorf("the restored user: %+v", o)
	}
	sameObjects(t, imported(t, f.dir), f.truth(t))
}

// TestStagedCopyLost: when the staged copy of a pending file is gone, the
// next run starts a full round after the pending seq instead of failing
// for ever.
func TestStagedCopyLost(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	f.export(t)
	must(t, f.graph.UpdateUser(tn.users[2], map[string]any{"displayName": "Lost"}))
	opts := f.options()
	opts.Hook = func(s entradelta.Step) error {
		if s == entradelta.StepStaged {
			return errors.New("crash")
		}
		return nil
	}
	if _, err := entradelta.Export(context.Background(), opts); err == nil {
		t.Fatal("no crash")
	}
	cc := f.account.Blob.ServiceClient().NewContainerClient(f.container)
	prefix := "pending/"
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		must(t, err)
		for _, b := range page.Segment.BlobItems {
			_, err := cc.NewBlobClient(*b.Name).Delete(context.Background(), nil)
			must(t, err)
		}
	}
	res := f.export(t)
	if res.Kind != "full" || res.Seq != 3 {
		t.Fatalf("after losing the staged copy: %+v", res)
	}
	sameObjects(t, imported(t, f.dir), f.truth(t))
}
