package sink_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/sink"
)

// failingReader returns data and then an error, as a cut download does.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func listAll(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// A local file keeps the source's modification time, at the path Where names.
func TestLocalPutKeepsModTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "target")
	s, err := sink.NewLocal(dir, "2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mtime := time.Date(2026, 11, 24, 23, 0, 0, 0, time.UTC)
	data := bytes.Repeat([]byte("x"), 1<<20+17)
	if err := s.Put(context.Background(), sink.File{Name: "a.csv", Size: int64(len(data)), ModTime: mtime}, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(dir, "2026-11-25", "a.csv")
	got, err := os.ReadFile(final)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	if fi, _ := os.Stat(final); !fi.ModTime().Equal(mtime) {
		t.Errorf("mtime %v, want %v", fi.ModTime(), mtime)
	}
	if s.Where("a.csv") != final {
		t.Errorf("Where = %s", s.Where("a.csv"))
	}
	if files := listAll(t, dir); len(files) != 1 {
		t.Errorf("left behind: %v", files)
	}
}

func TestLocalRefusesSymbolicLinkEscapes(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "target")
	s, err := sink.NewLocal(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A symbolic link planted in the target cannot redirect a write.
	outside := filepath.Join(base, "outside.csv")
	if err := os.Symlink(outside, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	_ = s.Put(context.Background(), sink.File{Name: "link.csv", Size: 1}, strings.NewReader("x"))
	if _, err := os.Stat(outside); err == nil {
		t.Fatal("a write followed a symbolic link out of the target")
	}
}
