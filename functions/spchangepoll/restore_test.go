package spchangepoll_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/spcleanup"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// TestRestoredItemIsNotQueued recycles three projects and restores one of
// them before the poll: only the two still deleted are queued, and the
// figures say so. A project deleted, restored and deleted again is queued once.
func TestRestoredItemIsNotQueued(t *testing.T) {
	f := newFixture(t)
	f.poll(t, f.options())
	ids, err := f.site.AddItems("Projects", 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := f.site.RecycleItems("Projects", ids[0], ids[1], ids[2], ids[3])
	if err != nil {
		t.Fatal(err)
	}
	if err := f.site.Restore(bin[1]); err != nil {
		t.Fatal(err)
	}
	if err := f.site.Restore(bin[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.site.RecycleItems("Projects", ids[3]); err != nil {
		t.Fatal(err)
	}
	figures := map[string]any{}
	opts := f.options()
	opts.Figure = func(name string, value any) { figures[name] = value }
	res := f.poll(t, opts)
	queued := map[int]int{}
	for _, m := range f.drain(t) {
		queued[m.ItemID]++
	}
	if len(queued) != 3 || queued[ids[0]] != 1 || queued[ids[2]] != 1 || queued[ids[3]] != 1 || queued[ids[1]] != 0 {
		t.Fatalf("queued %v for projects %v (project %d was restored)", queued, ids, ids[1])
	}
	if res.Deletes != 3 || res.RestoresSkipped != 2 || figures["deletesQueued"] != 3 || figures["restoresSkipped"] != 2 {
		t.Fatalf("result %+v, figures %v", res, figures)
	}
	if age, ok := figures["tokenAgeHours"].(float64); !ok || age < 0 || age > 1 {
		t.Fatalf("tokenAgeHours = %v", figures["tokenAgeHours"])
	}
}

// TestRestoreAfterThePollLeavesLinkedItems restores a project after its
// delete was queued: cleanup finds it back in the list and removes nothing.
func TestRestoreAfterThePollLeavesLinkedItems(t *testing.T) {
	f := newFixture(t)
	f.site.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects"})
	projects, _ := f.site.AddItems("Projects", 1, nil)
	if _, err := f.site.AddItems("Tasks", 3, func(int) map[string]int { return map[string]int{"Project": projects[0]} }); err != nil {
		t.Fatal(err)
	}
	f.poll(t, f.options())
	bin, err := f.site.RecycleItems("Projects", projects[0])
	if err != nil {
		t.Fatal(err)
	}
	f.poll(t, f.options())
	if err := f.site.Restore(bin[0]); err != nil {
		t.Fatal(err)
	}
	env := settings.MapEnv{"SPSiteUrl": f.site.SiteURL(), "SPListTitle": "Projects", "SPCleanupTargets": "Tasks:Project", "SPCleanupMode": "delete",
		"AzureWebJobsStorage": azurite.ConnectionString}
	messages := f.drain(t)
	if len(messages) != 1 {
		t.Fatalf("%d messages", len(messages))
	}
	text, _ := json.Marshal(messages[0])
	data, _ := json.Marshal(string(text))
	inv := &function.Invocation{ID: "restored", Env: env, Log: f.logs.logger(), Clock: time.Now,
		Request: invoke.Request{Data: map[string]json.RawMessage{"message": data}}}
	if err := spcleanup.Declaration.Run(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	if left := f.site.Items("Tasks"); len(left) != 3 {
		t.Fatalf("%d tasks left, want all 3: the project was restored", len(left))
	}
	if f.logs.count("still in the list") != 1 {
		t.Fatalf("restored item not logged: %s", f.logs.String())
	}
}
