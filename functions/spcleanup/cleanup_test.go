package spcleanup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/functions/spcleanup"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

var (
	identity *identitytest.Server
	azurite  *azuritetest.Server // holds the cleanup slots
)

func TestMain(m *testing.M) {
	var err error
	if identity, err = identitytest.Start(identitytest.Options{}); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	azurite, err = azuritetest.Launch(ctx)
	cancel()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = identity.Close()
	_ = azurite.Close()
	os.Exit(code)
}

// site is a stand-in with Projects and two lists linked to it: Tasks
// (Project) and Documents (ParentItem).
type site struct {
	*sptest.Server
	env  settings.MapEnv
	logs *bytes.Buffer
	mu   *sync.Mutex
}

func newSite(t testing.TB, mode string) *site {
	t.Helper()
	t.Setenv("IDENTITY_ENDPOINT", identity.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", identity.IdentityHeader)
	srv, err := sptest.Start(sptest.Options{VerifyToken: identity.Verify})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.AddList("Projects")
	srv.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects", Indexed: true})
	srv.AddList("Documents", sptest.Field{InternalName: "ParentItem", Title: "Parent item", Type: "Lookup", LookupList: "Projects"})
	env := settings.MapEnv{"SPSiteUrl": srv.SiteURL(), "SPListTitle": "Projects", "SPCleanupTargets": "Tasks:Project;Documents:ParentItem", "SPCleanupMode": mode,
		"AzureWebJobsStorage": azurite.ConnectionString}
	return &site{Server: srv, env: env, logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
}

// link adds n items to list pointing at project through column.
func (s *site) link(t testing.TB, list, column string, project, n int) []int {
	t.Helper()
	ids, err := s.AddItems(list, n, func(int) map[string]int { return map[string]int{column: project} })
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// run invokes SharePointCleanup with message as the queue trigger's data.
func (s *site) run(t testing.TB, message string) error {
	t.Helper()
	return spcleanup.Declaration.Run(context.Background(), s.invocation(message))
}

// wantDiscarded fails unless err marks the message discarded: completed
// without retry, as the host is told success.
func wantDiscarded(t testing.TB, err error) {
	t.Helper()
	if _, ok := function.IsDiscarded(err); !ok {
		t.Fatalf("err = %v, want a discarded message (completes, no retry)", err)
	}
}

// invocation is a queue-triggered invocation carrying message.
func (s *site) invocation(message string) *function.Invocation {
	data, _ := json.Marshal(message)
	return &function.Invocation{ID: "test", Function: spcleanup.Declaration.Name, Env: s.env,
		Request: invoke.Request{Data: map[string]json.RawMessage{"message": data},
			Metadata: map[string]json.RawMessage{"DequeueCount": json.RawMessage(`"1"`)}},
		Log: slog.New(slog.NewTextHandler(lockedWriter{s.logs, s.mu}, nil)), Clock: time.Now}
}

func (s *site) message(itemID int) string {
	data, _ := json.Marshal(deleteditem.Message{V: 1, SiteURL: s.SiteURL(), ListID: s.ListID("Projects"),
		ListTitle: "Projects", ItemID: itemID, UniqueID: "b0c1d2e3-0000-4000-8000-000000000001",
		ChangeToken: "1;3;x;1;1", Time: time.Now().UTC()})
	return string(data)
}

type lockedWriter struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func idsOf(items []sptest.Item) map[int]bool {
	out := map[int]bool{}
	for _, item := range items {
		out[item.ID] = true
	}
	return out
}

func TestCleanupRemovesLinkedItemsInTwoLists(t *testing.T) {
	tests := []struct {
		mode       string
		recycleBin int
	}{{"recycle", 5}, {"delete", 0}, {"", 5}}
	for _, tt := range tests {
		t.Run("mode="+tt.mode, func(t *testing.T) {
			s := newSite(t, tt.mode)
			tasks := s.link(t, "Tasks", "Project", 7, 3)
			otherTasks := s.link(t, "Tasks", "Project", 8, 2)
			docs := s.link(t, "Documents", "ParentItem", 7, 2)
			if err := s.run(t, s.message(7)); err != nil {
				t.Fatal(err)
			}
			left := idsOf(s.Items("Tasks"))
			for _, id := range tasks {
				if left[id] {
					t.Fatalf("task %d still points at the deleted project", id)
				}
			}
			for _, id := range otherTasks {
				if !left[id] {
					t.Fatalf("task %d of another project was removed", id)
				}
			}
			if len(s.Items("Documents")) != 0 || len(docs) != 2 || len(s.RecycleBin()) != tt.recycleBin {
				t.Fatalf("documents left %d, recycle bin %d", len(s.Items("Documents")), len(s.RecycleBin()))
			}
		})
	}
}

func TestSameMessageTwiceLeavesTheSameLists(t *testing.T) {
	s := newSite(t, "recycle")
	s.link(t, "Tasks", "Project", 7, 3)
	s.link(t, "Tasks", "Project", 8, 2)
	for range 2 {
		if err := s.run(t, s.message(7)); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.Items("Tasks")) != 2 || len(s.RecycleBin()) != 3 {
		t.Fatalf("tasks left %d, recycle bin %d", len(s.Items("Tasks")), len(s.RecycleBin()))
	}
	if strings.Count(s.logs.String(), "removed=0") != 1 {
		t.Fatalf("the second run should remove nothing: %s", s.logs.String())
	}
}

func TestMalformedMessagesCompleteWithoutRetry(t *testing.T) {
	s := newSite(t, "recycle")
	s.link(t, "Tasks", "Project", 7, 1)
	other := strings.Replace(s.message(7), s.SiteURL(), "https://contoso.sharepoint.com/sites/other", 1)
	tests := map[string]string{
		"not JSON":                   "delete 7 please",
		"unknown version":            strings.Replace(s.message(7), `"v":1`, `"v":2`, 1),
		"missing itemId":             strings.Replace(s.message(7), `"itemId":7,`, ``, 1),
		"negative itemId":            strings.Replace(s.message(7), `"itemId":7`, `"itemId":-7`, 1),
		"another site":               other,
		"another list":               strings.Replace(s.message(7), `"listTitle":"Projects"`, `"listTitle":"Contracts"`, 1),
		"empty listTitle":            strings.Replace(s.message(7), `"listTitle":"Projects"`, `"listTitle":""`, 1),
		"no listTitle":               strings.Replace(s.message(7), `"listTitle":"Projects",`, ``, 1),
		"no listId":                  strings.Replace(s.message(7), `"listId":"`+s.ListID("Projects")+`",`, ``, 1),
		"hand-written, no listTitle": `{"v":1,"siteUrl":"` + s.SiteURL() + `","listId":"` + s.ListID("Projects") + `","itemId":7}`,
	}
	for name, message := range tests {
		t.Run(name, func(t *testing.T) {
			s.logs.Reset()
			s.ResetRequests()
			wantDiscarded(t, s.run(t, message))
			logged := s.logs.String()
			if !strings.Contains(logged, "malformed message") || !strings.Contains(logged, "level=ERROR") {
				t.Fatalf("not logged as malformed: %s", logged)
			}
			fragment := "siteUrl"
			if name == "not JSON" {
				fragment = "delete 7 please"
			}
			if !strings.Contains(logged, fragment) {
				t.Fatalf("message content not logged: %s", logged)
			}
			if s.RequestCount() != 0 || len(s.Items("Tasks")) != 1 {
				t.Fatalf("%d requests, %d tasks left", s.RequestCount(), len(s.Items("Tasks")))
			}
		})
	}
}

func TestTransientFailureFailsTheRun(t *testing.T) {
	s := newSite(t, "recycle")
	s.link(t, "Tasks", "Project", 7, 1)
	s.InjectFault(sptest.Fault{Status: 503, RetryAfter: "1", PathContains: "/items", Times: 6})
	if err := s.run(t, s.message(7)); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want the 503 so the host retries", err)
	}
	if err := s.run(t, s.message(7)); err != nil || len(s.Items("Tasks")) != 0 {
		t.Fatalf("retry: %v, %d tasks left", err, len(s.Items("Tasks")))
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	s := newSite(t, "shred")
	s.env["SPCleanupTargets"] = "Tasks"
	err := s.run(t, s.message(7))
	if err == nil || !strings.Contains(err.Error(), "SPCleanupTargets") || !strings.Contains(err.Error(), "SPCleanupMode") {
		t.Fatalf("err = %v, want both settings named", err)
	}
}

func TestParseTargets(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"Tasks:Project;Documents:ParentItem", "[Tasks:Project Documents:ParentItem]", true},
		{" Tasks : Project ; ", "[Tasks:Project]", true},
		{"Ops: Q1:Project", "[Ops: Q1:Project]", true},
		{"Tasks", "", false},
		{"Tasks:", "", false},
		{";", "", false},
	}
	for _, tt := range tests {
		got, err := spcleanup.ParseTargets(tt.in)
		if (err == nil) != tt.ok {
			t.Fatalf("%q: err = %v", tt.in, err)
		}
		if tt.ok {
			var names []string
			for _, target := range got {
				names = append(names, target.String())
			}
			if "["+strings.Join(names, " ")+"]" != tt.want {
				t.Fatalf("%q = %v, want %s", tt.in, names, tt.want)
			}
		}
	}
}

func TestCheckReadsTargetsAndLookupColumns(t *testing.T) {
	s := newSite(t, "recycle")
	inv := &function.Invocation{Env: s.env, Log: slog.New(slog.DiscardHandler), Clock: time.Now}
	rows := spcleanup.Declaration.Check(context.Background(), inv)
	if len(rows) != 2 || !rows[0].OK || !rows[1].OK {
		t.Fatalf("check = %+v", rows)
	}
	s.AddList("Contracts")
	s.AddList("Invoices", sptest.Field{InternalName: "Contract", Type: "Lookup", LookupList: "Contracts"})
	s.env["SPCleanupTargets"] = "Tasks:Title;Nope:Project;Documents:Parent item;Invoices:Contract"
	rows = spcleanup.Declaration.Check(context.Background(), inv)
	wants := []string{"want a single-value Lookup", "does not exist", "internal name ParentItem", "not at SPListTitle"}
	if len(rows) != len(wants) {
		t.Fatalf("check = %+v", rows)
	}
	for i, want := range wants {
		if rows[i].OK || !strings.Contains(rows[i].Why, want) {
			t.Fatalf("row %d = %+v, want %q", i, rows[i], want)
		}
	}
}

// TestLongThrottleDefersTheMessage: SharePoint answers 429 with a
// Retry-After longer than the run can wait; the run asks for the message to
// be deferred by that much (the handler then puts it back without counting
// a try) instead of failing, and the next run does the cleanup.
func TestLongThrottleDefersTheMessage(t *testing.T) {
	for _, fault := range []sptest.Fault{
		{Status: 429, RetryAfter: "3600", PathContains: "/items"},
		{Status: 503, RetryAfter: "7200", PathContains: "/_api/$batch"},
		{Status: 429, RetryAfter: "5400", PathContains: "/recycle"},
	} {
		t.Run(fault.PathContains, func(t *testing.T) {
			s := newSite(t, "recycle")
			s.link(t, "Tasks", "Project", 7, 2)
			s.InjectFault(fault)
			err := s.run(t, s.message(7))
			d, ok := function.IsDeferred(err)
			want, _ := time.ParseDuration(fault.RetryAfter + "s")
			if !ok || d.After != want {
				t.Fatalf("err = %v, want the message deferred by %s", err, want)
			}
			if err := s.run(t, s.message(7)); err != nil || len(s.Items("Tasks")) != 0 {
				t.Fatalf("next run: %v, %d tasks left", err, len(s.Items("Tasks")))
			}
		})
	}
}

// TestCleanupsOfOneSiteAreCapped: with every slot of the site held (by
// cleanups on other instances), a cleanup waits on the queue, costing no
// try; once a slot is free it runs.
func TestCleanupsOfOneSiteAreCapped(t *testing.T) {
	s := newSite(t, "recycle")
	s.env["SPCleanupConcurrency"] = "2"
	s.link(t, "Tasks", "Project", 7, 1)
	ctx := context.Background()
	var held []*storage.Slot
	for range 2 {
		slot, err := azurite.Account.TakeSlot(ctx, "sp-changelog", "cleanup-slots/"+siteKey(s.SiteURL()), 2)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, slot)
	}
	err := s.run(t, s.message(7))
	if d, ok := function.IsDeferred(err); !ok || d.After < 20*time.Second || d.After > 40*time.Second {
		t.Fatalf("err = %v, want the message deferred about 30 s while 2 of 2 slots are held", err)
	}
	if len(s.Items("Tasks")) != 1 {
		t.Fatal("a cleanup ran without a slot")
	}
	if err := held[0].Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.run(t, s.message(7)); err != nil || len(s.Items("Tasks")) != 0 {
		t.Fatalf("with a slot free: %v, %d tasks left", err, len(s.Items("Tasks")))
	}
	_ = held[1].Release(ctx)
}

// siteKey is how the cleanup names a site's slots.
func siteKey(siteURL string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(siteURL)))
	return hex.EncodeToString(sum[:12])
}
