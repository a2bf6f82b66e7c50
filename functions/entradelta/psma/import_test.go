package psma

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/settings"
)

// sessions are the two ways the MA may call the script page after page: in
// one PowerShell session, which keeps $global:EntraImportRun, and in a new
// session each page, which rebuilds the run from the files.
var sessions = []struct {
	name  string
	hooks []between
}{
	{"one session", nil},
	{"a new session each page", []between{func(int) { importRunCache = nil }}},
}

// pageSizes are the MA page sizes every scenario runs with; 0 is an MA
// without paged import (one call returns everything).
var pageSizes = []int{1, 2, 100, 0}

// expectFull is what a Full Import must leave in the connector space: the
// newest full round, with every later delta round applied in order.
func expectFull(f *exportFolder) map[string]string {
	state := map[string]string{}
	for _, r := range f.rounds {
		if r.Kind == "full" {
			state = map[string]string{}
		}
		for _, o := range r.Objects {
			if o.ChangeType == "delete" {
				delete(state, o.ID)
			} else {
				state[o.ID] = describe(o)
			}
		}
	}
	return state
}

// expectDelta is what a Delta Import after seq watermark must bring: each
// object changed since, once, in its last state, deletes included;
// checkpoints add nothing.
func expectDelta(f *exportFolder, watermark int64) map[string]string {
	changes := map[string]string{}
	for _, r := range f.rounds {
		if r.Seq <= watermark || r.Checkpoint {
			continue
		}
		for _, o := range r.Objects {
			changes[o.ID] = describe(o)
		}
	}
	return changes
}

func describe(o object) string {
	if o.ChangeType == "delete" {
		return o.ObjectClass + " delete"
	}
	return fmt.Sprintf("%s %v %v", o.ObjectClass, o.Attributes["displayName"], o.Members)
}

// imported describes the objects a run handed MIM, as describe does.
func imported(t *testing.T, run importRun) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, e := range run.Objects {
		id := e["id"].(string)
		if e["[DN]"] != id {
			t.Errorf("%s: DN %v, want the id", id, e["[DN]"])
		}
		if e["changeType"] == "delete" {
			got[id] = e["objectClass"].(string) + " delete"
			continue
		}
		members, _ := e["members"].([]string)
		got[id] = fmt.Sprintf("%s %v %v", e["objectClass"], e["displayName"], members)
	}
	return got
}

func checkRun(t *testing.T, name string, run importRun, want map[string]string, wantKept int64, size int) {
	t.Helper()
	if got := imported(t, run); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: imported\n%v\nwant\n%v", name, got, want)
	}
	if run.Kept != strconv.FormatInt(wantKept, 10) {
		t.Errorf("%s: MIM keeps custom data %q, want %d", name, run.Kept, wantKept)
	}
	for i, n := range run.Pages {
		if size > 0 && n > size {
			t.Errorf("%s: call %d returned %d objects, more than the page size %d", name, i, n, size)
		}
	}
}

// tenant writes a history with every kind of change: a full round, deltas,
// a newer full round, and deltas after it.
func tenant(t *testing.T) *exportFolder {
	f := newExportFolder(t)
	f.write("full", user("u1", "Ann"), user("u2", "Bob"), group("g1", "Staff", "u1", "u2"))
	f.write("delta", user("u3", "Cat"), user("u1", "Ann B."), group("g1", "Staff", "u1", "u2", "u3"))
	f.write("delta", deleted("user", "u2"), group("g1", "Staff", "u1", "u3"))
	f.write("full", user("u1", "Ann B."), user("u3", "Cat"), group("g1", "Staff", "u1", "u3"), group("g2", "Empty"))
	f.write("delta", user("u4", "Dan"), group("g2", "Empty", "u4", "g1"))
	f.write("delta", user("u4", "Dan E."), deleted("user", "u3"), group("g1", "Staff", "u1"))
	return f
}

func TestFullImportReadsTheNewestFullFileAndTheDeltasAfterIt(t *testing.T) {
	f := tenant(t)
	want := expectFull(f)
	if len(want) != 4 {
		t.Fatalf("the fixture's final state has %d objects: %v", len(want), want)
	}
	for _, session := range sessions {
		for _, size := range pageSizes {
			run, err := runImport(f.dir, "Full", "17", size, session.hooks...)
			if err != nil {
				t.Fatalf("%s, page size %d: %v", session.name, size, err)
			}
			checkRun(t, fmt.Sprintf("%s, page size %d", session.name, size), run, want, f.seq, size)
		}
	}
}

func TestFullImportWithOlderFilesPrunedOrNoDeltas(t *testing.T) {
	f := tenant(t)
	f.remove(1, "full")
	f.remove(2, "delta")
	run, err := runImport(f.dir, "Full", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, "pruned", run, expectFull(f), f.seq, 2)

	g := newExportFolder(t)
	g.write("full", user("u1", "Ann"), group("g1", "All", "u1"))
	run, err = runImport(g.dir, "Full", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, "full only", run, expectFull(g), 1, 1)
}

func TestDeltaImportReadsTheFilesAfterItsSeq(t *testing.T) {
	for _, size := range pageSizes {
		f := newExportFolder(t)
		f.write("full", user("u1", "Ann"), user("u2", "Bob"), group("g1", "Staff", "u1"))
		full, err := runImport(f.dir, "Full", "", size)
		if err != nil {
			t.Fatal(err)
		}
		f.write("delta", user("u3", "Cat"), group("g1", "Staff", "u1", "u3"))
		f.write("delta", deleted("user", "u2"), user("u1", "Ann B."))
		delta, err := runImport(f.dir, "Delta", full.Kept, size)
		if err != nil {
			t.Fatalf("page size %d: %v", size, err)
		}
		checkRun(t, fmt.Sprintf("page size %d", size), delta, expectDelta(f, 1), 3, size)

		again, err := runImport(f.dir, "Delta", delta.Kept, size)
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, "nothing new", again, map[string]string{}, 3, size)
	}
}

func TestDeltaImportRefusesWhatItCannotContinue(t *testing.T) {
	cases := []struct {
		name  string
		setup func(f *exportFolder) string // returns the kept custom data
		want  string
	}{
		{"pruned seq", func(f *exportFolder) string {
			f.write("delta", user("u2", "Bob"))
			f.write("delta", user("u3", "Cat"))
			f.remove(2, "delta")
			return "1"
		}, "Change file seq 2 is missing"},
		{"pruned watermark and more", func(f *exportFolder) string {
			for range 4 {
				f.write("delta", user("u2", "Bob"))
			}
			f.remove(1, "full")
			f.remove(2, "delta")
			f.remove(3, "delta")
			return "1"
		}, "Change file seq 2 is missing"},
		{"new full round", func(f *exportFolder) string {
			f.write("delta", user("u2", "Bob"))
			f.write("full", user("u1", "Ann"), user("u2", "Bob"))
			f.write("delta", user("u3", "Cat"))
			return "1"
		}, "a new full round (reason requested) started at seq 3, after the last imported seq 1. Run a Full Import."},
		{"export started over", func(f *exportFolder) string {
			return "40"
		}, "older than the last imported seq 40: the export started over. Run a Full Import."},
		{"no watermark", func(f *exportFolder) string { return "" }, "Run a Full Import first."},
		{"no folder", func(f *exportFolder) string {
			os.RemoveAll(f.dir)
			return "1"
		}, "The configuration parameter Folder must name the folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newExportFolder(t)
			f.write("full", user("u1", "Ann"))
			kept := c.setup(f)
			run, err := runImport(f.dir, "Delta", kept, 2)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
			if run.Kept != kept || len(run.Objects) != 0 {
				t.Errorf("a refused run imported %d objects and kept %q, want none and %q", len(run.Objects), run.Kept, kept)
			}
		})
	}
}

func TestABrokenChainOrFileIsRefused(t *testing.T) {
	h := func(seq, previous int64, kind string, objects int) header {
		return header{Format: changeFileFormat, Seq: seq, Kind: kind, Previous: previous, Objects: objects}
	}
	u := user("u9", "Zed")
	cases := []struct {
		name      string
		operation string
		file      string
		lines     []any
		want      string
	}{
		{"previous not the file before", "Delta", "000000000003-delta.jsonl", []any{h(3, 1, "delta", 1), u}, "broken chain: the header says previous 1, but the file before it is seq 2"},
		{"seq not the name's", "Delta", "000000000003-delta.jsonl", []any{h(4, 2, "delta", 1), u}, "does not match the file name"},
		{"kind not the name's", "Full", "000000000003-delta.jsonl", []any{h(3, 2, "full", 1), u}, "does not match the file name"},
		{"another format", "Delta", "000000000003-delta.jsonl", []any{map[string]any{"format": "tenantops.entra.v2", "seq": 3, "kind": "delta", "previous": 2, "objects": 1}, u}, "(format tenantops.entra.v2, seq 3, kind delta) does not match"},
		{"fewer objects than the header", "Delta", "000000000003-delta.jsonl", []any{h(3, 2, "delta", 2), u}, "the header says 2 objects, the file holds 1: it is incomplete"},
		{"more objects than the header", "Full", "000000000003-delta.jsonl", []any{h(3, 2, "delta", 0), u}, "the header says 0 objects, the file holds 1"},
		{"no header", "Delta", "000000000003-delta.jsonl", []any{u}, "does not match the file name"},
		{"not an object", "Delta", "000000000003-delta.jsonl", []any{h(3, 2, "delta", 1), map[string]any{"objectClass": "device", "id": "d1", "changeType": "upsert"}}, "not a change file object"},
		{"class not as written", "Delta", "000000000003-delta.jsonl", []any{h(3, 2, "delta", 1), map[string]any{"objectClass": "User", "id": "u1", "changeType": "upsert"}}, "not a change file object"},
		{"change type not as written", "Delta", "000000000003-delta.jsonl", []any{h(3, 2, "delta", 1), map[string]any{"objectClass": "user", "id": "u1", "changeType": "Delete"}}, "not a change file object"},
		{"no change type", "Full", "000000000003-delta.jsonl", []any{h(3, 2, "delta", 1), map[string]any{"objectClass": "user", "id": "u1"}}, "not a change file object"},
		{"gap after the full file", "Full", "000000000004-delta.jsonl", []any{h(4, 3, "delta", 1), u}, "Change file seq 3 is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newExportFolder(t)
			f.write("full", user("u1", "Ann"))
			f.write("delta", user("u2", "Bob"))
			f.writeLines(c.file, c.lines...)
			_, err := runImport(f.dir, c.operation, "1", 100)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
		})
	}
}

func TestTheSameObjectInSeveralFilesIsImportedOnceInItsLastState(t *testing.T) {
	f := newExportFolder(t)
	f.write("full", user("u1", "v1"), user("u2", "Bob"), group("g1", "G", "u1"))
	f.write("delta", user("u1", "v2"), group("g1", "G", "u1", "u2"), user("u5", "Eve"))
	f.write("delta", user("u1", "v3"), deleted("user", "u2"), deleted("user", "u5"))
	f.write("delta", user("u2", "Bob again"), group("g1", "G", "u2"), user("u6", "Fay"))
	f.write("delta", user("u1", "v5"), deleted("user", "u6"))
	for i, size := range append(pageSizes, pageSizes...) {
		session := sessions[i/len(pageSizes)]
		full, err := runImport(f.dir, "Full", "", size, session.hooks...)
		if err != nil {
			t.Fatalf("page size %d: %v", size, err)
		}
		checkRun(t, fmt.Sprintf("full, page size %d", size), full, expectFull(f), 5, size)
		if got := imported(t, full)["u1"]; got != "user v5 []" {
			t.Errorf("u1 is %q after a full import, want its last state v5", got)
		}
		delta, err := runImport(f.dir, "Delta", "1", size, session.hooks...)
		if err != nil {
			t.Fatalf("page size %d: %v", size, err)
		}
		checkRun(t, fmt.Sprintf("delta, page size %d", size), delta, expectDelta(f, 1), 5, size)
		got := imported(t, delta)
		if got["u6"] != "user delete" || got["u5"] != "user delete" || got["u2"] != "user Bob again []" {
			t.Errorf("delta import: u2 %q, u5 %q, u6 %q", got["u2"], got["u5"], got["u6"])
		}
	}
}

func TestPagesHoldPageSizeObjectsAndResumeWhereTheyStopped(t *testing.T) {
	f := newExportFolder(t)
	var everyone []object
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("u%03d", i)
		everyone = append(everyone, user(id, "name "+id))
		ids = append(ids, id)
	}
	f.write("full", append(everyone, group("all", "Everyone", ids...))...)
	f.write("delta", user("u007", "changed"), deleted("user", "u008"))
	for i, size := range []int{1, 2, 100, 1, 2, 100} {
		run, err := runImport(f.dir, "Full", "", size, sessions[i/3].hooks...)
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, fmt.Sprintf("page size %d", size), run, expectFull(f), 2, size)
		// 251 objects in the full file, two of them superseded; 250 to import.
		wantCalls := (250+size-1)/size + boolToInt(250%size == 0)
		if len(run.Pages) > wantCalls+1 || len(run.Pages) < (250+size-1)/size {
			t.Errorf("page size %d: %d calls (%v), want about %d", size, len(run.Pages), run.Pages[:min(5, len(run.Pages))], wantCalls)
		}
		if size > 1 && run.Pages[0] != size {
			t.Errorf("page size %d: the first page holds %d objects", size, run.Pages[0])
		}
	}
}

func TestAPageSizeBelowOneStillMakesProgress(t *testing.T) {
	f := newExportFolder(t)
	f.write("full", user("u1", "Ann"), user("u2", "Bob"))
	call := scriptCall{Folder: f.dir, OperationType: "Full", UsePagedImport: true, PageSize: 0}
	objects, err := importScript(&call)
	if err != nil || len(objects) != 2 || call.MoreToImport {
		t.Errorf("page size 0: %d objects, more %v, %v; want both objects on the default page", len(objects), call.MoreToImport, err)
	}
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestARunStaysOnTheFilesItStartedWith(t *testing.T) {
	f := newExportFolder(t)
	f.write("full", user("u1", "Ann"), user("u2", "Bob"), user("u3", "Cat"))
	f.write("delta", user("u1", "Ann B."))
	mid := func(call int) {
		if call == 1 {
			// While MIM imports, the function delivers a delta that changes an
			// object already imported, and then a new full round.
			f.write("delta", user("u2", "Bob C."), user("u1", "Ann C."))
			f.write("full", user("u1", "Ann C."), user("u2", "Bob C."))
		}
	}
	run, err := runImport(f.dir, "Full", "", 1, mid)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"u1": "user Ann B. []", "u2": "user Bob []", "u3": "user Cat []"}
	checkRun(t, "full import", run, want, 2, 1)

	_, err = runImport(f.dir, "Delta", run.Kept, 1)
	if err == nil || !strings.Contains(err.Error(), "started at seq 4") {
		t.Fatalf("the next delta import: %v, want the new full round refused", err)
	}
}

func TestAFailedRunKeepsTheOldSeq(t *testing.T) {
	for _, session := range sessions {
		f := newExportFolder(t)
		f.write("full", user("u1", "Ann"))
		f.write("delta", user("u2", "Bob"), user("u3", "Cat"), user("u4", "Dan"))
		f.write("delta", user("u5", "Eve"))
		// Seq 2, read last (newest first), is pruned after the first page:
		// the run fails and MIM keeps 1.
		prune := func(call int) {
			if call == 1 {
				f.remove(2, "delta")
			}
		}
		run, err := runImport(f.dir, "Delta", "1", 1, append([]between{prune}, session.hooks...)...)
		if err == nil || !strings.Contains(err.Error(), "changed while it ran (seq 2 or 3 is gone)") || run.Kept != "1" {
			t.Errorf("%s: error %v, kept %q; want an error and the old seq 1 kept", session.name, err, run.Kept)
		}
	}
}

func TestPageTokensTheScriptDidNotWriteAreRefused(t *testing.T) {
	f := newExportFolder(t)
	f.write("full", user("u1", "Ann"), user("u2", "Bob"))
	for token, want := range map[string]string{
		"1:1:7":        "is not the start of a line",
		"1:1:99999":    "is not the start of a line",
		"not-a-token":  "is not one this script wrote",
		"1:1:-3":       "is not one this script wrote",
		"1:1:2:extra":  "is not one this script wrote",
		"0x1:1:1":      "is not one this script wrote",
		"1:1:7\n":      "is not one this script wrote",
		"1;del C:\\:0": "is not one this script wrote",
	} {
		call := scriptCall{Folder: f.dir, OperationType: "Full", UsePagedImport: true, PageSize: 1, PageToken: token}
		if _, err := importScript(&call); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("token %q: %v, want %q", token, err, want)
		}
	}
}

func TestTheImportedObjectsCarryWhatTheMANeeds(t *testing.T) {
	f := newExportFolder(t)
	f.writeLines("000000000001-full.jsonl",
		header{Format: changeFileFormat, Seq: 1, Kind: "full", Objects: 2},
		map[string]any{"objectClass": "user", "id": "u1", "changeType": "upsert", "attributes": map[string]any{
			"displayName": "Ann", "accountEnabled": false, "employeeHireDate": nil, "businessPhones": []any{},
			"proxyAddresses": []any{"SMTP:ann@example.com", "smtp:a@example.com"}, "onPremisesExtensionAttributes": map[string]any{"extensionAttribute1": "x"},
			"age": 42}},
		map[string]any{"objectClass": "group", "id": "g1", "changeType": "upsert", "attributes": map[string]any{"displayName": "G"}, "members": []any{"u1", nil, "g2"}},
	)
	f.writeLines("000000000002-delta.jsonl", header{Format: changeFileFormat, Seq: 2, Kind: "delta", Previous: 1, Objects: 1}, deleted("group", "g2"))
	full, err := runImport(f.dir, "Full", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, o := range full.Objects {
		byID[o["id"].(string)] = o
	}
	wantUser := map[string]any{"objectClass": "user", "id": "u1", "[DN]": "u1", "displayName": "Ann", "accountEnabled": false,
		"proxyAddresses": []any{"SMTP:ann@example.com", "smtp:a@example.com"}, "onPremisesExtensionAttributes": `{"extensionAttribute1":"x"}`, "age": int64(42)}
	if !reflect.DeepEqual(byID["u1"], wantUser) {
		t.Errorf("user\n%#v\nwant\n%#v", byID["u1"], wantUser)
	}
	if got := byID["g1"]["members"]; !reflect.DeepEqual(got, []string{"u1", "g2"}) {
		t.Errorf("members %v", got)
	}
	if len(full.Objects) != 2 {
		t.Errorf("a full import handed MIM %d objects; the delete of g2 has no place in it", len(full.Objects))
	}
	delta, err := runImport(f.dir, "Delta", "1", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"objectClass": "group", "id": "g2", "[DN]": "g2", "changeType": "delete"}}
	if !reflect.DeepEqual(delta.Objects, want) {
		t.Errorf("delta import %v, want %v", delta.Objects, want)
	}
}

func TestOtherFilesInTheFolderAreIgnored(t *testing.T) {
	f := newExportFolder(t)
	f.write("full", user("u1", "Ann"))
	for _, name := range []string{"000000000002-delta.jsonl.tmp", "2-delta.jsonl", "000000000002-DELTA.jsonl", "readme.txt", "000000000002-full.json"} {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte("junk\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(f.dir, "000000000003-delta.jsonl"), 0o755); err != nil {
		t.Fatal(err)
	}
	run, err := runImport(f.dir, "Full", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, "with junk", run, expectFull(f), 1, 10)
}

// TestModelSpeaksTheScriptsMessages keeps the model and Import.ps1 together:
// every message and the page token's shape appear in the script verbatim.
func TestModelSpeaksTheScriptsMessages(t *testing.T) {
	script := Scripts()["Import.ps1"]
	for _, m := range scriptMessages {
		if !strings.Contains(script, m) {
			t.Errorf("Import.ps1 lacks %q", m)
		}
	}
	for _, re := range []string{changeFileName.String(), pageTokenShape.String()} {
		if !strings.Contains(script, "'"+re+"'") {
			t.Errorf("Import.ps1 lacks the pattern %s", re)
		}
	}
	var names []string
	for _, fn := range []string{"Get-ChangeFiles", "Select-Plan", "Read-Header", "Test-Chain", "New-Run", "Restore-Run",
		"Test-Count", "ConvertTo-ImportObject", "Test-LineStart", "Read-Page"} {
		if !strings.Contains(script, "function "+fn+"(") {
			names = append(names, fn)
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Errorf("Import.ps1 lacks the functions %v that the model mirrors", names)
	}
}

// TestSchemaDefaultsAreTheExportedAttributes: Schema.ps1 declares exactly the
// properties EntraUserAttributes and EntraGroupAttributes export by default.
func TestSchemaDefaultsAreTheExportedAttributes(t *testing.T) {
	schema := Scripts()["Schema.ps1"]
	for variable, spec := range map[string]settings.Spec{"$userAttributes": settings.EntraUserAttributes, "$groupAttributes": settings.EntraGroupAttributes} {
		start := strings.Index(schema, variable+" = @(")
		if start < 0 {
			t.Fatalf("Schema.ps1 has no %s list", variable)
		}
		list := schema[start : start+strings.Index(schema[start:], ")")]
		var names []string
		for _, m := range regexp.MustCompile(`'(\w+)\|`).FindAllStringSubmatch(list, -1) {
			names = append(names, m[1])
		}
		if got := strings.Join(names, ","); got != spec.Default {
			t.Errorf("Schema.ps1 %s declares %s, want %s's default %s", variable, got, spec.Name, spec.Default)
		}
	}
}

// checkpointed writes a history with checkpoints: a full round, a delta, a
// checkpoint holding the state so far, and a delta after it.
func checkpointed(t *testing.T) *exportFolder {
	f := newExportFolder(t)
	f.write("full", user("u1", "Ann"), user("u2", "Bob"), group("g1", "Staff", "u1"))
	f.write("delta", user("u2", "Bob B."), group("g1", "Staff", "u1", "u2"))
	f.write("checkpoint", user("u1", "Ann"), user("u2", "Bob B."), group("g1", "Staff", "u1", "u2"))
	f.write("delta", deleted("user", "u1"), user("u3", "Cat"))
	return f
}

func TestADeltaImportPassesOverACheckpoint(t *testing.T) {
	for _, session := range sessions {
		for _, size := range pageSizes {
			f := checkpointed(t)
			name := fmt.Sprintf("%s, page size %d", session.name, size)
			run, err := runImport(f.dir, "Delta", "1", size, session.hooks...)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkRun(t, name, run, expectDelta(f, 1), 4, size)
			if got := imported(t, run); got["u1"] != "user delete" || got["u2"] != "user Bob B. []" || len(got) != 4 {
				t.Errorf("%s: imported %v", name, got)
			}
			// A checkpoint as the only new file imports nothing and moves the seq on.
			f.write("checkpoint", user("u2", "Bob B."), user("u3", "Cat"), group("g1", "Staff", "u1", "u2"))
			run, err = runImport(f.dir, "Delta", "4", size, session.hooks...)
			if err != nil || len(run.Objects) != 0 || run.Kept != "5" {
				t.Errorf("%s: after a lone checkpoint: %d objects, kept %q, %v", name, len(run.Objects), run.Kept, err)
			}
		}
	}
}

func TestAFullImportStartsAtTheNewestCheckpoint(t *testing.T) {
	f := checkpointed(t)
	f.remove(1, "full")
	f.remove(2, "delta")
	for _, session := range sessions {
		run, err := runImport(f.dir, "Full", "", 1, session.hooks...)
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, session.name, run, expectFull(f), 4, 1)
	}
}

func TestADeltaImportStopsAtAnyOtherFullFile(t *testing.T) {
	for _, reason := range []string{"first", "resync", "requested", "attributes", ""} {
		f := newExportFolder(t)
		f.write("full", user("u1", "Ann"))
		f.write("delta", user("u2", "Bob"))
		h := header{Format: changeFileFormat, Seq: 3, Kind: "full", Previous: 2, Objects: 1, Reason: reason}
		f.writeLines(f.name(3, "full"), h, user("u1", "Ann"))
		run, err := runImport(f.dir, "Delta", "1", 100)
		want := fmt.Sprintf("a new full round (reason %s) started at seq 3, after the last imported seq 1. Run a Full Import.", reason)
		if err == nil || !strings.Contains(err.Error(), want) || len(run.Objects) != 0 || run.Kept != "1" {
			t.Errorf("reason %q: %v, %d objects, kept %q; want %q and nothing imported", reason, err, len(run.Objects), run.Kept, want)
		}
	}
}

func TestReferencesBecomeReferenceAttributes(t *testing.T) {
	f := newExportFolder(t)
	f.writeLines("000000000001-full.jsonl",
		header{Format: changeFileFormat, Seq: 1, Kind: "full", Objects: 4, Reason: "first"},
		map[string]any{"objectClass": "user", "id": "u1", "changeType": "upsert", "attributes": map[string]any{"displayName": "Ann"},
			"references": map[string]any{"manager": "u2"}},
		map[string]any{"objectClass": "user", "id": "u2", "changeType": "upsert", "attributes": map[string]any{"displayName": "Bob"}},
		map[string]any{"objectClass": "group", "id": "g1", "changeType": "upsert", "members": []any{"u1"},
			"references": map[string]any{"owners": []any{"u2", nil}}},
		map[string]any{"objectClass": "group", "id": "g2", "changeType": "upsert", "references": map[string]any{"owners": []any{}}},
	)
	run, err := runImport(f.dir, "Full", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, o := range run.Objects {
		byID[o["id"].(string)] = o
	}
	if byID["u1"]["manager"] != "u2" || byID["u2"]["manager"] != nil {
		t.Errorf("manager: u1 %v, u2 %v", byID["u1"]["manager"], byID["u2"]["manager"])
	}
	if got := byID["g1"]["owners"]; !reflect.DeepEqual(got, []string{"u2"}) {
		t.Errorf("owners of g1 %#v, want [u2]", got)
	}
	if _, ok := byID["g2"]["owners"]; ok {
		t.Errorf("g2 without owners carries %v", byID["g2"]["owners"])
	}

	g := newExportFolder(t)
	g.writeLines("000000000001-full.jsonl", header{Format: changeFileFormat, Seq: 1, Kind: "full", Objects: 1, Reason: "first"},
		map[string]any{"objectClass": "user", "id": "u1", "changeType": "upsert", "attributes": map[string]any{"displayName": "Ann"},
			"references": map[string]any{"displayName": "u2"}})
	if _, err := runImport(g.dir, "Full", "", 100); err == nil || !strings.Contains(err.Error(), "not a change file object") {
		t.Errorf("a reference named like an attribute: %v", err)
	}
}

// TestEachLineIsParsedOnce: however small the pages, a run parses each
// object line of its files once (the run's seen ids stay in the session);
// only a new session per page rebuilds them from the files already read.
func TestEachLineIsParsedOnce(t *testing.T) {
	f := newExportFolder(t)
	var everyone []object
	for i := range 300 {
		everyone = append(everyone, user(fmt.Sprintf("u%03d", i), "v1"))
	}
	f.write("full", everyone...)
	lines := len(everyone)
	for d := range 30 {
		f.write("delta", user(fmt.Sprintf("u%03d", d), "v2"), user(fmt.Sprintf("u%03d", 100+d), "v2"))
		lines += 2
	}
	for _, size := range []int{1, 7, 100} {
		linesParsed.Store(0)
		run, err := runImport(f.dir, "Full", "", size)
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, fmt.Sprintf("page size %d", size), run, expectFull(f), f.seq, size)
		if got := linesParsed.Load(); got != int64(lines) {
			t.Errorf("page size %d: %d object lines parsed, want each of the %d once", size, got, lines)
		}
	}
}
