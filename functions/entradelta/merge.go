package entradelta

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/tenantops/tenantops/internal/graph"
)

// Object classes of the change files, and the Graph resources they come from.
const (
	classUser  = "user"
	classGroup = "group"
)

// Member types kept in a group's member list: the users and groups among
// its members. Devices, service principals, contacts and the rest are left
// out, as the change-file format says.
const (
	odataUser  = "#microsoft.graph.user"
	odataGroup = "#microsoft.graph.group"
)

// entry is what one round learned about one object, with every page that
// carried it merged in page order.
type entry struct {
	// Removed is the reason of the last word of the round when it was a
	// removal: "changed" (soft delete) or "deleted"; "" otherwise.
	Removed string `json:"rm,omitempty"`
	// Cleared is set once a removal was seen: nothing of the round before
	// it counts, and a later entry starts afresh.
	Cleared bool `json:"cl,omitempty"`
	// Attrs holds the properties the round sent, later entries winning per
	// property; a JSON null stays, meaning "now empty".
	Attrs json.RawMessage `json:"a,omitempty"`
	// HasMembers is set when members@delta came with any entry.
	HasMembers bool `json:"hm,omitempty"`
	// Ops are the membership changes of users and groups, in order.
	Ops []memberOp `json:"ops,omitempty"`
	// Refs are the changes of the references besides members (manager,
	// owners) by name, in order; a name is present once its <name>@delta
	// came with any entry, even empty.
	Refs map[string][]memberOp `json:"refs,omitempty"`
}

// memberOp is one members@delta entry kept: a member added, or removed.
type memberOp struct {
	ID      string `json:"id"`
	Removed bool   `json:"rm,omitempty"`
}

// round gathers what the delta streams sent in one round, by class and id.
type round struct {
	users  map[string]*entry
	groups map[string]*entry
	// members interns member ids: a user is a member of many groups, and
	// one copy of its id serves them all (the groups stream alone uses it).
	members map[string]string
}

func newRound() *round {
	return &round{users: map[string]*entry{}, groups: map[string]*entry{}, members: map[string]string{}}
}

// intern returns the round's copy of a member id.
func (r *round) intern(id string) string {
	if s, ok := r.members[id]; ok {
		return s
	}
	r.members[id] = id
	return id
}

// of returns the map of one class.
func (r *round) of(class string) map[string]*entry {
	if class == classGroup {
		return r.groups
	}
	return r.users
}

// len returns how many objects the round touched.
func (r *round) len() int { return len(r.users) + len(r.groups) }

// addPage merges one page of the class's stream.
func (r *round) addPage(class string, objects []graph.Object) error {
	m := r.of(class)
	for _, o := range objects {
		if o.ID == "" {
			return fmt.Errorf("entra delta export: a %s entry without an id", class)
		}
		later, err := entryOf(o, r.intern)
		if err != nil {
			return fmt.Errorf("entra delta export: %s %s: %w", class, o.ID, err)
		}
		if err := mergeInto(m, o.ID, later); err != nil {
			return fmt.Errorf("entra delta export: %s %s: %w", class, o.ID, err)
		}
	}
	return nil
}

// absorb merges a later part of the same round into r.
func (r *round) absorb(later *round) error {
	for _, class := range []string{classUser, classGroup} {
		m := r.of(class)
		for id, e := range later.of(class) {
			if err := mergeInto(m, id, e); err != nil {
				return fmt.Errorf("entra delta export: %s %s: %w", class, id, err)
			}
		}
	}
	return nil
}

// entryOf turns one Graph entry into an entry of its own.
func entryOf(o graph.Object, intern func(string) string) (*entry, error) {
	if o.Removed != "" {
		return &entry{Removed: o.Removed, Cleared: true}, nil
	}
	e := &entry{HasMembers: o.HasMembers}
	if len(o.Attributes) > 0 {
		attrs, err := json.Marshal(o.Attributes)
		if err != nil {
			return nil, err
		}
		e.Attrs = attrs
	}
	e.Ops = opsOf(o.Members, intern, odataUser, odataGroup)
	for name, changes := range o.References {
		if e.Refs == nil {
			e.Refs = map[string][]memberOp{}
		}
		e.Refs[name] = opsOf(changes, intern, odataUser, "")
	}
	return e, nil
}

// opsOf keeps the changes of a <name>@delta list: every removal, and the
// additions of the kept types (users and groups for members, users for
// manager and owners).
func opsOf(changes []graph.MemberChange, intern func(string) string, kept ...string) []memberOp {
	var ops []memberOp
	for _, m := range changes {
		switch {
		case m.ID == "":
		case m.Removed:
			ops = append(ops, memberOp{ID: intern(m.ID), Removed: true})
		case slices.Contains(kept, m.Type):
			ops = append(ops, memberOp{ID: intern(m.ID)})
		}
	}
	return ops
}

// mergeInto merges later into m[id]: a later removal replaces everything
// before it; otherwise later properties win one by one and membership
// changes are appended in order.
func mergeInto(m map[string]*entry, id string, later *entry) error {
	earlier, ok := m[id]
	if !ok || later.Cleared {
		m[id] = later
		return nil
	}
	attrs, err := overlay(earlier.Attrs, later.Attrs)
	if err != nil {
		return err
	}
	earlier.Removed = ""
	earlier.Attrs = attrs
	earlier.HasMembers = earlier.HasMembers || later.HasMembers
	earlier.Ops = append(earlier.Ops, later.Ops...)
	for name, ops := range later.Refs {
		if earlier.Refs == nil {
			earlier.Refs = map[string][]memberOp{}
		}
		earlier.Refs[name] = append(earlier.Refs[name], ops...)
	}
	return nil
}

// overlay returns the JSON object base with the properties of top laid
// over it; either may be empty.
func overlay(base, top json.RawMessage) (json.RawMessage, error) {
	if len(base) == 0 {
		return top, nil
	}
	if len(top) == 0 {
		return base, nil
	}
	var b, t map[string]json.RawMessage
	if err := json.Unmarshal(base, &b); err != nil {
		return nil, fmt.Errorf("attributes: %w", err)
	}
	if err := json.Unmarshal(top, &t); err != nil {
		return nil, fmt.Errorf("attributes: %w", err)
	}
	for k, v := range t {
		b[k] = v
	}
	return json.Marshal(b)
}

// withoutNulls returns the JSON object attrs without its null properties,
// keys sorted; "{}" when nothing is left.
func withoutNulls(attrs json.RawMessage) (json.RawMessage, error) {
	if len(attrs) == 0 {
		return json.RawMessage("{}"), nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(attrs, &m); err != nil {
		return nil, fmt.Errorf("attributes: %w", err)
	}
	for k, v := range m {
		if string(v) == "null" {
			delete(m, k)
		}
	}
	return json.Marshal(m)
}

// applyOps returns base with the membership changes applied in order,
// sorted and without repeats. base is not modified.
func applyOps(base []string, ops []memberOp) []string {
	removes := false
	for _, op := range ops {
		if op.Removed {
			removes = true
			break
		}
	}
	if !removes {
		out := make([]string, 0, len(base)+len(ops))
		out = append(out, base...)
		for _, op := range ops {
			out = append(out, op.ID)
		}
		return sortedUnique(out)
	}
	set := make(map[string]bool, len(base)+len(ops))
	for _, id := range base {
		set[id] = true
	}
	for _, op := range ops {
		if op.Removed {
			delete(set, op.ID)
		} else {
			set[op.ID] = true
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// sortedUnique sorts ids in place and drops repeats.
func sortedUnique(ids []string) []string {
	sort.Strings(ids)
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// applyManager returns the manager after the manager@delta changes: the
// last one added, or none once the current one is removed.
func applyManager(base string, ops []memberOp) string {
	for _, op := range ops {
		switch {
		case !op.Removed:
			base = op.ID
		case op.ID == base:
			base = ""
		}
	}
	return base
}
