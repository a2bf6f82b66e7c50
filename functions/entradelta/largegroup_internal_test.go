package entradelta

import (
	"slices"
	"testing"
)

// TestApplyMemberOpsAgreesWithApplyOps: the one-pass merge gives what the
// general one gives, for adds, removes, re-adds and ids already there.
func TestApplyMemberOpsAgreesWithApplyOps(t *testing.T) {
	base := []string{"b", "d", "f", "h"}
	cases := []struct {
		name string
		base []string
		ops  []memberOp
		want []string
	}{
		{"add before, between, after", base, []memberOp{{ID: "a"}, {ID: "e"}, {ID: "z"}}, []string{"a", "b", "d", "e", "f", "h", "z"}},
		{"add one already there", base, []memberOp{{ID: "d"}}, base},
		{"remove first and last", base, []memberOp{{ID: "b", Removed: true}, {ID: "h", Removed: true}}, []string{"d", "f"}},
		{"remove one not there", base, []memberOp{{ID: "c", Removed: true}}, base},
		{"remove then add back", base, []memberOp{{ID: "d", Removed: true}, {ID: "d"}}, base},
		{"add then remove", base, []memberOp{{ID: "e"}, {ID: "e", Removed: true}}, base},
		{"empty base", nil, []memberOp{{ID: "y"}, {ID: "x"}, {ID: "x"}}, []string{"x", "y"}},
		{"unsorted base goes the general way", []string{"q", "p"}, []memberOp{{ID: "r"}}, []string{"p", "q", "r"}},
	}
	for _, c := range cases {
		got := applyMemberOps(slices.Clone(c.base), c.ops)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if general := applyOps(slices.Clone(c.base), c.ops); !slices.Equal(got, general) {
			t.Errorf("%s: %v, applyOps gives %v", c.name, got, general)
		}
	}
}

func TestLineIdentity(t *testing.T) {
	cases := []struct {
		line    string
		want    objectLine
		wantErr bool
	}{
		{`{"objectClass":"group","id":"g1","changeType":"upsert","members":["u1"]}`, objectLine{ObjectClass: "group", ID: "g1", ChangeType: "upsert"}, false},
		{`{"objectClass":"user","id":"u1","changeType":"delete"}`, objectLine{ObjectClass: "user", ID: "u1", ChangeType: "delete"}, false},
		{`{"id":"u2","attributes":{"a":1},"objectClass":"user","changeType":"upsert"}`, objectLine{ObjectClass: "user", ID: "u2", ChangeType: "upsert"}, false},
		{`{"objectClass":"user","id":7}`, objectLine{}, true},
		{`not json`, objectLine{}, true},
	}
	for _, c := range cases {
		got, err := lineIdentity([]byte(c.line))
		if (err != nil) != c.wantErr || (!c.wantErr && got.ObjectClass+got.ID+got.ChangeType != c.want.ObjectClass+c.want.ID+c.want.ChangeType) {
			t.Errorf("%s: %+v, %v; want %+v, error %v", c.line, got, err, c.want, c.wantErr)
		}
	}
}
