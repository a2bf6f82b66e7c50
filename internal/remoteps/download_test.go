package remoteps_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// writeRandomFile writes size pseudo-random bytes at a Windows path of d,
// a chunk at a time, and returns their SHA-256.
func writeRandomFile(tb testing.TB, d *winrmtest.Disk, windowsPath string, size int64) string {
	tb.Helper()
	local, err := d.Path(windowsPath)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(local)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sum := sha256.New()
	src := io.LimitReader(rand.NewChaCha8([32]byte{9}), size)
	if _, err := io.Copy(io.MultiWriter(f, sum), src); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// heapWatcher hashes what it is given and samples the heap in use every
// few megabytes, keeping the peak.
type heapWatcher struct {
	sum      hash.Hash
	n, next  int64
	peakHeap uint64
}

func newHeapWatcher() *heapWatcher { return &heapWatcher{sum: sha256.New()} }

func (h *heapWatcher) Write(p []byte) (int, error) {
	h.sum.Write(p)
	h.n += int64(len(p))
	if h.n >= h.next {
		h.next = h.n + 2<<20
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peakHeap = max(h.peakHeap, ms.HeapInuse)
	}
	return len(p), nil
}

// baselineHeap is the heap in use after a collection.
func baselineHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// A download streams: the heap grows by a bounded amount however large the
// file is (the stand-in, in this process too, holds at most about a
// megabyte of output per command, as a pipe would).
func TestDownloadMemoryStaysBounded(t *testing.T) {
	const size = 96 << 20
	const bound = 48 << 20
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	const remote = `C:\Backup\2026-11-24-2330.zip`
	want := writeRandomFile(t, srv.Disk, remote, size)
	c := newClient(t, srv.ClientConfig())

	base := baselineHeap()
	w := newHeapWatcher()
	res, err := c.Download(context.Background(), remote, w, remoteps.DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(w.sum.Sum(nil)); res.Size != size || res.SHA256 != want || got != want || w.n != size {
		t.Fatalf("got %d bytes with SHA-256 %s (result %+v), want %d with %s", w.n, got, res, size, want)
	}
	t.Logf("heap grew by %.1f MiB while moving %d MiB", float64(int64(w.peakHeap)-int64(base))/(1<<20), size>>20)
	if grew := int64(w.peakHeap) - int64(base); grew > bound {
		t.Errorf("the heap grew by %d MiB while moving %d MiB; want under %d MiB", grew>>20, size>>20, bound>>20)
	}
	assertNoShells(t, srv)
}

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("blob upload refused")
	}
	return len(p), nil
}

// A destination that fails stops the remote script at once, and the error
// says what failed; with Remove, the remote file stays.
func TestDownloadDestinationFailureStopsTheScript(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	const remote = `C:\Backup\keep.zip`
	writeRandomFile(t, srv.Disk, remote, 8<<20)
	c := newClient(t, srv.ClientConfig())
	_, err := c.Download(context.Background(), remote, &failingWriter{n: 1 << 20}, remoteps.DownloadOptions{Remove: true})
	if err == nil || !strings.Contains(err.Error(), "blob upload refused") {
		t.Fatalf("err = %v, want the writer's failure", err)
	}
	if _, err := srv.Disk.ReadFile(remote); err != nil {
		t.Errorf("the remote file is gone after a failed download: %v", err)
	}
	assertNoShells(t, srv)
}

// Output that does not match its end line is an error.
func TestDownloadDetectsDamage(t *testing.T) {
	host := &winrmtest.Host{Scripts: map[string]winrmtest.ScriptFunc{"download": func(ctx context.Context, c *winrmtest.Call) int {
		io.WriteString(c.Stdout, "aGVsbG8=\r\nend:"+strings.Repeat("0", 64)+":5\r\n")
		return 0
	}}}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: host})
	_, err := newClient(t, srv.ClientConfig()).Download(context.Background(), `C:\Backup\x.zip`, io.Discard, remoteps.DownloadOptions{})
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("err = %v, want a SHA-256 mismatch", err)
	}
	assertNoShells(t, srv)
}

// BenchmarkDownloadPeakHeap downloads a 256 MiB file and reports how much
// the heap grew at its peak, and the throughput.
func BenchmarkDownloadPeakHeap(b *testing.B) {
	const size = 256 << 20
	srv := winrmtest.Start(b, winrmtest.Options{HTTPS: true})
	const remote = `C:\Backup\big.zip`
	want := writeRandomFile(b, srv.Disk, remote, size)
	c := newClient(b, srv.ClientConfig())
	var peak int64
	b.ResetTimer()
	for range b.N {
		base := baselineHeap()
		w := newHeapWatcher()
		res, err := c.Download(context.Background(), remote, w, remoteps.DownloadOptions{})
		if err != nil || res.SHA256 != want {
			b.Fatalf("download: %v (%+v)", err, res)
		}
		peak = max(peak, int64(w.peakHeap)-int64(base))
	}
	b.SetBytes(size)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-growth-MiB")
	b.ReportMetric(64, "max:peak-heap-growth-MiB") // the goal, for make bench's summary table
}
