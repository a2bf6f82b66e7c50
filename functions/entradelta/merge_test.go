package entradelta

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/invoke"
)

func attrs(kv ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	return m
}

func member(id, typ string, removed bool) graph.MemberChange {
	return graph.MemberChange{ID: id, Type: typ, Removed: removed}
}

// finalOf merges pages of one class and returns the line for id over base.
func finalOf(t *testing.T, class string, pages [][]graph.Object, id string, base *record) (objectLine, bool) {
	t.Helper()
	r := newRound()
	for _, p := range pages {
		if err := r.addPage(class, p); err != nil {
			t.Fatal(err)
		}
	}
	e, ok := r.of(class)[id]
	if !ok {
		t.Fatalf("%s not in the round", id)
	}
	line, changed, err := finalLine(class, id, e, base)
	if err != nil {
		t.Fatal(err)
	}
	return line, changed
}

func TestMergeRules(t *testing.T) {
	const u, d = "#microsoft.graph.user", "#microsoft.graph.device"
	baseGroup := &record{Class: classGroup, Attrs: json.RawMessage(`{"displayName":"G"}`), Members: []string{"a", "b", "c"}}
	tests := []struct {
		name        string
		class       string
		pages       [][]graph.Object
		base        *record
		wantChange  string
		wantAttrs   string
		wantMembers []string
		wantChanged bool
	}{
		{name: "group on several pages with member slices", class: classGroup, pages: [][]graph.Object{
			{{ID: "g", Attributes: attrs("displayName", `"G"`), HasMembers: true, Members: []graph.MemberChange{member("u2", u, false), member("u1", u, false)}}},
			{{ID: "x"}},
			{{ID: "g", HasMembers: true, Members: []graph.MemberChange{member("u3", u, false), member("dev", d, false)}}},
		}, wantChange: "upsert", wantAttrs: `{"displayName":"G"}`, wantMembers: []string{"u1", "u2", "u3"}, wantChanged: true},
		{name: "same user twice: attributes merged, last wins", class: classUser, pages: [][]graph.Object{
			{{ID: "u", Attributes: attrs("displayName", `"Old"`, "mail", `"m@x"`)}},
			{{ID: "u", Attributes: attrs("displayName", `"New"`, "jobTitle", `"Dev"`)}},
		}, wantChange: "upsert", wantAttrs: `{"displayName":"New","jobTitle":"Dev","mail":"m@x"}`, wantChanged: true},
		{name: "null clears an attribute", class: classUser, pages: [][]graph.Object{
			{{ID: "u", Attributes: attrs("mail", "null")}},
		}, base: &record{Class: classUser, Attrs: json.RawMessage(`{"displayName":"A","mail":"m@x"}`)},
			wantChange: "upsert", wantAttrs: `{"displayName":"A"}`, wantChanged: true},
		{name: "soft delete", class: classUser, pages: [][]graph.Object{
			{{ID: "u", Attributes: attrs("displayName", `"A"`)}}, {{ID: "u", Removed: "changed"}},
		}, base: &record{Class: classUser}, wantChange: "delete", wantChanged: true},
		{name: "hard delete", class: classGroup, pages: [][]graph.Object{{{ID: "g", Removed: "deleted"}}},
			base: baseGroup, wantChange: "delete", wantChanged: true},
		{name: "delete of an object never exported", class: classUser, pages: [][]graph.Object{{{ID: "u", Removed: "deleted"}}},
			wantChange: "delete", wantChanged: false},
		{name: "deleted then restored in one round", class: classUser, pages: [][]graph.Object{
			{{ID: "u", Removed: "changed"}}, {{ID: "u", Attributes: attrs("displayName", `"Back"`)}},
		}, base: &record{Class: classUser, Attrs: json.RawMessage(`{"displayName":"A"}`)},
			wantChange: "upsert", wantAttrs: `{"displayName":"Back"}`, wantChanged: true},
		{name: "members@delta slice only: complete list from the replica", class: classGroup, pages: [][]graph.Object{
			{{ID: "g", HasMembers: true, Members: []graph.MemberChange{member("b", u, true), member("d", u, false)}}},
		}, base: baseGroup, wantChange: "upsert", wantAttrs: `{"displayName":"G"}`, wantMembers: []string{"a", "c", "d"}, wantChanged: true},
		{name: "member removed then added again", class: classGroup, pages: [][]graph.Object{
			{{ID: "g", HasMembers: true, Members: []graph.MemberChange{member("a", u, true)}}},
			{{ID: "g", HasMembers: true, Members: []graph.MemberChange{member("a", u, false)}}},
		}, base: baseGroup, wantChange: "upsert", wantAttrs: `{"displayName":"G"}`, wantMembers: []string{"a", "b", "c"}, wantChanged: false},
		{name: "other member types left out", class: classGroup, pages: [][]graph.Object{
			{{ID: "g", HasMembers: true, Members: []graph.MemberChange{member("dev", d, false),
				member("sp", "#microsoft.graph.servicePrincipal", false), member("c2", "#microsoft.graph.orgContact", false),
				member("g2", "#microsoft.graph.group", false)}}},
		}, wantChange: "upsert", wantAttrs: `{}`, wantMembers: []string{"g2"}, wantChanged: true},
		{name: "group without members@delta keeps its members", class: classGroup, pages: [][]graph.Object{
			{{ID: "g", Attributes: attrs("displayName", `"H"`)}},
		}, base: baseGroup, wantChange: "upsert", wantAttrs: `{"displayName":"H"}`, wantMembers: []string{"a", "b", "c"}, wantChanged: true},
		{name: "new group without members has an empty list", class: classGroup, pages: [][]graph.Object{
			{{ID: "g", Attributes: attrs("displayName", `"E"`)}},
		}, wantChange: "upsert", wantAttrs: `{"displayName":"E"}`, wantMembers: []string{}, wantChanged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.pages[0][0].ID
			line, changed := finalOf(t, tt.class, tt.pages, id, tt.base)
			if line.ChangeType != tt.wantChange || changed != tt.wantChanged {
				t.Fatalf("%s changed=%v, want %s changed=%v", line.ChangeType, changed, tt.wantChange, tt.wantChanged)
			}
			if tt.wantChange == changeDelete {
				return
			}
			if string(line.Attributes) != tt.wantAttrs {
				t.Errorf("attributes %s, want %s", line.Attributes, tt.wantAttrs)
			}
			if tt.class == classGroup && (line.Members == nil || !slices.Equal(*line.Members, tt.wantMembers)) {
				t.Errorf("members %v, want %v", line.Members, tt.wantMembers)
			}
			if tt.class == classUser && line.Members != nil {
				t.Errorf("a user line with members")
			}
		})
	}
}

// TestPartsMergeLikeOneRound: a round read over several runs, each saving
// its part, merges to the same result as the round read at once.
func TestPartsMergeLikeOneRound(t *testing.T) {
	const u = "#microsoft.graph.user"
	pages := [][]graph.Object{
		{{ID: "g", Attributes: attrs("displayName", `"G"`), HasMembers: true, Members: []graph.MemberChange{member("a", u, false)}}},
		{{ID: "u", Attributes: attrs("displayName", `"1"`)}, {ID: "v", Removed: "changed"}},
		{{ID: "g", HasMembers: true, Members: []graph.MemberChange{member("a", u, true), member("b", u, false)}}},
		{{ID: "u", Removed: "deleted"}, {ID: "v", Attributes: attrs("displayName", `"back"`)}},
		{{ID: "u", Attributes: attrs("mail", `"m"`)}, {ID: "g", Attributes: attrs("description", `"d"`)}},
	}
	whole := newRound()
	for _, p := range pages {
		for _, o := range p {
			class := classUser
			if o.ID == "g" {
				class = classGroup
			}
			if err := whole.addPage(class, []graph.Object{o}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for split := 1; split < len(pages); split++ {
		parts := []*round{newRound(), newRound()}
		for i, p := range pages {
			part := parts[0]
			if i >= split {
				part = parts[1]
			}
			for _, o := range p {
				class := classUser
				if o.ID == "g" {
					class = classGroup
				}
				if err := part.addPage(class, []graph.Object{o}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// a part survives being saved and loaded
		saved, _ := json.Marshal(parts[1].users)
		parts[1].users = map[string]*entry{}
		if err := json.Unmarshal(saved, &parts[1].users); err != nil {
			t.Fatal(err)
		}
		if err := parts[0].absorb(parts[1]); err != nil {
			t.Fatal(err)
		}
		for _, class := range []string{classUser, classGroup} {
			for id, want := range whole.of(class) {
				got := parts[0].of(class)[id]
				gl, _, _ := finalLine(class, id, got, nil)
				wl, _, _ := finalLine(class, id, want, nil)
				g, _ := json.Marshal(gl)
				w, _ := json.Marshal(wl)
				if string(g) != string(w) || got.Removed != want.Removed {
					t.Errorf("split %d, %s: %s (removed %q), want %s (removed %q)", split, id, g, got.Removed, w, want.Removed)
				}
			}
		}
	}
}

func TestExpired(t *testing.T) {
	now := mustTime("2026-01-31T00:00:00Z")
	old, young := mustTime("2026-01-01T00:00:00Z"), mustTime("2026-01-30T00:00:00Z")
	cases := []struct {
		name  string
		files map[string]string // name -> old|young
		want  []string
	}{
		{"old deltas before the newest full go", map[string]string{"000000000001-full.jsonl": "old", "000000000002-delta.jsonl": "old",
			"000000000003-full.jsonl": "old", "000000000004-delta.jsonl": "old"},
			[]string{"000000000001-full.jsonl", "000000000002-delta.jsonl"}},
		{"young files stay", map[string]string{"000000000001-full.jsonl": "young", "000000000002-full.jsonl": "old"}, nil},
		{"no full file: nothing goes", map[string]string{"000000000001-delta.jsonl": "old", "000000000002-delta.jsonl": "old"}, nil},
		{"other names stay", map[string]string{"readme.txt": "old", "000000000001-full.jsonl.partial": "old", "000000000002-full.jsonl": "old"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var listed []sinkListed
			for n, age := range c.files {
				mod := young
				if age == "old" {
					mod = old
				}
				listed = append(listed, sinkListed{Name: n, ModTime: mod})
			}
			got := expired(listed, now.AddDate(0, 0, -14))
			if !slices.Equal(got, c.want) {
				t.Errorf("expired %v, want %v", got, c.want)
			}
		})
	}
}

func TestRunFullOption(t *testing.T) {
	tests := []struct {
		data map[string]string
		want bool
	}{
		{map[string]string{"timer": `{"full":true}`}, true},
		{map[string]string{"timer": `"{\"full\":true}"`}, true},
		{map[string]string{"timer": `{"Schedule":{"AdjustForDST":true},"IsPastDue":false}`}, false},
		{map[string]string{"timer": `{"full":false}`}, false},
		{nil, false},
	}
	for _, tt := range tests {
		inv := &function.Invocation{Request: invoke.Request{Data: map[string]json.RawMessage{}}}
		for k, v := range tt.data {
			inv.Request.Data[k] = json.RawMessage(v)
		}
		if got := runFull(inv); got != tt.want {
			t.Errorf("%v: full=%v, want %v", tt.data, got, tt.want)
		}
	}
}
