package mimtest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/opstime"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

type backupParams struct {
	Root            string  `json:"root"`
	Folder          string  `json:"folder"`
	FolderFormat    string  `json:"folderFormat"`
	Created         string  `json:"created"`
	ServiceURI      string  `json:"serviceUri"`
	ExtensionsPath  string  `json:"extensionsPath"`
	RetentionCutoff string  `json:"retentionCutoff"`
	KeepMin         int     `json:"keepMin"`
	BudgetSeconds   float64 `json:"budgetSeconds"`
	Zip             bool    `json:"zip"`
	LeftoverMax     int     `json:"leftoverMax"`
}

type step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	OK      bool    `json:"ok"`
	Error   string  `json:"error"`
}

type file struct {
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentHash string `json:"contentHash,omitempty"`
}

// backupRun is one run of backup.ps1.
type backupRun struct {
	s       *Server
	p       backupParams
	ctx     context.Context // cancelled when the client deletes the shell: the process is killed
	started time.Time
	stdout  io.Writer
	backup  string // local path of the new folder
	steps   []step
	partial bool // the budget ran out and steps were not run

	retentionSkipped string           // why retention deleted nothing
	keptByMinimum    []string         // older than the cutoff, kept as the newest complete
	found            []foundZip       // zips of earlier runs, found as the run starts
	leftovers        []map[string]any // those still to deliver, oldest first
	leftoversRemoved []map[string]any // those removed without upload, and why
}

// backup emulates backup.ps1.
func (s *Server) backup(ctx context.Context, c *winrmtest.Call) int {
	var p backupParams
	if err := json.Unmarshal(c.Params, &p); err != nil {
		fmt.Fprintf(c.Stderr, "ConvertFrom-Json : %v\r\n", err)
		return 1
	}
	out, err := (&backupRun{s: s, p: p, ctx: ctx, started: time.Now(), stdout: c.Stdout}).run()
	if err != nil {
		fmt.Fprintf(c.Stderr, "%v\r\n", err)
		return 1
	}
	fmt.Fprintf(c.Stdout, "%s\r\n", out)
	return 0
}

func (r *backupRun) run() ([]byte, error) {
	root, err := r.s.Disk.Path(r.p.Root)
	if err != nil {
		return nil, err
	}
	r.backup = filepath.Join(root, r.p.Folder)
	if _, err := os.Stat(r.backup); err == nil {
		return nil, fmt.Errorf("backup folder %s\\%s already exists; refusing to overwrite it", r.p.Root, r.p.Folder)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	cleanupError := r.findLeftovers(root)
	for _, sub := range []string{"MAExports", "ServerExport", "MAExtensions", "PortalExport"} {
		if err := os.MkdirAll(filepath.Join(r.backup, sub), 0o755); err != nil {
			return nil, err
		}
	}
	r.step("MAExports", r.exportMAs)
	r.step("ServerExport", r.exportServer)
	r.step("MAExtensions", r.copyExtensions)
	r.step("PortalExport", r.exportService)
	if err := r.ctx.Err(); err != nil {
		return nil, err // killed: no manifest, no summary
	}
	files, err := listFiles(r.backup)
	if err != nil {
		return nil, err
	}
	earlier := r.earlierBackups(root)
	previous, previousManifest := newestManifest(earlier)
	if msg := r.sortLeftovers(root); msg != "" && cleanupError == "" {
		cleanupError = msg
	}
	var deleted []string
	r.step("Retention", func() error { return r.retention(earlier, &deleted) })
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	return r.finish(root, files, previous, previousManifest, deleted, cleanupError)
}

// step runs one step unless the budget is spent or the process was killed,
// records it, and prints its step line at once, as the script does.
func (r *backupRun) step(name string, work func() error) {
	if r.ctx.Err() != nil {
		return
	}
	start := time.Now()
	st := step{Name: name, OK: true}
	switch {
	case name != "Retention" && r.p.BudgetSeconds > 0 && time.Since(r.started).Seconds() >= r.p.BudgetSeconds:
		r.partial = true
		st.OK, st.Error = false, fmt.Sprintf("not run: the run deadline was near (time budget of %g s spent)", r.p.BudgetSeconds)
	default:
		if err := r.s.stepDelay(r.ctx, name); err != nil {
			return // killed in the middle of the step
		}
		if err := work(); err != nil {
			st.OK, st.Error = false, err.Error()
		}
	}
	st.Seconds = float64(time.Since(start).Milliseconds()) / 1000
	r.steps = append(r.steps, st)
	line, _ := json.Marshal(st)
	fmt.Fprintf(r.stdout, "step:%s\r\n", line)
}

// foundZip is a zip an earlier run left: .<folder>.zip right under the root.
type foundZip struct {
	folder, path string // path: the Windows path
	date         time.Time
}

// findLeftovers lists the plain files named .<backup name>.zip right under
// the root, as the script does before it starts; it returns why that
// failed, "" when it did not.
func (r *backupRun) findLeftovers(root string) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return err.Error()
	}
	for _, e := range entries {
		inner, ok := strings.CutPrefix(e.Name(), ".")
		inner, ok2 := strings.CutSuffix(inner, ".zip")
		if !ok || !ok2 || !e.Type().IsRegular() {
			continue
		}
		d, err := opstime.Parse(r.p.FolderFormat, inner, time.UTC)
		if err != nil {
			continue
		}
		r.found = append(r.found, foundZip{folder: inner, path: r.p.Root + `\` + e.Name(), date: d})
	}
	sort.SliceStable(r.found, func(i, j int) bool { return r.found[i].date.Before(r.found[j].date) })
	return ""
}

// sortLeftovers keeps the leftovers the function can deliver (an off-site
// container is set, and the backup is complete and still there), with the
// size and, for the first LeftoverMax, the SHA-256 of each, and removes
// the others, as the script does before retention runs.
func (r *backupRun) sortLeftovers(root string) string {
	for _, z := range r.found {
		local := filepath.Join(root, "."+z.folder+".zip")
		folder := filepath.Join(root, z.folder)
		info, statErr := os.Stat(folder)
		why := ""
		switch {
		case !r.p.Zip:
			why = "no off-site container is set"
		case z.folder == r.p.Folder || statErr != nil || !info.IsDir():
			why = "its backup folder is gone"
		case !isComplete(folder):
			why = "its backup is not complete"
		}
		if why != "" {
			if err := os.Remove(local); err != nil {
				return err.Error()
			}
			r.leftoversRemoved = append(r.leftoversRemoved, map[string]any{"zip": z.path, "why": why})
			continue
		}
		data, err := os.ReadFile(local)
		if err != nil {
			return err.Error()
		}
		entry := map[string]any{"zip": z.path, "folder": z.folder, "size": len(data), "sha256": ""}
		if len(r.leftovers) < r.p.LeftoverMax {
			entry["sha256"] = sha(data)
		}
		r.leftovers = append(r.leftovers, entry)
	}
	return ""
}

func (r *backupRun) exportDate() string { return r.s.now().Format("2006-01-02 15:04:05.000") }

func (r *backupRun) exportMAs() error {
	if r.s.NoLithnet {
		return fmt.Errorf("%s", errNoLithnet)
	}
	var failures []string
	taken := map[string]bool{}
	for _, ma := range r.s.MAs {
		file := uniqueName(safeName(ma.Name), taken)
		if msg, bad := r.s.FailMAs[ma.Name]; bad {
			failures = append(failures, ma.Name+": "+msg)
			continue
		}
		xml := fmt.Sprintf("<saved-ma-configuration server='MIMSYNC01' export-date='%s'>\n<ma-data><name>%s</name><category>%s</category><version>%d</version></ma-data>\n</saved-ma-configuration>\n",
			r.exportDate(), ma.Name, ma.Type, ma.Version)
		if err := os.WriteFile(filepath.Join(r.backup, "MAExports", file+".xml"), []byte(xml), 0o644); err != nil {
			return err
		}
	}
	if len(failures) > 0 {
		return fmt.Errorf("export failed for %s", strings.Join(failures, "; "))
	}
	return nil
}

func (r *backupRun) exportServer() error {
	if r.s.NoLithnet {
		return fmt.Errorf("%s", errNoLithnet)
	}
	dir := filepath.Join(r.backup, "ServerExport")
	mv := fmt.Sprintf("<saved-mv-configuration server='MIMSYNC01' export-date='%s'><mv-data/></saved-mv-configuration>\n", r.exportDate())
	if err := os.WriteFile(filepath.Join(dir, "MV.XML"), []byte(mv), 0o644); err != nil {
		return err
	}
	for i, ma := range r.s.MAs {
		xml := fmt.Sprintf("<saved-ma-configuration server='MIMSYNC01' export-date='%s'><ma-data><name>%s</name><version>%d</version></ma-data></saved-ma-configuration>\n",
			r.exportDate(), ma.Name, ma.Version)
		name := fmt.Sprintf("MA-{%08X-0000-4000-8000-%012X}.XML", i+1, i+1)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(xml), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (r *backupRun) copyExtensions() error {
	src, err := r.s.Disk.Path(r.p.ExtensionsPath)
	if err != nil {
		return err
	}
	if info, err := os.Stat(src); err != nil || !info.IsDir() {
		return fmt.Errorf("extensions folder %s does not exist", r.p.ExtensionsPath)
	}
	dst := filepath.Join(r.backup, "MAExtensions")
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

func (r *backupRun) exportService() error {
	switch {
	case r.s.NoFIMAutomation:
		return fmt.Errorf("%s", errNoFIM)
	case r.s.ServiceDown:
		return fmt.Errorf("%s", r.s.serviceDown(r.p.ServiceURI))
	}
	if r.s.NoReadRights {
		// Export-FIMConfig returns no objects and no error when no
		// management policy rule grants the account read access.
		return fmt.Errorf("%s", errEmptyExport)
	}
	for name, content := range map[string]string{"schema.xml": r.s.Schema, "policy.xml": r.s.Policy, "portal.xml": r.s.Portal} {
		if err := os.WriteFile(filepath.Join(r.backup, "PortalExport", name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var exportDateAttr = regexp.MustCompile(`\sexport-date\s*=\s*("[^"]*"|'[^']*')`)

// listFiles lists the backup's files as the manifest records them.
func listFiles(dir string) ([]file, error) {
	var files []file
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		f := file{Path: strings.ReplaceAll(rel, string(filepath.Separator), `\`), Size: info.Size(), SHA256: sha(data)}
		if strings.EqualFold(filepath.Ext(path), ".xml") {
			f.ContentHash = sha(exportDateAttr.ReplaceAll(data, nil))
		}
		files = append(files, f)
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return strings.ToLower(files[i].Path) < strings.ToLower(files[j].Path) })
	return files, err
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// earlierBackup is a folder under the root whose name parses with the format.
type earlierBackup struct {
	name, path string
	date       time.Time
}

// earlierBackups lists the folders whose names parse (as [datetime]::TryParseExact
// would) and are older than the new one, oldest first. Links are skipped, as
// the script skips reparse points (os.DirEntry reports a link as no folder).
func (r *backupRun) earlierBackups(root string) []earlierBackup {
	current, err := opstime.Parse(r.p.FolderFormat, r.p.Folder, time.UTC)
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir(root)
	var out []earlierBackup
	for _, e := range entries {
		if !e.IsDir() || e.Name() == r.p.Folder {
			continue
		}
		if d, err := opstime.Parse(r.p.FolderFormat, e.Name(), time.UTC); err == nil && d.Before(current) {
			out = append(out, earlierBackup{e.Name(), filepath.Join(root, e.Name()), d})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].date.Before(out[j].date) })
	return out
}

func newestManifest(earlier []earlierBackup) (string, string) {
	for i := len(earlier) - 1; i >= 0; i-- {
		if b, err := os.ReadFile(filepath.Join(earlier[i].path, "manifest.json")); err == nil {
			return earlier[i].name, string(b)
		}
	}
	return "", ""
}

func (r *backupRun) retention(earlier []earlierBackup, deleted *[]string) error {
	if r.p.RetentionCutoff == "" {
		return nil
	}
	if incomplete := r.failedSteps(); len(incomplete) > 0 {
		r.retentionSkipped = "kept every earlier backup because this one is incomplete (" + strings.Join(incomplete, ", ") + ")"
		return nil
	}
	cutoff, err := time.ParseInLocation("2006-01-02 15:04:05", r.p.RetentionCutoff, time.UTC)
	if err != nil {
		//lint:ignore ST1005 the text PowerShell itself writes
		return fmt.Errorf("Exception calling \"ParseExact\": String was not recognized as a valid DateTime")
	}
	keep := newestComplete(earlier, r.p.KeepMin-1)
	for _, b := range earlier {
		switch {
		case !b.date.Before(cutoff):
		case keep[b.name]:
			r.keptByMinimum = append(r.keptByMinimum, b.name)
		default:
			if err := os.RemoveAll(b.path); err != nil {
				return err
			}
			*deleted = append(*deleted, b.name)
		}
	}
	return nil
}

// newestComplete names the newest n complete backups of earlier (oldest
// first).
func newestComplete(earlier []earlierBackup, n int) map[string]bool {
	keep := map[string]bool{}
	for i := len(earlier) - 1; i >= 0 && len(keep) < n; i-- {
		if isComplete(earlier[i].path) {
			keep[earlier[i].name] = true
		}
	}
	return keep
}

// isComplete reports whether a backup folder has a manifest with every
// step run and none failed.
func isComplete(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return false
	}
	var m struct {
		Steps   []step   `json:"steps"`
		Failed  []string `json:"failed"`
		Partial bool     `json:"partial"`
	}
	if json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &m) != nil || len(m.Steps) == 0 || m.Partial {
		return false
	}
	for _, f := range m.Failed {
		if f != "" {
			return false
		}
	}
	for _, st := range m.Steps {
		if !st.OK {
			return false
		}
	}
	return true
}

// failedSteps names the steps that failed so far.
func (r *backupRun) failedSteps() []string {
	failed := []string{}
	for _, st := range r.steps {
		if !st.OK {
			failed = append(failed, st.Name)
		}
	}
	return failed
}

func (r *backupRun) finish(root string, files []file, previous, previousManifest string, deleted []string, cleanupError string) ([]byte, error) {
	failed := r.failedSteps()
	manifest, err := json.Marshal(map[string]any{"version": 1, "folder": r.p.Folder, "created": r.p.Created,
		"files": files, "steps": r.steps, "failed": failed, "partial": r.partial})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(r.backup, "manifest.json"), manifest, 0o644); err != nil {
		return nil, err
	}
	zipPath, zipError := r.zip(root)
	var prev any
	if previous != "" {
		prev = previous
	}
	return json.Marshal(map[string]any{"folder": r.p.Folder, "path": r.p.Root + `\` + r.p.Folder, "manifest": string(manifest),
		"previousFolder": prev, "previousManifest": previousManifest, "deleted": orEmpty(deleted), "keptByMinimum": orEmpty(r.keptByMinimum),
		"retentionSkipped": r.retentionSkipped, "leftovers": orNone(r.leftovers), "leftoversRemoved": orNone(r.leftoversRemoved), "cleanupError": cleanupError, "zip": zipPath, "zipError": zipError})
}

// orEmpty gives [] for nil, as @() does in the script.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// orNone gives [] for nil, as @() does in the script.
func orNone(s []map[string]any) []map[string]any {
	if s == nil {
		return []map[string]any{}
	}
	return s
}

// zip makes the zip for the off-site copy: its Windows path, or why it
// could not be made (a partial zip is removed, as the script does).
func (r *backupRun) zip(root string) (string, string) {
	switch {
	case !r.p.Zip:
		return "", ""
	case r.partial:
		return "", "not made: the run deadline was near and the backup is partial"
	}
	local := filepath.Join(root, "."+r.p.Folder+".zip")
	err := zipFolder(r.backup, local)
	if err == nil && r.s.FailZip != "" {
		err = errors.New(r.s.FailZip)
	}
	if err != nil {
		removeFile(local)
		return "", err.Error()
	}
	return r.p.Root + `\.` + r.p.Folder + ".zip", ""
}

// zipFolder does what ZipFile.CreateFromDirectory does.
func zipFolder(dir, target string) error {
	out, err := os.Create(target)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(w, in)
		return err
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// uniqueName returns name, or name_2, name_3, ... when a name equal but for
// case is taken (the file system ignores case), and marks it taken.
func uniqueName(name string, taken map[string]bool) string {
	unique := name
	for n := 2; taken[strings.ToLower(unique)]; n++ {
		unique = fmt.Sprintf("%s_%d", name, n)
	}
	taken[strings.ToLower(unique)] = true
	return unique
}

// safeName replaces what Windows forbids in a file name, as
// [IO.Path]::GetInvalidFileNameChars() does.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
}
