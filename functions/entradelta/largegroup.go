package entradelta

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
)

// A group of hundreds of thousands of members that changes by one member
// is written whole, so the work on its record must follow its size once,
// not several times over: the member list is merged in one pass over the
// sorted list the replica keeps, and the identity of a line is read from
// its first keys instead of parsing the whole line.

// applyMemberOps is applyOps for a base list that is sorted and without
// duplicates, as the replica keeps it: the last op on each id decides, and
// the result is merged in one pass. Any other base goes to applyOps.
func applyMemberOps(base []string, ops []memberOp) []string {
	if !strictlySorted(base) {
		return applyOps(base, ops)
	}
	final := make(map[string]bool, len(ops)) // id -> a member after the ops
	for _, op := range ops {
		final[op.ID] = !op.Removed
	}
	var added []string
	for id, member := range final {
		if member {
			added = append(added, id)
		}
	}
	sort.Strings(added)
	out := make([]string, 0, len(base)+len(added))
	i := 0
	for _, id := range base {
		for i < len(added) && added[i] < id {
			out = append(out, added[i])
			i++
		}
		if i < len(added) && added[i] == id {
			i++
		}
		if member, touched := final[id]; touched && !member {
			continue
		}
		out = append(out, id)
	}
	return append(out, added[i:]...)
}

// strictlySorted reports whether ids ascend without repeats.
func strictlySorted(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			return false
		}
	}
	return true
}

// lineIdentity reads the objectClass, id and changeType of an object line
// from its first keys, where this package's writer puts them; a line with
// them elsewhere is parsed whole.
func lineIdentity(line []byte) (objectLine, error) {
	var o objectLine
	dec := json.NewDecoder(bytes.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return o, identityOfWhole(line, &o)
	}
	for range 3 {
		key, err := dec.Token()
		name, isName := key.(string)
		if err != nil || !isName || !slices.Contains([]string{"objectClass", "id", "changeType"}, name) {
			return o, identityOfWhole(line, &o)
		}
		value, err := dec.Token()
		text, isText := value.(string)
		if err != nil || !isText {
			return o, identityOfWhole(line, &o)
		}
		switch name {
		case "objectClass":
			o.ObjectClass = text
		case "id":
			o.ID = text
		default:
			o.ChangeType = text
		}
	}
	return o, nil
}

// identityOfWhole parses the identity of a line from the whole line.
func identityOfWhole(line []byte, o *objectLine) error {
	var id struct {
		ObjectClass string `json:"objectClass"`
		ID          string `json:"id"`
		ChangeType  string `json:"changeType"`
	}
	err := json.Unmarshal(line, &id)
	o.ObjectClass, o.ID, o.ChangeType = id.ObjectClass, id.ID, id.ChangeType
	return err
}
