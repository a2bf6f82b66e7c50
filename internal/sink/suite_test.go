package sink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// The shared suite: every sink implementation, opened the way the
// functions open it (clients.OpenSink), passes the same tests of the Sink
// and Lister contracts. A test of one implementation's own traits (the blob
// sink's Content-MD5, the local sink's symbolic links, Windows' path limit)
// lives in that implementation's test file.

// fixture is one empty target of a backend, for one test.
type fixture struct {
	target  clients.SinkTarget
	account *storage.Account                      // blob only
	read    func(where string) ([]byte, error)    // a delivered file by its Sink.Where
	plant   func(where string, data []byte) error // a file put there by someone else
	all     func(t *testing.T) []string           // every file of the target, temporary ones included
}

// open opens a sink on the fixture's target under subfolder.
func (f fixture) open(t *testing.T, subfolder string) *clients.Delivery {
	t.Helper()
	target := f.target
	target.Subfolder = subfolder
	d, err := clients.OpenSink(context.Background(), target, f.account, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// backend starts one implementation's server (when it has one) and returns
// a maker of empty targets on it.
type backend struct {
	name  string
	start func(t *testing.T) func(t *testing.T) fixture
}

var backends = []backend{
	{"local", startLocal},
	{"blob", startBlob},
	{"winrm one process per file", func(t *testing.T) func(*testing.T) fixture { return startWinRM(t, 0) }},
	{"winrm shared processes", func(t *testing.T) func(*testing.T) fixture { return startWinRM(t, 3) }},
}

func startLocal(*testing.T) func(*testing.T) fixture {
	return func(t *testing.T) fixture {
		dir := t.TempDir()
		return fixture{target: clients.SinkTarget{Kind: sink.KindLocal, Directory: dir},
			read: os.ReadFile, plant: func(where string, data []byte) error { return os.WriteFile(where, data, 0o644) },
			all: func(t *testing.T) []string { return listAll(t, dir) }}
	}
}

func startBlob(t *testing.T) func(*testing.T) fixture {
	az := azuritetest.Start(t)
	n := 0
	split := func(where string) (string, string) { c, name, _ := strings.Cut(where, "/"); return c, name }
	return func(t *testing.T) fixture {
		n++
		container := fmt.Sprintf("suite-%d", n)
		return fixture{target: clients.SinkTarget{Kind: sink.KindBlob, Container: container},
			account: az.Account,
			read: func(where string) ([]byte, error) {
				c, name := split(where)
				data, _, err := az.Account.ReadBlob(context.Background(), c, name)
				return data, err
			},
			plant: func(where string, data []byte) error {
				c, name := split(where)
				_, err := az.Account.Blob.UploadBuffer(context.Background(), c, name, data, nil)
				return err
			},
			all: func(t *testing.T) []string { return allBlobs(t, az.Account, container) }}
	}
}

// startWinRM runs the WinRM stand-in with the Go models of the upload
// scripts and of the sink's list and delete scripts on one disk.
func startWinRM(t *testing.T, workers int) func(*testing.T) fixture {
	disk, err := winrmtest.NewDisk("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(disk.Root) })
	scripts := listScripts(disk)
	scripts["upload"] = winrmtest.UploadScript(disk)
	scripts["uploads"] = winrmtest.UploadsScript(disk)
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: &winrmtest.Host{Scripts: scripts}})
	n := 0
	return func(t *testing.T) fixture {
		n++
		dir := fmt.Sprintf(`C:\MIM\Suite%d`, n)
		return fixture{target: clients.SinkTarget{Kind: sink.KindWinRM, Directory: dir, WinRM: srv.ClientConfig(), Workers: workers},
			read: disk.ReadFile, plant: disk.WriteFile,
			all: func(t *testing.T) []string {
				local, err := disk.Path(dir)
				if err != nil {
					t.Fatal(err)
				}
				return listAll(t, local)
			}}
	}
}

// allBlobs lists every blob of a container.
func allBlobs(t *testing.T, account *storage.Account, container string) []string {
	t.Helper()
	var names []string
	pager := account.Blob.NewListBlobsFlatPager(container, nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Segment.BlobItems {
			names = append(names, *b.Name)
		}
	}
	return names
}

// suite are the tests every implementation passes.
var suite = []struct {
	name string
	run  func(t *testing.T, f fixture)
}{
	{"put and read back", testPutReadBack},
	{"overwrite replaces whole", testOverwrite},
	{"failed puts leave nothing", testFailuresLeaveNothing},
	{"a file is invisible until complete", testInvisibleUntilComplete},
	{"hostile names refused", testHostileNames},
	{"list and delete", testListDelete},
	{"concurrent puts", testConcurrentPuts},
}

func TestSinkSuite(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			newFixture := b.start(t)
			for _, c := range suite {
				t.Run(c.name, func(t *testing.T) { c.run(t, newFixture(t)) })
			}
		})
	}
}

// put delivers data as name.
func put(ctx context.Context, s sink.Sink, name string, data []byte) error {
	return s.Put(ctx, sink.File{Name: name, Size: int64(len(data))}, bytes.NewReader(data))
}

// listed returns the names the lister lists, sorted.
func listed(t *testing.T, l sink.Lister) []string {
	t.Helper()
	files, err := l.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

func testPutReadBack(t *testing.T, f fixture) {
	d := f.open(t, "2026-11-25")
	if got := listed(t, d.Lister); len(got) != 0 {
		t.Fatalf("a new folder lists %v", got)
	}
	files := map[string][]byte{
		"HR.csv":               bytes.Repeat([]byte("row,of,data\r\n"), 100_000), // more than one copy buffer and upload chunk
		"empty.csv":            {},
		"näme with spaces.csv": []byte("ü\r\n"),
	}
	for name, data := range files {
		if err := put(context.Background(), d.Sink, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := f.read(d.Sink.Where(name))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: read back %d bytes (%v), want %d", name, len(got), err, len(data))
		}
	}
	list, err := d.Lister.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if data, ok := files[l.Name]; !ok || l.Size != int64(len(data)) || l.ModTime.IsZero() {
			t.Errorf("listed %+v", l)
		}
	}
	if len(list) != len(files) {
		t.Errorf("listed %d files, want %d", len(list), len(files))
	}
}

func testOverwrite(t *testing.T, f fixture) {
	d := f.open(t, "")
	ctx := context.Background()
	if err := put(ctx, d.Sink, "f.csv", []byte("the old, longer content")); err != nil {
		t.Fatal(err)
	}
	cut := &failingReader{data: []byte("new"), err: io.ErrUnexpectedEOF}
	if err := d.Sink.Put(ctx, sink.File{Name: "f.csv", Size: 10}, cut); err == nil {
		t.Fatal("a cut stream was accepted")
	}
	if got, _ := f.read(d.Sink.Where("f.csv")); string(got) != "the old, longer content" {
		t.Fatalf("a failed Put changed the old file: %q", got)
	}
	if err := put(ctx, d.Sink, "f.csv", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.read(d.Sink.Where("f.csv")); string(got) != "new" {
		t.Fatalf("after overwrite: %q", got)
	}
	if got := listed(t, d.Lister); !slices.Equal(got, []string{"f.csv"}) {
		t.Errorf("listed %v", got)
	}
	if got := f.all(t); len(got) != 1 {
		t.Errorf("left behind: %v", got)
	}
}

func testFailuresLeaveNothing(t *testing.T, f fixture) {
	d := f.open(t, "")
	tests := []struct {
		name     string
		size     int64
		r        io.Reader
		mismatch bool // the error wraps sink.ErrSizeMismatch
	}{
		{"cut.csv", 400_000, &failingReader{data: bytes.Repeat([]byte("x"), 200_000), err: errors.New("connection reset")}, false},
		{"short.csv", 100, strings.NewReader("short"), true},
		{"long.csv", 2, strings.NewReader("longer than listed"), true},
	}
	for _, tt := range tests {
		err := d.Sink.Put(context.Background(), sink.File{Name: tt.name, Size: tt.size}, tt.r)
		if err == nil || (tt.mismatch && !errors.Is(err, sink.ErrSizeMismatch)) {
			t.Errorf("%s: got %v", tt.name, err)
		}
		if _, err := f.read(d.Sink.Where(tt.name)); err == nil {
			t.Errorf("%s reached its final name", tt.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := put(ctx, d.Sink, "cancelled.csv", []byte("abc")); !errors.Is(err, context.Canceled) {
		t.Errorf("a Put with an ended context: got %v", err)
	}
	if got := listed(t, d.Lister); len(got) != 0 {
		t.Errorf("failed puts list %v", got)
	}
	if got := f.all(t); len(got) != 0 {
		t.Errorf("failed puts left %v", got)
	}
}

// pausingReader returns its first half, then waits for release.
type pausingReader struct {
	first, rest []byte
	paused      chan struct{} // closed once the first half is out
	release     chan struct{}
}

func (p *pausingReader) Read(b []byte) (int, error) {
	if len(p.first) > 0 {
		n := copy(b, p.first)
		p.first = p.first[n:]
		return n, nil
	}
	if p.paused != nil {
		close(p.paused)
		p.paused = nil
		<-p.release
	}
	if len(p.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}

func testInvisibleUntilComplete(t *testing.T, f fixture) {
	d := f.open(t, "")
	data := bytes.Repeat([]byte("0123456789"), 50_000)
	r := &pausingReader{first: data[:100_000], rest: data[100_000:], paused: make(chan struct{}), release: make(chan struct{})}
	paused := r.paused
	done := make(chan error, 1)
	go func() {
		done <- d.Sink.Put(context.Background(), sink.File{Name: "big.csv", Size: int64(len(data))}, r)
	}()
	select {
	case <-paused:
	case err := <-done:
		t.Fatalf("Put ended before reading all: %v", err)
	}
	if got := listed(t, d.Lister); len(got) != 0 {
		t.Errorf("midway, the folder lists %v", got)
	}
	if _, err := f.read(d.Sink.Where("big.csv")); err == nil {
		t.Error("midway, the final name holds a file")
	}
	close(r.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, err := f.read(d.Sink.Where("big.csv")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
}

func testHostileNames(t *testing.T, f fixture) {
	d := f.open(t, "")
	for _, name := range []string{"", ".", "..", "../evil.csv", `..\evil.csv`, "a/b.csv", `a\b.csv`, "/etc/passwd",
		`C:\x.csv`, "CON", "nul.txt", "a:b", "a\x00b", "trailing. ", strings.Repeat("n", 256)} {
		if err := put(context.Background(), d.Sink, name, []byte("x")); err == nil {
			t.Errorf("Put(%q) succeeded", name)
		}
		if err := d.Lister.Delete(context.Background(), name); err == nil {
			t.Errorf("Delete(%q) succeeded", name)
		}
	}
	if got := f.all(t); len(got) != 0 {
		t.Errorf("hostile names left %v", got)
	}
	target := f.target
	for _, sub := range []string{"../up", `..\up`, "/abs", "a/../../b"} {
		target.Subfolder = sub
		if _, err := clients.OpenSink(context.Background(), target, f.account, nil); err == nil {
			t.Errorf("subfolder %q was accepted", sub)
		}
	}
}

func testListDelete(t *testing.T, f fixture) {
	d := f.open(t, "tenant-a")
	deeper := f.open(t, "tenant-a/deeper")
	want := []string{"000000000001-full.jsonl", "000000000002-delta.jsonl"}
	putNamed(t, d.Sink, want...)
	putNamed(t, deeper.Sink, "not-listed.jsonl")
	if err := f.plant(d.Sink.Where("planted.txt"), []byte("planted.txt")); err != nil {
		t.Fatal(err)
	}
	checkListDelete(t, d.Lister, append(want, "planted.txt"))
	if got := listed(t, deeper.Lister); !slices.Equal(got, []string{"not-listed.jsonl"}) {
		t.Errorf("the deeper folder lists %v", got)
	}
}

func testConcurrentPuts(t *testing.T, f fixture) {
	d := f.open(t, "")
	const files, workers = 24, 3
	if err := putAll(context.Background(), d.Sink, files, workers); err != nil {
		t.Fatal(err)
	}
	var bad []int
	for i := range files {
		got, err := f.read(d.Sink.Where(fmt.Sprintf("extract-%04d.csv", i)))
		if err != nil || !bytes.Equal(got, smallFile(i)) {
			bad = append(bad, i)
		}
	}
	if len(bad) > 0 {
		t.Errorf("files %v did not arrive whole", bad)
	}
	if got := listed(t, d.Lister); len(got) != files {
		t.Errorf("listed %d files, want %d", len(got), files)
	}
}
