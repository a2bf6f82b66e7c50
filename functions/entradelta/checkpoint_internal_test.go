package entradelta

import (
	"testing"
	"time"
)

func TestCheckpointDue(t *testing.T) {
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	ready := func(mod func(*state)) *state {
		st := &state{Seq: 40, LastFull: 1, LastFullTime: now.Add(-7 * 24 * time.Hour), Replica: replicaInfo{Gen: "g1", Shards: 16}}
		if mod != nil {
			mod(st)
		}
		return st
	}
	cases := []struct {
		name string
		st   *state
		days int
		want bool
	}{
		{"seven days old", ready(nil), 7, true},
		{"a minute short of seven days", ready(func(st *state) { st.LastFullTime = st.LastFullTime.Add(time.Minute) }), 7, false},
		{"written before checkpoints", ready(func(st *state) { st.LastFullTime = time.Time{} }), 7, true},
		{"checkpoints off", ready(nil), 0, false},
		{"nothing exported yet", ready(func(st *state) { st.Seq = 0 }), 7, false},
		{"no replica", ready(func(st *state) { st.Replica = replicaInfo{} }), 7, false},
		{"a file pending", ready(func(st *state) { st.Pending = &pending{Seq: 41} }), 7, false},
		{"a round in parts", ready(func(st *state) { st.Progress = &progress{Kind: kindDelta} }), 7, false},
	}
	for _, c := range cases {
		if got := checkpointDue(c.st, now, c.days); got != c.want {
			t.Errorf("%s: due %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHeaderReason(t *testing.T) {
	for saved, want := range map[string]string{
		"first": "first", "resync": "resync", "requested": "requested", "attributes": "attributes",
		"checkpoint": "checkpoint", "first run": "first", "EntraUserAttributes or EntraGroupAttributes changed": "attributes",
		"no saved delta links": "resync", "": "resync",
	} {
		if got := headerReason(saved); got != want {
			t.Errorf("headerReason(%q) = %q, want %q", saved, got, want)
		}
	}
}
