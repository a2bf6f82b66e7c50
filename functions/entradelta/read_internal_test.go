package entradelta

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/graph"
)

// malformedPager answers both streams with pages whose every entry
// carries members@delta, users included, as a malformed answer might.
type malformedPager struct{ pages int }

func (p malformedPager) DeltaURL(resource string, _ []string) string  { return resource + "/0" }
func (p malformedPager) LatestURL(resource string, _ []string) string { return resource + "/latest" }

func (p malformedPager) Page(_ context.Context, link string) (graph.Page, error) {
	resource, n, _ := strings.Cut(link, "/")
	var k int
	fmt.Sscan(n, &k)
	page := graph.Page{}
	for i := range 50 {
		o := graph.Object{ID: fmt.Sprintf("%s-%d-%d", resource, k, i), HasMembers: true}
		for j := range 20 {
			o.Members = append(o.Members, graph.MemberChange{ID: fmt.Sprintf("m-%d", (k*50+i+j)%400), Type: odataUser})
		}
		page.Objects = append(page.Objects, o)
	}
	if k+1 < p.pages {
		page.NextLink = fmt.Sprintf("%s/%d", resource, k+1)
	} else {
		page.DeltaLink = resource + "/delta"
	}
	return page, nil
}

// TestMalformedUsersCannotRaceTheGroups: user entries that carry
// members@delta are merged while the groups stream merges its own; each
// stream writes only its own maps (run with -race, a shared map fails).
func TestMalformedUsersCannotRaceTheGroups(t *testing.T) {
	x := newExporter(Options{Graph: malformedPager{pages: 40}, ReadBudget: time.Minute})
	pr := &progress{Users: stream{Link: "users/0"}, Groups: stream{Link: "groups/0"}}
	acc, err := x.read(context.Background(), pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.users) != 2000 || len(acc.groups) != 2000 || !pr.Users.Done || !pr.Groups.Done {
		t.Fatalf("%d users, %d groups, progress %+v", len(acc.users), len(acc.groups), pr)
	}
	if g := acc.groups["groups-0-0"]; len(g.Ops) != 20 {
		t.Fatalf("group ops %+v", g.Ops)
	}
}
