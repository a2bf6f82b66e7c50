package sink_test

import (
	"bytes"
	"context"
	"errors"
	"io"
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

func TestLocalPut(t *testing.T) {
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

func TestLocalPutFailuresLeaveNothing(t *testing.T) {
	tests := []struct {
		name string
		size int64
		r    io.Reader
	}{
		{"cut stream", 100, &failingReader{data: []byte("half"), err: errors.New("connection reset")}},
		{"short stream", 100, strings.NewReader("short")},
		{"long stream", 2, strings.NewReader("longer than listed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := sink.NewLocal(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Put(context.Background(), sink.File{Name: "f.csv", Size: tt.size}, tt.r); err == nil {
				t.Fatal("Put succeeded")
			}
			if files := listAll(t, dir); len(files) != 0 {
				t.Errorf("left behind: %v", files)
			}
		})
	}
}

func TestLocalPutReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	s, err := sink.NewLocal(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.WriteFile(filepath.Join(dir, "f.csv"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = s.Put(context.Background(), sink.File{Name: "f.csv", Size: 10}, &failingReader{data: []byte("new"), err: io.ErrUnexpectedEOF})
	if got, _ := os.ReadFile(filepath.Join(dir, "f.csv")); string(got) != "old" {
		t.Fatalf("a failed Put changed the old file: %q", got)
	}
	if err := s.Put(context.Background(), sink.File{Name: "f.csv", Size: 3}, strings.NewReader("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "f.csv")); string(got) != "new" {
		t.Fatalf("got %q", got)
	}
}

func TestLocalRefusesUnsafeNamesAndEscapes(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "target")
	s, err := sink.NewLocal(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"../evil.txt", "/etc/x", "CON", "a\\b"} {
		if err := s.Put(context.Background(), sink.File{Name: name, Size: 1}, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) succeeded", name)
		}
	}
	// A symbolic link planted in the target cannot redirect a write.
	outside := filepath.Join(base, "outside.csv")
	if err := os.Symlink(outside, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	_ = s.Put(context.Background(), sink.File{Name: "link.csv", Size: 1}, strings.NewReader("x"))
	if _, err := os.Stat(outside); err == nil {
		t.Fatal("a write followed a symbolic link out of the target")
	}
	if _, err := sink.NewLocal(dir, "../up"); err == nil {
		t.Error("a subfolder escaping the target was accepted")
	}
}

func TestLocalCancel(t *testing.T) {
	dir := t.TempDir()
	s, err := sink.NewLocal(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, sink.File{Name: "f", Size: 3}, strings.NewReader("abc")); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if files := listAll(t, dir); len(files) != 0 {
		t.Errorf("left behind: %v", files)
	}
}
