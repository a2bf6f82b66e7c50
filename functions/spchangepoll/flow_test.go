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

// TestDeletesFlowToCleanup polls deletes onto the queue in Azurite and
// hands each queued message, as the host would, to SharePointCleanup.
func TestDeletesFlowToCleanup(t *testing.T) {
	f := newFixture(t)
	f.site.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects"})
	projects, err := f.site.AddItems("Projects", 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.site.AddItems("Tasks", 12, func(i int) map[string]int { return map[string]int{"Project": projects[i%4]} }); err != nil {
		t.Fatal(err)
	}
	f.poll(t, f.options())
	if err := f.site.DeleteItems("Projects", projects[0], projects[2]); err != nil {
		t.Fatal(err)
	}
	f.poll(t, f.options())
	env := settings.MapEnv{"SPSiteUrl": f.site.SiteURL(), "SPListTitle": "Projects", "SPCleanupTargets": "Tasks:Project",
		"AzureWebJobsStorage": azurite.ConnectionString}
	for _, m := range f.drain(t) {
		text, _ := json.Marshal(m)
		data, _ := json.Marshal(string(text))
		inv := &function.Invocation{ID: "flow", Env: env, Log: f.logs.logger(), Clock: time.Now,
			Request: invoke.Request{Data: map[string]json.RawMessage{"message": data}}}
		if err := spcleanup.Declaration.Run(context.Background(), inv); err != nil {
			t.Fatal(err)
		}
	}
	left := f.site.Items("Tasks")
	if len(left) != 6 || len(f.site.RecycleBin()) != 6 {
		t.Fatalf("tasks left %d, recycled %d", len(left), len(f.site.RecycleBin()))
	}
	for _, task := range left {
		if p := task.Lookups["Project"]; p == projects[0] || p == projects[2] {
			t.Fatalf("task %d still points at deleted project %d", task.ID, p)
		}
	}
}
