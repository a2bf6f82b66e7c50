package entradelta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// buildFull writes every object the round holds, users then groups, each
// by id: a full file.
func buildFull(acc *round, w *fileWriter) error {
	for _, class := range []string{classUser, classGroup} {
		m := acc.of(class)
		for _, id := range sortedIDs(m) {
			e := m[id]
			if e.Removed != "" {
				continue
			}
			line, _, err := finalLine(class, id, e, nil)
			if err != nil {
				return err
			}
			if err := w.add(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildDelta writes each object the round changed, whole: the replica's
// record with the round's changes applied. Objects whose result equals the
// replica, and removals of objects never exported, are left out.
func buildDelta(ctx context.Context, acc *round, rep *replica, w *fileWriter) error {
	ids := make([]string, 0, acc.len())
	for _, class := range []string{classUser, classGroup} {
		for id := range acc.of(class) {
			ids = append(ids, id)
		}
	}
	base, err := rep.lookup(ctx, ids)
	if err != nil {
		return err
	}
	for _, class := range []string{classUser, classGroup} {
		m := acc.of(class)
		for _, id := range sortedIDs(m) {
			var rec *record
			if r, ok := base[id]; ok && r.Class == class {
				rec = &r
			}
			line, changed, err := finalLine(class, id, m[id], rec)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			if err := w.add(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// finalLine is the object line for what the round says about one object,
// laid over its replica record (nil for none), and whether it differs
// from that record.
func finalLine(class, id string, e *entry, base *record) (objectLine, bool, error) {
	if e.Removed != "" {
		return objectLine{ObjectClass: class, ID: id, ChangeType: changeDelete}, base != nil, nil
	}
	var baseAttrs json.RawMessage
	var baseMembers []string
	var baseRefs *references
	if base != nil {
		baseAttrs, baseMembers, baseRefs = base.Attrs, base.Members, base.Refs
	}
	merged, err := overlay(baseAttrs, e.Attrs)
	if err == nil {
		merged, err = withoutNulls(merged)
	}
	if err != nil {
		return objectLine{}, false, fmt.Errorf("entra delta export: %s %s: %w", class, id, err)
	}
	line := objectLine{ObjectClass: class, ID: id, ChangeType: changeUpsert, Attributes: merged,
		References: applyRefs(baseRefs, e.Refs)}
	refsChanged := !baseRefs.equal(line.References)
	if class != classGroup {
		return line, base == nil || refsChanged || !sameJSON(baseAttrs, merged), nil
	}
	members := baseMembers
	if e.HasMembers {
		members = applyOps(baseMembers, e.Ops)
	}
	if members == nil {
		members = []string{}
	}
	line.Members = &members
	changed := base == nil || refsChanged || !sameJSON(baseAttrs, merged) || !slices.Equal(baseMembers, members)
	return line, changed, nil
}

// sameJSON compares two compact JSON objects; empty is {}.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 {
		a = json.RawMessage("{}")
	}
	if len(b) == 0 {
		b = json.RawMessage("{}")
	}
	return bytes.Equal(a, b)
}

// sortedIDs returns a class map's ids, sorted.
func sortedIDs(m map[string]*entry) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
