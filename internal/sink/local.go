package sink

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tenantops/tenantops/internal/remotename"
)

// Local writes into a folder of the machine running the binary. Every
// file operation goes through an os.Root, so nothing can land outside the
// folder, not even through a symbolic link.
type Local struct {
	dir       string
	subfolder string // slash-separated, "" for none
	root      *os.Root
}

// NewLocal opens dir (creating it and the subfolder when missing) as the
// target of a Local sink. subfolder may use '/' or '\' between parts.
func NewLocal(dir, subfolder string) (*Local, error) {
	if dir == "" {
		return nil, fmt.Errorf("sink: local: no target folder")
	}
	if err := remotename.CheckPath(subfolder); err != nil {
		return nil, fmt.Errorf("sink: local: subfolder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sink: local: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("sink: local: %w", err)
	}
	sub := path.Join(remotename.Segments(subfolder)...)
	if sub != "" {
		if err := root.MkdirAll(sub, 0o755); err != nil {
			root.Close()
			return nil, fmt.Errorf("sink: local: subfolder %s: %w", sub, err)
		}
	}
	return &Local{dir: dir, subfolder: sub, root: root}, nil
}

// Close makes the renames of every Put durable and releases the folder.
// Each Put syncs its file before the rename, so after a crash a name holds
// either nothing or the whole file; syncing the folder once at the end
// instead of after every rename keeps many small files fast.
func (l *Local) Close() error {
	err := l.syncDir()
	if cerr := l.root.Close(); err == nil {
		err = cerr
	}
	return err
}

// Kind implements Sink.
func (l *Local) Kind() string { return KindLocal }

// Where implements Sink.
func (l *Local) Where(name string) string {
	return filepath.Join(l.dir, filepath.FromSlash(l.rel(name)))
}

func (l *Local) rel(name string) string {
	if l.subfolder == "" {
		return name
	}
	return l.subfolder + "/" + name
}

// Put implements Sink: it writes to a hidden temporary name next to the
// target, checks the size, syncs, sets the modification time, and renames.
func (l *Local) Put(ctx context.Context, f File, r io.Reader) (err error) {
	if err := remotename.Check(f.Name); err != nil {
		return fmt.Errorf("sink: local: %w", err)
	}
	final := l.rel(f.Name)
	temp := l.rel(tempName(f.Name))
	out, err := l.root.OpenFile(temp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("sink: local: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			_ = l.root.Remove(temp)
		}
	}()
	buf := getBuffer()
	n, err := io.CopyBuffer(onlyWriter{out}, contextReader{ctx, newExactReader(r, f.Size)}, *buf)
	putBuffer(buf)
	if err != nil {
		return fmt.Errorf("sink: local: %s: %w", f.Name, err)
	}
	if n != f.Size {
		return fmt.Errorf("sink: local: %s: %w: wrote %d, want %d", f.Name, ErrSizeMismatch, n, f.Size)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("sink: local: %s: %w", f.Name, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("sink: local: %s: %w", f.Name, err)
	}
	if !f.ModTime.IsZero() {
		if err := l.root.Chtimes(temp, f.ModTime, f.ModTime); err != nil {
			return fmt.Errorf("sink: local: %s: %w", f.Name, err)
		}
	}
	if err := l.root.Rename(temp, final); err != nil {
		return fmt.Errorf("sink: local: %s: %w", f.Name, err)
	}
	return nil
}

// syncDir makes the rename durable.
func (l *Local) syncDir() error {
	dir := l.subfolder
	if dir == "" {
		dir = "."
	}
	d, err := l.root.Open(dir)
	if err != nil {
		return fmt.Errorf("sink: local: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupported(err) {
		return fmt.Errorf("sink: local: sync folder: %w", err)
	}
	return nil
}

// tempName is a hidden name next to the target, unique per attempt, short
// enough for any name that passed remotename.Check.
func tempName(name string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := name
	for len(prefix) > 64 {
		_, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
	}
	return "." + strings.TrimRight(prefix, ". ") + "." + hex.EncodeToString(b[:]) + ".partial"
}

// onlyWriter hides *os.File's ReadFrom so that copies use our buffer size.
type onlyWriter struct{ w io.Writer }

// Write implements io.Writer.
func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// contextReader stops a copy once ctx ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

// Read implements io.Reader, failing once ctx has ended.
func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
