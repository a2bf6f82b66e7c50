package sharepoint_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// linked makes a Tasks list whose Project lookup points at Projects items.
func linked(t *testing.T, site *sptest.Server, title string, indexed bool, n int, projectOf func(i int) int) []int {
	t.Helper()
	if site.ListID("Projects") == "" {
		site.AddList("Projects")
	}
	site.AddList(title, sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects", Indexed: indexed})
	return mustAdd(t, site, title, n, func(i int) map[string]int { return map[string]int{"Project": projectOf(i)} })
}

func TestFindByLookupFollowsNextLinks(t *testing.T) {
	site, client := newSite(t)
	linked(t, site, "Tasks", true, 12_000, func(i int) int { return 1 + i%2 })
	ids, err := client.FindByLookup(context.Background(), sharepoint.ListByTitle("Tasks"), "Project", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 6000 || ids[0] != 2 || ids[len(ids)-1] != 12_000 {
		t.Fatalf("found %d items (%v…%v), want the 6000 even ids", len(ids), ids[0], ids[len(ids)-1])
	}
}

func TestFindByLookupNeedsAnIndexAboveTheThreshold(t *testing.T) {
	site, client := newSite(t)
	linked(t, site, "Tasks", false, 5001, func(int) int { return 1 })
	site.ResetRequests()
	_, err := client.FindByLookup(context.Background(), sharepoint.ListByTitle("Tasks"), "Project", 1)
	if err == nil || !strings.Contains(err.Error(), "list view threshold") {
		t.Fatalf("err = %v, want the list view threshold error", err)
	}
	if n := site.RequestCount(); n != 1 {
		t.Fatalf("%d requests, want 1: the threshold error is not worth retrying", n)
	}
}

func TestLookupField(t *testing.T) {
	site, client := newSite(t)
	linked(t, site, "Tasks", false, 0, nil)
	ctx := context.Background()
	tasks := sharepoint.ListByTitle("Tasks")
	if f, err := client.LookupField(ctx, tasks, "Project"); err != nil || f.InternalName != "Project" {
		t.Fatalf("LookupField = %+v, %v", f, err)
	}
	if _, err := client.LookupField(ctx, tasks, "Title"); !errors.Is(err, sharepoint.ErrNotLookup) {
		t.Fatalf("a Text column: err = %v, want ErrNotLookup", err)
	}
	if _, err := client.LookupField(ctx, tasks, "Nope"); !sharepoint.IsNotFound(err) {
		t.Fatalf("err = %v, want 404", err)
	}
}

// TestItemExists reads an item by id from a list named by its id: there,
// then recycled (404: false), then restored.
func TestItemExists(t *testing.T) {
	site, client := newSite(t)
	id := site.AddList("Projects")
	projects := mustAdd(t, site, "Projects", 1, nil)
	ctx := context.Background()
	list := sharepoint.List{ID: id}
	exists := func() bool {
		t.Helper()
		ok, err := client.ItemExists(ctx, list, projects[0])
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !exists() {
		t.Fatal("a present item is not found")
	}
	bin, err := site.RecycleItems("Projects", projects[0])
	if err != nil {
		t.Fatal(err)
	}
	if exists() {
		t.Fatal("a recycled item is found")
	}
	if err := site.Restore(bin[0]); err != nil {
		t.Fatal(err)
	}
	if !exists() {
		t.Fatal("a restored item is not found")
	}
	site.InjectFault(sptest.Fault{Status: 403, PathContains: "/items("})
	if _, err := client.ItemExists(ctx, list, projects[0]); err == nil {
		t.Fatal("a 403 read as an answer")
	}
}

func TestRemoveItemsInBatches(t *testing.T) {
	tests := []struct {
		mode     sharepoint.Mode
		recycled int
	}{
		{sharepoint.Recycle, 250},
		{sharepoint.Delete, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			site, client := newSite(t)
			ids := linked(t, site, "Tasks", true, 260, func(int) int { return 1 })
			site.ResetRequests()
			removal, err := client.RemoveItems(context.Background(), sharepoint.ListByTitle("Tasks"), ids[:250], tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if len(removal.Removed) != 250 || len(site.Items("Tasks")) != 10 || len(site.RecycleBin()) != tt.recycled {
				t.Fatalf("removed %d, left %d, recycle bin %d", len(removal.Removed), len(site.Items("Tasks")), len(site.RecycleBin()))
			}
			if batches := countRequests(site, "/_api/$batch"); batches != 3 {
				t.Fatalf("%d $batch requests, want 3: %v", batches, site.Requests())
			}
			again, err := client.RemoveItems(context.Background(), sharepoint.ListByTitle("Tasks"), ids[:250], tt.mode)
			if err != nil || len(again.AlreadyGone) != 250 || len(again.Removed) != 0 {
				t.Fatalf("second removal %d removed, %d gone, %v", len(again.Removed), len(again.AlreadyGone), err)
			}
		})
	}
}

func TestRemoveItemsRetriesThrottledOperations(t *testing.T) {
	site, client := newSite(t)
	ids := linked(t, site, "Tasks", true, 5, func(int) int { return 1 })
	site.InjectFault(sptest.Fault{Status: 429, RetryAfter: "1", PathContains: "/recycle", Times: 2})
	removal, err := client.RemoveItems(context.Background(), sharepoint.ListByTitle("Tasks"), ids, sharepoint.Recycle)
	if err != nil || len(removal.Removed) != 5 || len(site.Items("Tasks")) != 0 {
		t.Fatalf("removed %v, left %d, %v", removal.Removed, len(site.Items("Tasks")), err)
	}
}

func TestRemoveItemsReportsOperationFailure(t *testing.T) {
	site, client := newSite(t)
	ids := linked(t, site, "Tasks", true, 3, func(int) int { return 1 })
	site.InjectFault(sptest.Fault{Status: 403, PathContains: "/items(2)/recycle"})
	_, err := client.RemoveItems(context.Background(), sharepoint.ListByTitle("Tasks"), ids, sharepoint.Recycle)
	if err == nil || !strings.Contains(err.Error(), "item 2") {
		t.Fatalf("err = %v, want item 2's failure", err)
	}
}

func TestListTitleIsQuoted(t *testing.T) {
	site, client := newSite(t)
	title := "O'Brien's tasks / #1 100%"
	id := site.AddList(title)
	info, err := client.ListInfo(context.Background(), sharepoint.ListByTitle(title))
	if err != nil || info.ID != id || info.Title != title {
		t.Fatalf("ListInfo = %+v, %v", info, err)
	}
	byID, err := client.ListInfo(context.Background(), sharepoint.List{ID: id})
	if err != nil || byID.Title != title {
		t.Fatalf("ListInfo by id = %+v, %v", byID, err)
	}
}

func countRequests(site *sptest.Server, suffix string) int {
	n := 0
	for _, r := range site.Requests() {
		if strings.HasSuffix(r, suffix) {
			n++
		}
	}
	return n
}

// TestFindByLookupColumnNames filters on the lookup's REST property, which
// SharePoint names "OData_" + internal name when that starts with "_".
func TestFindByLookupColumnNames(t *testing.T) {
	for _, column := range []string{"Project", "_Parent"} {
		t.Run(column, func(t *testing.T) {
			site, client := newSite(t)
			site.AddList("Projects")
			site.AddList("Tasks", sptest.Field{InternalName: column, Type: "Lookup", LookupList: "Projects"})
			mustAdd(t, site, "Tasks", 4, func(i int) map[string]int { return map[string]int{column: 1 + i%2} })
			ids, err := client.FindByLookup(context.Background(), sharepoint.ListByTitle("Tasks"), column, 2)
			if err != nil || len(ids) != 2 || ids[0] != 2 || ids[1] != 4 {
				t.Fatalf("found %v, %v; want [2 4]", ids, err)
			}
		})
	}
}

// TestRemoveItemsGivesUpOnAWaitBeyondTheRun: a throttled operation whose
// Retry-After is longer than the run has left ends the run at once.
func TestRemoveItemsGivesUpOnAWaitBeyondTheRun(t *testing.T) {
	site, client := newSite(t)
	ids := linked(t, site, "Tasks", true, 2, func(int) int { return 1 })
	site.InjectFault(sptest.Fault{Status: 429, RetryAfter: "120", PathContains: "/recycle"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	startedAt := time.Now()
	_, err := client.RemoveItems(ctx, sharepoint.ListByTitle("Tasks"), ids, sharepoint.Recycle)
	if err == nil || !strings.Contains(err.Error(), "more than the run has left") || time.Since(startedAt) > 2*time.Second {
		t.Fatalf("err = %v after %s, want an immediate give-up", err, time.Since(startedAt))
	}
}
