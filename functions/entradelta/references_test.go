package entradelta_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// withReferences selects manager for users and owners for groups.
func withReferences(o *entradelta.Options) {
	o.UserAttributes = slices.Concat(userAttrs, []string{"manager"})
	o.GroupAttributes = slices.Concat(groupAttrs, []string{"owners"})
}

// refLines is the import of dir's files as raw lines by id: the newest
// full file, then each delta after it. No line may carry a <name>@delta key.
func refLines(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	names := files(t, dir)
	start := 0
	for i, n := range names {
		if strings.HasSuffix(n, "-full.jsonl") {
			start = i
		}
	}
	out := map[string]map[string]any{}
	for _, n := range names[start:] {
		in, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(in)
		sc.Buffer(nil, 64<<20)
		for first := true; sc.Scan(); first = false {
			if strings.Contains(sc.Text(), "@delta") {
				t.Fatalf("%s carries a @delta key: %s", n, sc.Text())
			}
			var line map[string]any
			must(t, json.Unmarshal(sc.Bytes(), &line))
			if first {
				continue
			}
			id := line["id"].(string)
			if line["changeType"] == "delete" {
				delete(out, id)
			} else {
				out[id] = line
			}
		}
		in.Close()
	}
	return out
}

// refsOf returns a line's manager and owners.
func refsOf(line map[string]any) (string, []string) {
	refs, _ := line["references"].(map[string]any)
	manager, _ := refs["manager"].(string)
	var owners []string
	raw, _ := refs["owners"].([]any)
	for _, o := range raw {
		owners = append(owners, o.(string))
	}
	return manager, owners
}

// sameReferencesAsTenant checks every imported line against the stand-in:
// a user's manager, a group's owners that are users (sorted).
func sameReferencesAsTenant(t *testing.T, f *fixture, lines map[string]map[string]any) {
	t.Helper()
	users := f.graph.Live(graphtest.KindUser)
	for id, line := range lines {
		manager, owners := refsOf(line)
		if line["objectClass"] == "user" {
			want, err := f.graph.Manager(id)
			must(t, err)
			if manager != want || owners != nil {
				t.Errorf("user %s: manager %q owners %v, want manager %q", id, manager, owners, want)
			}
			continue
		}
		all, err := f.graph.Owners(id)
		must(t, err)
		var want []string
		for _, o := range all {
			if slices.Contains(users, o) {
				want = append(want, o)
			}
		}
		slices.Sort(want)
		if manager != "" || !slices.Equal(owners, want) {
			t.Errorf("group %s: owners %v, want %v", id, owners, want)
		}
	}
}

// TestManagerAndOwnersAreReferences: with manager and owners selected, the
// lines carry "references" (manager on users; the users among a group's
// owners), never an attribute named manager@delta; later rounds change
// them from manager@delta and owners@delta alone, and an attribute change
// keeps them from the replica.
func TestManagerAndOwnersAreReferences(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	boss, ada, eve := tn.users[0], tn.users[1], tn.users[2]
	must(t, f.graph.SetManager(ada, boss))
	must(t, f.graph.SetManager(eve, boss))
	must(t, f.graph.AddOwner(tn.small, boss))
	must(t, f.graph.AddOwner(tn.small, tn.servicePrin))
	must(t, f.graph.AddOwner(tn.big, eve))
	res := f.export(t, withReferences)
	lines := refLines(t, f.dir)
	if m, _ := refsOf(lines[ada]); m != boss || lines[boss]["references"] != nil {
		t.Fatalf("full file: ada %v, boss %v", lines[ada], lines[boss])
	}
	if _, owners := refsOf(lines[tn.small]); !slices.Equal(owners, []string{boss}) {
		t.Fatalf("small group owners %v (the service principal is left out)", owners)
	}
	sameReferencesAsTenant(t, f, lines)

	must(t, f.graph.SetManager(ada, eve))
	must(t, f.graph.SetManager(eve, ""))
	must(t, f.graph.AddOwner(tn.small, ada))
	must(t, f.graph.RemoveOwner(tn.small, boss))
	must(t, f.graph.AddOwner(tn.big, ada))
	res = f.export(t, withReferences)
	if res.Kind != "delta" || res.Stats.Users != 2 || res.Stats.Groups != 2 {
		t.Fatalf("delta round %+v", res)
	}
	lines = refLines(t, f.dir)
	if members := lines[tn.big]["members"].([]any); len(members) != 700 {
		t.Fatalf("big group lost members: %d", len(members))
	}
	sameReferencesAsTenant(t, f, lines)

	must(t, f.graph.UpdateUser(ada, map[string]any{"displayName": "Ada Renamed"}))
	must(t, f.graph.UpdateGroup(tn.small, map[string]any{"description": "renamed"}))
	if res = f.export(t, withReferences); res.Stats.Users != 1 || res.Stats.Groups != 1 {
		t.Fatalf("attribute round %+v", res)
	}
	sameReferencesAsTenant(t, f, refLines(t, f.dir))
}
