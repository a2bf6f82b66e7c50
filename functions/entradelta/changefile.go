package entradelta

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"time"
)

// The change-file format: one header line, then one line per object.
const (
	formatV1  = "tenantops.entra.v1"
	kindFull  = "full"
	kindDelta = "delta"

	changeUpsert = "upsert"
	changeDelete = "delete"
)

// header is line 1 of a change file.
type header struct {
	Format   string `json:"format"`
	Seq      int64  `json:"seq"`
	Kind     string `json:"kind"`
	Previous int64  `json:"previous"`
	Created  string `json:"created"`
	Objects  int    `json:"objects"`
}

// objectLine is one object of a change file, whole; the replica keeps the
// same lines for what it holds.
type objectLine struct {
	ObjectClass string          `json:"objectClass"`
	ID          string          `json:"id"`
	ChangeType  string          `json:"changeType"`
	Attributes  json.RawMessage `json:"attributes,omitempty"`
	Members     *[]string       `json:"members,omitempty"`
	References  *references     `json:"references,omitempty"`
}

// fileNamePattern matches the names of change files.
var fileNamePattern = regexp.MustCompile(`^([0-9]{12})-(full|delta)\.jsonl$`)

// fileName names the change file of seq.
func fileName(seq int64, kind string) string { return fmt.Sprintf("%012d-%s.jsonl", seq, kind) }

// parseFileName returns the seq and kind of a change file's name.
func parseFileName(name string) (seq int64, kind string, ok bool) {
	m := fileNamePattern.FindStringSubmatch(name)
	if m == nil {
		return 0, "", false
	}
	seq, err := strconv.ParseInt(m[1], 10, 64)
	return seq, m[2], err == nil
}

// changeFile is a finished change file in a local temporary file.
type changeFile struct {
	Path     string
	Name     string
	Seq      int64
	Previous int64
	Kind     string
	Objects  int
	Size     int64
	SHA256   string
}

// Remove deletes the temporary file.
func (f *changeFile) Remove() {
	if f != nil && f.Path != "" {
		_ = os.Remove(f.Path)
	}
}

// fileWriter collects object lines in a temporary body file and then
// writes the change file: the header, which needs the object count first,
// followed by the body.
type fileWriter struct {
	dir   string
	body  *os.File
	buf   *bufio.Writer
	enc   *json.Encoder
	count int
	stats Counts
}

// Counts says what a change file holds: users and groups upserted, and
// objects deleted.
type Counts struct {
	Users, Groups, Deletes int
}

func newFileWriter(dir string) (*fileWriter, error) {
	body, err := os.CreateTemp(dir, "entra-body-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	w := &fileWriter{dir: dir, body: body, buf: bufio.NewWriterSize(body, 256<<10)}
	w.enc = json.NewEncoder(w.buf)
	w.enc.SetEscapeHTML(false)
	return w, nil
}

// add writes one object line.
func (w *fileWriter) add(line objectLine) error {
	if err := w.enc.Encode(line); err != nil {
		return fmt.Errorf("entra delta export: %s %s: %w", line.ObjectClass, line.ID, err)
	}
	w.count++
	switch {
	case line.ChangeType == changeDelete:
		w.stats.Deletes++
	case line.ObjectClass == classGroup:
		w.stats.Groups++
	default:
		w.stats.Users++
	}
	return nil
}

// abort drops the body.
func (w *fileWriter) abort() {
	w.body.Close()
	_ = os.Remove(w.body.Name())
}

// finish writes the change file and returns it; the body is removed.
func (w *fileWriter) finish(seq int64, kind string, previous int64, created time.Time) (*changeFile, error) {
	defer w.abort()
	if err := w.buf.Flush(); err != nil {
		return nil, fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	if _, err := w.body.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	out, err := os.CreateTemp(w.dir, "entra-file-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	f := &changeFile{Path: out.Name(), Name: fileName(seq, kind), Seq: seq, Previous: previous, Kind: kind, Objects: w.count}
	if err := writeWhole(out, w.body, header{Format: formatV1, Seq: seq, Kind: kind, Previous: previous,
		Created: created.UTC().Format(time.RFC3339), Objects: w.count}, f); err != nil {
		out.Close()
		f.Remove()
		return nil, err
	}
	if err := out.Close(); err != nil {
		f.Remove()
		return nil, fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	return f, nil
}

// writeWhole writes the header and the body to out, filling in f's size
// and SHA-256.
func writeWhole(out io.Writer, body io.Reader, h header, f *changeFile) error {
	sum := sha256.New()
	counted := &countWriter{w: io.MultiWriter(out, sum)}
	line, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("entra delta export: header: %w", err)
	}
	if _, err := counted.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	if _, err := io.Copy(counted, body); err != nil {
		return fmt.Errorf("entra delta export: temporary file: %w", err)
	}
	f.Size, f.SHA256 = counted.n, hex.EncodeToString(sum.Sum(nil))
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// maxLine bounds one line of a change file or a replica shard: a group
// with a million members still fits.
const maxLine = 256 << 20

// readObjects calls fn for every object line of the change file at path,
// with the line's bytes (valid until fn returns) and its decoded identity.
func readObjects(path string, fn func(line []byte, o objectLine) error) (header, error) {
	in, err := os.Open(path)
	if err != nil {
		return header{}, fmt.Errorf("entra delta export: %w", err)
	}
	defer in.Close()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	var h header
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			first = false
			if err := json.Unmarshal(line, &h); err != nil || h.Format != formatV1 {
				return h, fmt.Errorf("entra delta export: %s: not a %s change file", path, formatV1)
			}
			continue
		}
		var o struct {
			ObjectClass string `json:"objectClass"`
			ID          string `json:"id"`
			ChangeType  string `json:"changeType"`
		}
		if err := json.Unmarshal(line, &o); err != nil {
			return h, fmt.Errorf("entra delta export: %s: %w", path, err)
		}
		if err := fn(line, objectLine{ObjectClass: o.ObjectClass, ID: o.ID, ChangeType: o.ChangeType}); err != nil {
			return h, err
		}
	}
	if err := sc.Err(); err != nil {
		return h, fmt.Errorf("entra delta export: %s: %w", path, err)
	}
	return h, nil
}

// fileSHA256 returns the size and hex SHA-256 of a local file.
func fileSHA256(path string) (int64, string, error) {
	in, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer in.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, in)
	return n, hex.EncodeToString(sum.Sum(nil)), err
}

// compactLine returns a copy of b (a scanner's buffer is reused).
func compactLine(b []byte) []byte { return bytes.Clone(b) }
