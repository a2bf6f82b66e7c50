package psma

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A minimal writer of change files as the README's change-file format describes them,
// and the run of one MIM import step over Import.ps1's algorithm.

// object is one object line of a change file.
type object struct {
	ObjectClass string         `json:"objectClass"`
	ID          string         `json:"id"`
	ChangeType  string         `json:"changeType"`
	Attributes  map[string]any `json:"attributes,omitempty"`
	Members     []string       `json:"members,omitempty"`
}

func user(id, name string) object {
	return object{ObjectClass: "user", ID: id, ChangeType: "upsert", Attributes: map[string]any{"displayName": name, "accountEnabled": true}}
}

func group(id, name string, members ...string) object {
	return object{ObjectClass: "group", ID: id, ChangeType: "upsert", Attributes: map[string]any{"displayName": name}, Members: members}
}

func deleted(class, id string) object {
	return object{ObjectClass: class, ID: id, ChangeType: "delete"}
}

// header is a change file's first line.
type header struct {
	Format   string `json:"format"`
	Seq      int64  `json:"seq"`
	Kind     string `json:"kind"`
	Previous int64  `json:"previous"`
	Created  string `json:"created"`
	Objects  int    `json:"objects"`
	Reason   string `json:"reason,omitempty"`
}

// exportFolder is the folder the function delivers into, and the seq of the
// last file it wrote.
type exportFolder struct {
	t      testing.TB
	dir    string
	seq    int64
	rounds []round // what was written, the tests' own record of the truth
}

// round is one file as the writer meant it.
type round struct {
	Seq        int64
	Kind       string
	Checkpoint bool // a full file that holds the state of the files before it
	Objects    []object
}

func newExportFolder(t testing.TB) *exportFolder {
	return &exportFolder{t: t, dir: t.TempDir()}
}

// write adds the next file of the sequence and returns its seq: kind is
// delta, full (reason requested, or first for seq 1), or checkpoint (a full
// file of reason checkpoint, which should hold the state before it).
func (f *exportFolder) write(kind string, objects ...object) int64 {
	checkpoint := kind == "checkpoint"
	h := header{Format: changeFileFormat, Seq: f.seq + 1, Kind: kind, Previous: f.seq,
		Created: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).Add(time.Duration(f.seq) * 15 * time.Minute).Format(time.RFC3339), Objects: len(objects)}
	switch {
	case checkpoint:
		h.Kind, h.Reason = "full", "checkpoint"
	case kind == "full" && f.seq == 0:
		h.Reason = "first"
	case kind == "full":
		h.Reason = "requested"
	}
	kind = h.Kind
	lines := []any{h}
	for _, o := range objects {
		lines = append(lines, o)
	}
	f.writeLines(f.name(h.Seq, kind), lines...)
	f.seq = h.Seq
	f.rounds = append(f.rounds, round{Seq: h.Seq, Kind: kind, Checkpoint: checkpoint, Objects: objects})
	return h.Seq
}

func (f *exportFolder) name(seq int64, kind string) string {
	return fmt.Sprintf("%012d-%s.jsonl", seq, kind)
}

// writeLines writes a file of JSON lines as it is, for broken files.
func (f *exportFolder) writeLines(name string, lines ...any) {
	f.t.Helper()
	var b []byte
	for _, l := range lines {
		j, err := json.Marshal(l)
		if err != nil {
			f.t.Fatal(err)
		}
		b = append(append(b, j...), '\n')
	}
	if err := os.WriteFile(filepath.Join(f.dir, name), b, 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *exportFolder) remove(seq int64, kind string) {
	f.t.Helper()
	if err := os.Remove(filepath.Join(f.dir, f.name(seq, kind))); err != nil {
		f.t.Fatal(err)
	}
}

// importRun is the outcome of one import run profile step.
type importRun struct {
	Objects []map[string]any
	Pages   []int  // objects per call of the script
	Kept    string // the custom data MIM keeps for the next run
}

// between, when set, runs before each call of the script after the first.
type between func(call int)

// runImport drives Import.ps1's algorithm as the MA and MIM do: a Full Import
// starts with blank custom data, a Delta Import with the kept one; the script
// is called while it says MoreToImport; the custom data it leaves is kept only
// when the run ends without an error. MIM refuses a second object with the
// same anchor in one run, and so does this.
func runImport(folder, operation, kept string, pageSize int, hooks ...between) (importRun, error) {
	call := scriptCall{Folder: folder, OperationType: operation, UsePagedImport: pageSize > 0, PageSize: pageSize}
	if operation == "Delta" {
		call.RunStepCustomData = kept
	}
	run := importRun{Kept: kept}
	seen := map[string]bool{}
	for n := 0; ; n++ {
		for _, h := range hooks {
			if n > 0 {
				h(n)
			}
		}
		objects, err := importScript(&call)
		if err != nil {
			return run, err
		}
		for _, o := range objects {
			id := o["id"].(string)
			if seen[id] {
				return run, fmt.Errorf("MIM: duplicate anchor %s in one run", id)
			}
			seen[id] = true
		}
		run.Objects = append(run.Objects, objects...)
		run.Pages = append(run.Pages, len(objects))
		if !call.UsePagedImport || !call.MoreToImport {
			break
		}
		if n > 1_000_000 {
			return run, fmt.Errorf("the script never stops saying MoreToImport")
		}
	}
	run.Kept = call.RunStepCustomData
	return run, nil
}
