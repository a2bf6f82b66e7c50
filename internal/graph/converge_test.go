package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// replica merges delta pages as Graph documents it: upsert by id (an
// entry may repeat, a group may come in several slices), @removed drops
// the object, members@delta adds or (with @removed) removes members.
type replica struct {
	attrs   map[string]map[string]json.RawMessage
	members map[string]map[string]bool
}

func newReplica() *replica {
	return &replica{attrs: map[string]map[string]json.RawMessage{}, members: map[string]map[string]bool{}}
}

func (r *replica) apply(page graph.Page) {
	for _, o := range page.Objects {
		if o.Removed != "" {
			delete(r.attrs, o.ID)
			delete(r.members, o.ID)
			continue
		}
		if r.attrs[o.ID] == nil {
			r.attrs[o.ID] = map[string]json.RawMessage{}
			r.members[o.ID] = map[string]bool{}
		}
		for k, v := range o.Attributes {
			r.attrs[o.ID][k] = v
		}
		for _, m := range o.Members {
			if m.Removed {
				delete(r.members[o.ID], m.ID)
			} else {
				r.members[o.ID][m.ID] = true
			}
		}
	}
}

// mutate makes one random change to the tenant.
func mutate(t *testing.T, s *graphtest.Server, rng *rand.Rand, users, groups *[]string) {
	t.Helper()
	pick := func(ids []string) string { return ids[rng.IntN(len(ids))] }
	switch rng.IntN(7) {
	case 0:
		*users = append(*users, s.AddUser(map[string]any{"displayName": fmt.Sprint("u", rng.Int())}))
	case 1:
		_ = s.UpdateUser(pick(*users), map[string]any{"displayName": fmt.Sprint("renamed", rng.Int())})
	case 2:
		_ = s.SoftDeleteUser(pick(*users))
	case 3:
		_ = s.RestoreUser(pick(*users))
	case 4:
		_ = s.AddMember(pick(*groups), pick(*users))
	case 5:
		g := pick(*groups)
		if members, _ := s.Members(g); len(members) > 0 {
			_ = s.RemoveMember(g, members[rng.IntN(len(members))])
		}
	case 6:
		*groups = append(*groups, s.AddGroup(map[string]any{"displayName": fmt.Sprint("g", rng.Int())}))
	}
}

// TestRoundsConvergeWhileTheTenantChanges: changes made between the pages
// of a round may or may not show in it, but after one more round without
// changes the merged replica equals the tenant exactly.
func TestRoundsConvergeWhileTheTenantChanges(t *testing.T) {
	s := standIn(t, graphtest.Options{RepeatUsersEvery: 7, MemberSlice: 40})
	p := s.Populate(graphtest.Bulk{Users: 900, Groups: 30, Links: 6000})
	users, groups := []string{}, []string{}
	for i := range 900 {
		users = append(users, p.UserID(i))
	}
	for i := range 30 {
		groups = append(groups, p.GroupID(i))
	}
	c, _, _ := newClient(t, s.URL(), graph.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	links := map[string]string{"users": c.DeltaURL("users", []string{"displayName"}), "groups": c.DeltaURL("groups", []string{"displayName"})}
	replicas := map[string]*replica{"users": newReplica(), "groups": newReplica()}
	for round := range 6 {
		for _, resource := range []string{"users", "groups"} {
			link := links[resource]
			for {
				page, err := c.Page(context.Background(), link)
				if err != nil {
					t.Fatal(err)
				}
				replicas[resource].apply(page)
				if round < 5 {
					for range 3 {
						mutate(t, s, rng, &users, &groups)
					}
				}
				if page.NextLink == "" {
					links[resource] = page.DeltaLink
					break
				}
				link = page.NextLink
			}
		}
	}
	check := func(resource string, kind graphtest.Kind) {
		r := replicas[resource]
		live := s.Live(kind)
		if len(r.attrs) != len(live) {
			t.Fatalf("%s: replica holds %d, tenant %d", resource, len(r.attrs), len(live))
		}
		for _, id := range live {
			attrs, _ := s.Attributes(id)
			want, _ := json.Marshal(attrs["displayName"])
			if string(r.attrs[id]["displayName"]) != string(want) {
				t.Fatalf("%s %s: displayName %s, want %s", resource, id, r.attrs[id]["displayName"], want)
			}
			if kind != graphtest.KindGroup {
				continue
			}
			members, _ := s.Members(id)
			var got []string
			for m := range r.members[id] {
				got = append(got, m)
			}
			slices.Sort(got)
			if !slices.Equal(got, members) {
				t.Fatalf("group %s: replica has %d members, tenant %d", id, len(got), len(members))
			}
		}
	}
	check("users", graphtest.KindUser)
	check("groups", graphtest.KindGroup)
}
