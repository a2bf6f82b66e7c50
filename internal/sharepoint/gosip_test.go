package sharepoint_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/koltyakov/gosip"
	"github.com/koltyakov/gosip/api"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// TestGosipDrivesTheStandIn runs gosip's own API helpers (verbose OData,
// form digest, its ChangeQuery body, Recycle and Delete) against the
// stand-in, with the azidentity-backed strategy.
func TestGosipDrivesTheStandIn(t *testing.T) {
	site, _ := newSite(t)
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := &gosip.SPClient{AuthCnfg: sharepoint.NewTokenAuth(site.SiteURL(), cred)}
	sp := api.NewSP(client)
	site.AddList("Projects")
	site.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects"})
	projects := mustAdd(t, site, "Projects", 3, nil)
	tasks := mustAdd(t, site, "Tasks", 4, func(i int) map[string]int { return map[string]int{"Project": projects[i%2]} })

	changes := sp.Web().Lists().GetByTitle("Projects").Changes()
	token, err := changes.GetCurrentToken()
	if err != nil || token == "" {
		t.Fatalf("GetCurrentToken = %q, %v", token, err)
	}
	if err := site.DeleteItems("Projects", projects[0]); err != nil {
		t.Fatal(err)
	}
	resp, err := changes.GetChanges(&api.ChangeQuery{ChangeTokenStart: token, Item: true, DeleteObject: true})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Data()
	if len(got) != 1 || got[0].ItemID != projects[0] || got[0].ChangeType != 3 || got[0].ChangeToken == nil {
		t.Fatalf("changes = %+v", got)
	}

	light := api.NewSP(client).Conf(api.HeadersPresets.Nometadata).Web().Lists().GetByTitle("Projects").Changes()
	lightResp, err := light.GetChanges(&api.ChangeQuery{ChangeTokenStart: token, Item: true, DeleteObject: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := lightResp.Data(); len(got) != 1 || got[0].ItemID != projects[0] {
		t.Fatalf("nometadata changes = %+v", got)
	}

	items, err := sp.Web().Lists().GetByTitle("Tasks").Items().Select("Id").Filter("ProjectId eq 1").Get()
	if err != nil {
		t.Fatal(err)
	}
	var linked []struct {
		ID int `json:"Id"`
	}
	if err := json.Unmarshal(items.Normalized(), &linked); err != nil || len(linked) != 2 {
		t.Fatalf("linked = %+v, %v (%s)", linked, err, items)
	}
	if err := sp.Web().Lists().GetByTitle("Tasks").Items().GetByID(tasks[0]).Recycle(); err != nil {
		t.Fatal(err)
	}
	if err := sp.Web().Lists().GetByTitle("Tasks").Items().GetByID(tasks[1]).Delete(); err != nil {
		t.Fatal(err)
	}
	if left := site.Items("Tasks"); len(left) != 2 || len(site.RecycleBin()) != 1 {
		t.Fatalf("left %d, recycle bin %d", len(left), len(site.RecycleBin()))
	}
	if countRequests(site, "/_api/ContextInfo") == 0 {
		t.Fatalf("gosip asked for no form digest: %v", site.Requests())
	}
}

// TestGosipRestoreLookupAndItemByID drives what the cleanup's safety checks
// rest on with gosip's own helpers: a recycled item restored from the
// site's recycle bin is logged as a Restore (7) after its delete, is
// fetched by id again (404 while it was recycled), and a lookup column
// names the list it points at in LookupList.
func TestGosipRestoreLookupAndItemByID(t *testing.T) {
	site, _ := newSite(t)
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sp := api.NewSP(&gosip.SPClient{AuthCnfg: sharepoint.NewTokenAuth(site.SiteURL(), cred)})
	projectsID := site.AddList("Projects")
	site.AddList("Tasks", sptest.Field{InternalName: "Project", Type: "Lookup", LookupList: "Projects"})
	projects := mustAdd(t, site, "Projects", 2, nil)
	list := sp.Web().Lists().GetByTitle("Projects")
	token, err := list.Changes().GetCurrentToken()
	if err != nil {
		t.Fatal(err)
	}

	if err := list.Items().GetByID(projects[0]).Recycle(); err != nil {
		t.Fatal(err)
	}
	if _, err := list.Items().GetByID(projects[0]).Get(); !isStatus(err, 404) {
		t.Fatalf("recycled item fetched by id: %v, want 404", err)
	}
	bin, err := sp.Web().RecycleBin().Get()
	if err != nil {
		t.Fatal(err)
	}
	entries := bin.Data()
	if len(entries) != 1 || entries[0].Data().ID == "" || entries[0].Data().ItemType != 3 {
		t.Fatalf("recycle bin = %s", bin.Normalized())
	}
	if err := sp.Web().RecycleBin().GetByID(entries[0].Data().ID).Restore(); err != nil {
		t.Fatal(err)
	}
	if _, err := list.Items().GetByID(projects[0]).Get(); err != nil {
		t.Fatalf("restored item: %v", err)
	}

	resp, err := list.Changes().GetChanges(&api.ChangeQuery{ChangeTokenStart: token, Item: true, DeleteObject: true, Restore: true})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Data()
	if len(got) != 2 || got[0].ChangeType != 3 || got[1].ChangeType != 7 || got[1].ItemID != projects[0] {
		t.Fatalf("changes = %+v", got)
	}
	deletesOnly, err := list.Changes().GetChanges(&api.ChangeQuery{ChangeTokenStart: token, Item: true, DeleteObject: true})
	if err != nil || len(deletesOnly.Data()) != 1 {
		t.Fatalf("a query without Restore saw %d changes, %v", len(deletesOnly.Data()), err)
	}

	field, err := sp.Web().Lists().GetByTitle("Tasks").Fields().GetByInternalNameOrTitle("Project").Get()
	if err != nil {
		t.Fatal(err)
	}
	if f := field.Data(); f.TypeAsString != "Lookup" || !sharepoint.SameList(f.LookupList, projectsID) {
		t.Fatalf("field = %+v", f)
	}
}

func isStatus(err error, status int) bool {
	var spErr *gosip.SPError
	return errors.As(err, &spErr) && spErr.StatusCode == status
}
