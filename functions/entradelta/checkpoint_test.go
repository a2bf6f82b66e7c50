package entradelta_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
)

// clock is a fake time the tests move on by hand; it starts at the real
// time, since the run's read budget is a real deadline.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// at runs the export at the clock's time with checkpoints every seven days.
func (c *clock) at(full ...bool) func(*entradelta.Options) {
	return func(o *entradelta.Options) {
		o.Now, o.FullFileDays = c.Now, 7
		o.Full = len(full) > 0 && full[0]
	}
}

// TestFullFileHeadersSayWhy: each full file's header carries its reason; a
// delta file's has none.
func TestFullFileHeadersSayWhy(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	c := &clock{now: time.Now().UTC()}
	want := map[string]string{}
	res := f.export(t, c.at())
	want[res.File] = "first"
	must(t, f.graph.UpdateUser(tn.users[1], map[string]any{"displayName": "One"}))
	res = f.export(t, c.at())
	want[res.File] = ""
	res = f.export(t, c.at(true))
	want[res.File] = "requested"
	for name, reason := range want {
		if h, _ := readFile(t, f.dir, name); h.Reason != reason {
			t.Errorf("%s: reason %q, want %q", name, h.Reason, reason)
		}
	}
}

// TestCheckpointAfterFullFileDays: once the newest full file is seven days
// old, the next run writes a checkpoint from the replica without reading
// Graph; it holds what the chain before it holds, and the change Graph has
// waiting comes in the run after it as a delta.
func TestCheckpointAfterFullFileDays(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	tn := seed(t, f)
	c := &clock{now: time.Now().UTC()}
	f.export(t, c.at())
	must(t, f.graph.UpdateUser(tn.users[1], map[string]any{"displayName": "One"}))
	must(t, f.graph.SoftDeleteUser(tn.users[2]))
	must(t, f.graph.AddMember(tn.small, tn.users[50]))
	c.now = c.now.Add(6 * 24 * time.Hour)
	if res := f.export(t, c.at()); res.Kind != "delta" {
		t.Fatalf("six days on: %+v, want a delta", res)
	}
	chain := imported(t, f.dir)
	must(t, f.graph.UpdateUser(tn.users[3], map[string]any{"displayName": "Three"}))
	c.now = c.now.Add(24 * time.Hour)
	f.graph.ResetRequests()
	figures := map[string]any{}
	res := f.export(t, c.at(), func(o *entradelta.Options) { o.Figure = func(n string, v any) { figures[n] = v } })
	if res.Kind != "full" || res.Seq != 3 || res.Reason != "checkpoint" || f.graph.Requests() != 0 {
		t.Fatalf("seven days on: %+v after %d Graph requests, want a checkpoint and none", res, f.graph.Requests())
	}
	if figures["fullFileReason"] != "checkpoint" || figures["fullImportRequired"] != 0 {
		t.Errorf("figures %v", figures)
	}
	h, _ := readFile(t, f.dir, res.File)
	if h.Reason != "checkpoint" || h.Previous != 2 {
		t.Errorf("checkpoint header %+v", h)
	}
	sameObjects(t, imported(t, f.dir), chain)
	if res := f.export(t, c.at()); res.Kind != "delta" || res.Seq != 4 || res.Stats.Users != 1 {
		t.Fatalf("after the checkpoint: %+v, want the waiting change as a delta", res)
	}
	sameObjects(t, imported(t, f.dir), f.truth(t))
	if res := f.export(t, c.at()); res.File != "" {
		t.Errorf("a further round wrote %s", res.File)
	}
}

// TestCheckpointCrashAtEachStep stops a checkpoint at each step of its
// commit: the next run finishes it, no seq is skipped or reused, no
// delivered file changes, and the import still equals a fresh full round.
func TestCheckpointCrashAtEachStep(t *testing.T) {
	for _, step := range []entradelta.Step{entradelta.StepStaged, entradelta.StepDelivered, entradelta.StepReplica,
		entradelta.StepCommitted} {
		t.Run(string(step), func(t *testing.T) {
			f := newFixture(t, graphtest.Options{})
			tn := seed(t, f)
			c := &clock{now: time.Now().UTC()}
			f.export(t, c.at())
			c.now = c.now.Add(8 * 24 * time.Hour)
			crash := errors.New("crash")
			opts := f.options()
			c.at()(&opts)
			opts.Hook = func(s entradelta.Step) error {
				if s == step {
					return crash
				}
				return nil
			}
			if _, err := entradelta.Export(context.Background(), opts); !errors.Is(err, crash) {
				t.Fatalf("crash run: %v", err)
			}
			before := fileHashes(t, f.dir)
			must(t, f.graph.UpdateUser(tn.users[4], map[string]any{"displayName": "Four"}))
			f.export(t, c.at())
			f.export(t, c.at())
			unchanged(t, f.dir, before)
			got := files(t, f.dir)
			wantFiles := []string{"000000000001-full.jsonl", "000000000002-full.jsonl", "000000000003-delta.jsonl"}
			if strings.Join(got, " ") != strings.Join(wantFiles, " ") {
				t.Fatalf("files %v, want %v", got, wantFiles)
			}
			sameObjects(t, imported(t, f.dir), f.truth(t))
		})
	}
}

// TestTheFolderStaysBounded runs 40 days of rounds every six hours, each
// with a change: checkpoints every seven days let retention (14 days)
// prune, so the folder never holds files older than about 7 + 14 days,
// and the import still equals a fresh full round.
func TestTheFolderStaysBounded(t *testing.T) {
	f := newFixture(t, graphtest.Options{})
	var users []string
	for i := range 20 {
		users = append(users, f.graph.AddUser(map[string]any{"displayName": fmt.Sprint("User ", i)}))
	}
	c := &clock{now: time.Now().UTC()}
	bound := (7 + 14 + 1) * 24 * time.Hour
	checkpoints := 0
	for round := range 40 * 4 {
		must(t, f.graph.UpdateUser(users[round%len(users)], map[string]any{"displayName": fmt.Sprint("v", round)}))
		if res := f.export(t, c.at()); res.Reason == "checkpoint" {
			checkpoints++
		}
		for _, n := range files(t, f.dir) {
			info, err := os.Stat(filepath.Join(f.dir, n))
			must(t, err)
			if age := c.now.Sub(info.ModTime()); age > bound {
				t.Fatalf("day %d: %s is %v old, beyond %v", round/4, n, age, bound)
			}
		}
		c.now = c.now.Add(6 * time.Hour)
	}
	if checkpoints != 5 {
		t.Errorf("%d checkpoints in 40 days, want 5 (one each 7 days)", checkpoints)
	}
	if n := len(files(t, f.dir)); n > (7+14+1)*4+1 {
		t.Errorf("%d files, more than 22 days of rounds", n)
	}
	sameObjects(t, imported(t, f.dir), f.truth(t))
}
