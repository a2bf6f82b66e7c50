package psma

// The import algorithm of Import.ps1, step for step in Go, so that the tests
// of this package can run it over real change files: each function here has
// the name of the script function it mirrors, and the messages are the
// script's own format strings (TestModelSpeaksTheScriptsMessages keeps them
// equal). Test-only: the product's import is the script.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

const changeFileFormat = "tenantops.entra.v1"

// The script's messages, as .NET format strings.
const (
	msgNoFull        = `Full Import: {0} holds no full change file yet; let EntraDeltaExport run a full round first.`
	msgRestarted     = `Delta Import: the newest change file is seq {0}, older than the last imported seq {1}: the export started over. Run a Full Import.`
	msgNewFull       = `Delta Import: a new full round (reason {2}) started at seq {0}, after the last imported seq {1}. Run a Full Import.`
	msgNoHeader      = `{0}: the first line is not a change file header.`
	msgMissing       = `Change file seq {0} is missing (pruned, or never delivered); the next file is seq {1}. A Delta Import needs a Full Import now; a Full Import needs a new full round first (run EntraDeltaExport with {{"full":true}}).`
	msgHeader        = `{0}: the header (format {1}, seq {2}, kind {3}) does not match the file name.`
	msgBrokenChain   = `{0}: broken chain: the header says previous {1}, but the file before it is seq {2}.`
	msgCount         = `{0}: the header says {1} objects, the file holds {2}: it is incomplete.`
	msgBadObject     = `{0}: not a change file object: {1}`
	msgBadOffset     = `Page token offset {0} is not the start of a line of {1}. Run a Full Import.`
	msgNoFolder      = `The configuration parameter Folder must name the folder of the change files; it is "{0}".`
	msgNoWatermark   = `Delta Import: no seq of an earlier import is known. Run a Full Import first.`
	msgBadPageToken  = `Page token "{0}" is not one this script wrote.`
	msgRunChanged    = `The change files of this run changed while it ran (seq {0} or {1} is gone). Run the import again.`
	scriptTokenShape = `'{0}:{1}:{2}' -f $end, $run.Seq, $run.Offset`
)

var scriptMessages = []string{msgNoFull, msgRestarted, msgNewFull, msgNoHeader, msgMissing, msgHeader, msgBrokenChain,
	msgCount, msgBadObject, msgBadOffset, msgNoFolder, msgNoWatermark, msgBadPageToken, msgRunChanged, scriptTokenShape}

var placeholder = regexp.MustCompile(`\{\{|\}\}|\{(\d+)\}`)

// format is .NET's String.Format for the placeholders the script uses.
func format(template string, args ...any) error {
	return errors.New(placeholder.ReplaceAllStringFunc(template, func(m string) string {
		switch m {
		case "{{":
			return "{"
		case "}}":
			return "}"
		}
		i, _ := strconv.Atoi(m[1 : len(m)-1])
		return fmt.Sprint(args[i])
	}))
}

// changeFile is one file of the folder (Get-ChangeFiles); Test-Chain
// notes its header's object count.
type changeFile struct {
	Seq     int64
	Kind    string
	Path    string
	Objects string
}

var changeFileName = regexp.MustCompile(`^([0-9]{12})-(full|delta)\.jsonl\z`)

func getChangeFiles(folder string) ([]changeFile, error) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return nil, err
	}
	var files []changeFile
	for _, e := range entries {
		m := changeFileName.FindStringSubmatch(e.Name())
		if e.Type().IsRegular() && m != nil {
			seq, _ := strconv.ParseInt(m[1], 10, 64)
			files = append(files, changeFile{Seq: seq, Kind: m[2], Path: filepath.Join(folder, e.Name())})
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Seq < files[j].Seq })
	return files, nil
}

// selectPlan returns the files of this run up to seq end (0: the newest) (Select-Plan).
func selectPlan(all []changeFile, folder, operation string, watermark, end int64) ([]changeFile, error) {
	var files []changeFile
	for _, f := range all {
		if end == 0 || f.Seq <= end {
			files = append(files, f)
		}
	}
	if operation == "Full" {
		from := int64(-1)
		for _, f := range files {
			if f.Kind == "full" {
				from = f.Seq
			}
		}
		if from < 0 {
			return nil, format(msgNoFull, folder)
		}
		return after(files, from-1), nil
	}
	newest := int64(0)
	if len(files) > 0 {
		newest = files[len(files)-1].Seq
	}
	if newest < watermark {
		return nil, format(msgRestarted, newest, watermark)
	}
	return after(files, watermark), nil
}

func after(files []changeFile, seq int64) []changeFile {
	var out []changeFile
	for _, f := range files {
		if f.Seq > seq {
			out = append(out, f)
		}
	}
	return out
}

// readHeader returns a file's first line, parsed (Read-Header). Values are
// compared as text, as the script does with [string].
func readHeader(f changeFile) (map[string]string, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	line, _, err := readLine(bufio.NewReaderSize(&countingReader{r: file}, readBuffer))
	if err != nil {
		return nil, format(msgNoHeader, f.Path)
	}
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, format(msgNoHeader, f.Path)
	}
	h := map[string]string{}
	for k, v := range raw {
		h[k] = fmt.Sprint(v)
	}
	return h, nil
}

// testChain checks seq order, headers and previous links (Test-Chain);
// previous is -1 when any first file will do. It returns the files to read,
// newest first: a Delta Import passes over a checkpoint and stops at any
// other full file.
func testChain(plan []changeFile, previous int64, full bool) ([]changeFile, error) {
	afterSeq := previous
	var read []changeFile
	for _, f := range plan {
		if previous >= 0 && f.Seq != previous+1 {
			return nil, format(msgMissing, previous+1, f.Seq)
		}
		h, err := readHeader(f)
		if err != nil {
			return nil, err
		}
		if h["format"] != changeFileFormat || h["seq"] != strconv.FormatInt(f.Seq, 10) || h["kind"] != f.Kind {
			return nil, format(msgHeader, f.Path, h["format"], h["seq"], h["kind"])
		}
		if previous >= 0 && h["previous"] != strconv.FormatInt(previous, 10) {
			return nil, format(msgBrokenChain, f.Path, h["previous"], previous)
		}
		previous = f.Seq
		f.Objects = h["objects"]
		if !full && f.Kind == "full" {
			if h["reason"] != "checkpoint" {
				return nil, format(msgNewFull, f.Seq, afterSeq, h["reason"])
			}
			continue
		}
		read = append([]changeFile{f}, read...)
	}
	return read, nil
}

// importRunState is a run's position and the ids it has seen (New-Run).
type importRunState struct {
	Key    string
	Files  []changeFile
	Index  int
	Seq    int64
	Offset int64
	Lines  int
	Seen   map[string]bool
}

func newRun(key string, files []changeFile) *importRunState {
	return &importRunState{Key: key, Files: files, Seen: map[string]bool{}}
}

// restoreRun rebuilds a run at seq, offset from the files (Restore-Run).
func restoreRun(key string, files []changeFile, end, seq, offset int64) (*importRunState, error) {
	run := newRun(key, files)
	for i, f := range files {
		lines, err := restoreFile(run, f, seq, offset)
		if err != nil {
			return nil, err
		}
		if f.Seq == seq {
			run.Index, run.Seq, run.Offset, run.Lines = i, seq, offset, lines
			return run, nil
		}
	}
	return nil, format(msgRunChanged, seq, end)
}

// restoreFile is the body of Restore-Run's loop for one file: the ids of its
// lines (before offset in the file at seq) join the seen set.
func restoreFile(run *importRunState, f changeFile, seq, offset int64) (int, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	if f.Seq == seq {
		if err := testLineStart(file, offset, f); err != nil {
			return 0, err
		}
	}
	r := bufio.NewReaderSize(&countingReader{r: file}, readBuffer)
	_, n, err := readLine(r)
	if err != nil {
		return 0, err
	}
	at, lines := int64(n)+1, 0
	for f.Seq != seq || at < offset {
		line, n, err := readLine(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		at += int64(n) + 1
		lines++
		entry, err := toImportObject(line, f)
		if err != nil {
			return 0, err
		}
		run.Seen[entry["id"].(string)] = true
	}
	return lines, nil
}

// testCount checks a file's object lines against the count Test-Chain
// noted from its header (Test-Count).
func testCount(f changeFile, lines int) error {
	if f.Objects != strconv.Itoa(lines) {
		return format(msgCount, f.Path, f.Objects, lines)
	}
	return nil
}

// toImportObject turns an object line into the MA's hashtable (ConvertTo-ImportObject).
func toImportObject(line string, f changeFile) (map[string]any, error) {
	var o struct {
		ObjectClass string
		ID          string
		ChangeType  string
		Attributes  map[string]json.RawMessage
		Members     []*string
		References  map[string]json.RawMessage
	}
	linesParsed.Add(1)
	err := json.Unmarshal([]byte(line), &o)
	if err != nil || (o.ObjectClass != "user" && o.ObjectClass != "group") || o.ID == "" ||
		(o.ChangeType != "upsert" && o.ChangeType != "delete") {
		return nil, format(msgBadObject, f.Path, line[:min(200, len(line))])
	}
	entry := map[string]any{"objectClass": o.ObjectClass, "id": o.ID, "[DN]": o.ID}
	if o.ChangeType == "delete" {
		entry["changeType"] = "delete"
		return entry, nil
	}
	for name, raw := range o.Attributes {
		if v, ok := attributeValue(raw); ok {
			entry[name] = v
		}
	}
	var members []string
	for _, m := range o.Members {
		if m != nil {
			members = append(members, *m)
		}
	}
	if len(members) > 0 {
		entry["members"] = members
	}
	for name, raw := range o.References {
		if _, taken := entry[name]; taken {
			return nil, format(msgBadObject, f.Path, line[:min(200, len(line))])
		}
		if v, ok := referenceValue(raw); ok {
			entry[name] = v
		}
	}
	return entry, nil
}

// referenceValue is the script's handling of one reference: a single id as
// a string, a list as []string without nulls, nothing when empty.
func referenceValue(raw json.RawMessage) (any, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return nil, false
	}
	list, isArray := v.([]any)
	if !isArray {
		return fmt.Sprint(v), true
	}
	var ids []string
	for _, e := range list {
		if e != nil {
			ids = append(ids, fmt.Sprint(e))
		}
	}
	return ids, len(ids) > 0
}

// attributeValue is ConvertTo-AttributeValue over a whole property: nulls
// dropped, arrays multi-valued, nested objects as JSON text, integers int64.
func attributeValue(raw json.RawMessage) (any, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil || v == nil {
		return nil, false
	}
	one := func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			b, _ := json.Marshal(x)
			return string(b)
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return i
			}
			f, _ := x.Float64()
			return f
		}
		return v
	}
	list, isArray := v.([]any)
	if !isArray {
		return one(v), true
	}
	var values []any
	for _, e := range list {
		if e != nil {
			values = append(values, one(e))
		}
	}
	return values, len(values) > 0
}

// readLine reads one line as .NET's StreamReader.ReadLine does: it ends at
// \n, \r or \r\n, which are not part of it; io.EOF when nothing is left.
// Invalid UTF-8 is an error, as with the script's throwing decoder.
func readLine(r *bufio.Reader) (string, int, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err == io.EOF {
			if len(b) == 0 {
				return "", 0, io.EOF
			}
			break
		}
		if err != nil {
			return "", 0, err
		}
		if c == '\n' {
			break
		}
		if c == '\r' {
			if next, err := r.Peek(1); err == nil && next[0] == '\n' {
				r.ReadByte()
			}
			break
		}
		b = append(b, c)
	}
	if !utf8.Valid(b) {
		return "", 0, errors.New("invalid UTF-8 in a change file line")
	}
	return string(b), len(b), nil
}

// pageResult is what Read-Page returns.
type pageResult struct {
	Objects []map[string]any
	More    bool
}

// readBuffer is the read-ahead of the script's StreamReader over a FileStream.
const readBuffer = 4096

// readPage returns up to size objects from where the run stands and moves
// it on (Read-Page).
func readPage(run *importRunState, end int64, size int, full bool) (pageResult, error) {
	var page []map[string]any
	for run.Index < len(run.Files) {
		f := run.Files[run.Index]
		if info, err := os.Stat(f.Path); err != nil || !info.Mode().IsRegular() {
			return pageResult{}, format(msgRunChanged, f.Seq, end)
		}
		more, err := readFromFile(run, f, size, &page, full)
		if err != nil || more {
			return pageResult{Objects: page, More: more}, err
		}
		if err := testCount(f, run.Lines); err != nil {
			return pageResult{}, err
		}
		run.Index++
		run.Offset = 0
		if run.Index < len(run.Files) {
			run.Seq = run.Files[run.Index].Seq
		}
		if len(page) >= size && run.Index < len(run.Files) {
			return pageResult{Objects: page, More: true}, nil
		}
	}
	return pageResult{Objects: page}, nil
}

// readFromFile is the body of Read-Page's loop for one file: more is true
// when the page filled up before the file ended.
func readFromFile(run *importRunState, f changeFile, size int, page *[]map[string]any, full bool) (bool, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return false, err
	}
	defer file.Close()
	if err := testLineStart(file, run.Offset, f); err != nil {
		return false, err
	}
	info, err := file.Stat()
	if err != nil {
		return false, err
	}
	r := bufio.NewReaderSize(&countingReader{r: io.NewSectionReader(file, run.Offset, 1<<62)}, readBuffer)
	if run.Offset == 0 {
		_, n, err := readLine(r)
		if err != nil {
			return false, err
		}
		run.Offset, run.Lines = int64(n)+1, 0
	}
	for len(*page) < size {
		line, n, err := readLine(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
		run.Offset += int64(n) + 1
		run.Lines++
		entry, err := toImportObject(line, f)
		if err != nil {
			return false, err
		}
		id := entry["id"].(string)
		if run.Seen[id] || (full && entry["changeType"] == "delete") {
			run.Seen[id] = true
			continue
		}
		run.Seen[id] = true
		*page = append(*page, entry)
	}
	run.Seq = f.Seq
	return run.Offset < info.Size(), nil
}

// testLineStart checks that offset starts a line of the file (Test-LineStart).
func testLineStart(file *os.File, offset int64, f changeFile) error {
	if offset == 0 {
		return nil
	}
	b := make([]byte, 1)
	n, err := file.ReadAt(b, offset-1)
	bytesRead.Add(int64(n))
	if err != nil || b[0] != '\n' {
		return format(msgBadOffset, offset, f.Path)
	}
	return nil
}

// bytesRead counts every byte the import reads from change files (headers,
// pages, rebuilt runs), for the benchmarks: a run should read each line
// once and little more.
var bytesRead atomic.Int64

// linesParsed counts the object lines the import parses: a run should
// parse each line of its files once.
var linesParsed atomic.Int64

// countingReader counts what is read through it in bytesRead.
type countingReader struct{ r io.Reader }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	bytesRead.Add(int64(n))
	return n, err
}

// scriptCall is what the MA hands Import.ps1 for one page, and what the
// script hands back through its global variables.
type scriptCall struct {
	Folder            string
	OperationType     string // Full or Delta
	UsePagedImport    bool
	PageSize          int
	RunStepCustomData string
	PageToken         string
	MoreToImport      bool
}

var pageTokenShape = regexp.MustCompile(`^([0-9]+):([0-9]+):([0-9]+)\z`)

// importRunCache is the script's $global:EntraImportRun: the PowerShell
// session the MA keeps for one import run holds it between pages.
var importRunCache *importRunState

// importScript is one run of Import.ps1's main body: it reads c's inputs,
// sets its outputs, and returns the page's objects.
func importScript(c *scriptCall) ([]map[string]any, error) {
	if info, err := os.Stat(c.Folder); c.Folder == "" || err != nil || !info.IsDir() {
		return nil, format(msgNoFolder, c.Folder)
	}
	size := c.PageSize
	if !c.UsePagedImport {
		size = int(^uint32(0) >> 1)
	}
	if size < 1 {
		size = 100
	}
	full := c.OperationType == "Full"
	var watermark int64
	if !full {
		w, err := strconv.ParseInt(strings.TrimSpace(c.RunStepCustomData), 10, 64)
		if err != nil {
			return nil, format(msgNoWatermark)
		}
		watermark = w
	}
	run, end, err := runOfPage(c, watermark, full)
	if err != nil {
		return nil, err
	}
	importRunCache = run
	result, err := readPage(run, end, size, full)
	if err != nil {
		return nil, err
	}
	c.MoreToImport = result.More
	if result.More {
		c.PageToken = fmt.Sprintf("%d:%d:%d", end, run.Seq, run.Offset)
	} else {
		c.PageToken = ""
		c.RunStepCustomData = strconv.FormatInt(end, 10)
		importRunCache = nil
	}
	return result.Objects, nil
}

// runOfPage is the script's first-page / later-page branch: the run, kept
// from the last page or started or rebuilt from the files, and its last seq.
func runOfPage(c *scriptCall, watermark int64, full bool) (*importRunState, int64, error) {
	previous := int64(-1)
	if !full {
		previous = watermark
	}
	if c.PageToken == "" {
		files, err := getChangeFiles(c.Folder)
		if err != nil {
			return nil, 0, err
		}
		plan, err := selectPlan(files, c.Folder, c.OperationType, watermark, 0)
		if err != nil {
			return nil, 0, err
		}
		end := watermark
		if len(plan) > 0 {
			end = plan[len(plan)-1].Seq
		}
		read, err := testChain(plan, previous, full)
		if err != nil {
			return nil, 0, err
		}
		return newRun(runKey(c, watermark, end), read), end, nil
	}
	m := pageTokenShape.FindStringSubmatch(c.PageToken)
	if m == nil {
		return nil, 0, format(msgBadPageToken, c.PageToken)
	}
	end, _ := strconv.ParseInt(m[1], 10, 64)
	seq, _ := strconv.ParseInt(m[2], 10, 64)
	offset, _ := strconv.ParseInt(m[3], 10, 64)
	key := runKey(c, watermark, end)
	if run := importRunCache; run != nil && run.Key == key && run.Seq == seq && run.Offset == offset {
		return run, end, nil
	}
	run, err := rebuildRun(c, key, watermark, previous, full, end, seq, offset)
	return run, end, err
}

// runKey is the script's $key: what a kept run must match.
func runKey(c *scriptCall, watermark, end int64) string {
	return fmt.Sprintf("%s|%s|%d|%d", c.Folder, c.OperationType, watermark, end)
}

// rebuildRun is the script's branch for a page whose run was not kept.
func rebuildRun(c *scriptCall, key string, watermark, previous int64, full bool, end, seq, offset int64) (*importRunState, error) {
	files, err := getChangeFiles(c.Folder)
	if err != nil {
		return nil, err
	}
	plan, err := selectPlan(files, c.Folder, c.OperationType, watermark, end)
	if err != nil {
		return nil, err
	}
	if len(plan) == 0 || plan[len(plan)-1].Seq != end || !slices.ContainsFunc(plan, func(f changeFile) bool { return f.Seq == seq }) {
		return nil, format(msgRunChanged, seq, end)
	}
	read, err := testChain(plan, previous, full)
	if err != nil {
		return nil, err
	}
	return restoreRun(key, read, end, seq, offset)
}
