package mimconfigbackup

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tenantops/tenantops/internal/testonly/peakmem"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/mimtest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// benchChildEnv marks the test binary re-run as the off-site copy of the
// benchmark; it holds the zip's Windows path.
const benchChildEnv = "TENANTOPS_MIMCONFIGBACKUP_BENCH_CHILD"

// BenchmarkOffsiteCopy copies a zip of 64 MiB and of 256 MiB from the
// WinRM stand-in into Azurite, the way a run does (download through a pipe
// into a staged-block upload, then the read-back check and the removal of
// the server's zip). The copy runs in a child process (this test binary,
// TestOffsiteCopyChild), so its memory is the copy's alone, not the
// stand-in's: the child samples HeapInuse (runtime.ReadMemStats every
// 2 ms) and reads its peak RSS (VmHWM in /proc/self/status). Must: peak
// HeapInuse and peak RSS under 64 MiB for the 256 MiB zip, and about the
// same for both sizes.
//
// azuritetest keeps blobs in memory, 256 MiB at most: each size gets its
// own Azurite, and each copy's blob is deleted before the next.
func BenchmarkOffsiteCopy(b *testing.B) {
	for _, size := range []int64{64 << 20, 256 << 20} {
		b.Run(fmt.Sprintf("zip=%dMiB", size>>20), func(b *testing.B) { benchOffsiteCopy(b, size) })
	}
}

func benchOffsiteCopy(b *testing.B, size int64) {
	az := azuritetest.Start(b)
	disk, err := winrmtest.NewDisk(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	mim, err := mimtest.New(disk)
	if err != nil {
		b.Fatal(err)
	}
	srv := winrmtest.Start(b, winrmtest.Options{HTTPS: true, Machine: mim.Host()})
	const zip = `C:\Backup\.2026-11-24-2330.zip`
	idle := runCopyChild(b, srv, az, "idle")
	var heap, rss int64
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		writeRandomFile(b, disk, zip, size)
		b.StartTimer()
		started := time.Now()
		report := runCopyChild(b, srv, az, zip)
		elapsed += time.Since(started)
		b.StopTimer()
		if report.Err != "" {
			b.Fatalf("child: %s", report.Err)
		}
		if report.Bytes != size {
			b.Fatalf("child copied %d bytes, want %d", report.Bytes, size)
		}
		if _, err := disk.ReadFile(zip); err == nil {
			b.Fatal("the zip is still on the server after a verified copy")
		}
		if _, err := az.Account.Blob.DeleteBlob(context.Background(), "mim-config-backups", report.Blob, nil); err != nil {
			b.Fatal(err)
		}
		heap, rss = max(heap, report.PeakHeapInuse), max(rss, report.PeakRSSKB<<10)
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/(1<<20), "peak-HeapInuse-MiB")
	b.ReportMetric(64, "max:peak-HeapInuse-MiB") // the goal, for make bench's summary table
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(64, "max:peak-RSS-MiB") // the goal, for make bench's summary table
	b.ReportMetric(float64(idle.PeakRSSKB)/(1<<10), "idle-RSS-MiB")
	b.ReportMetric(float64(size)*float64(b.N)/elapsed.Seconds()/1e6, "MB/s")
	if size >= 256<<20 && (heap >= 64<<20 || rss >= 64<<20) {
		b.Errorf("peak HeapInuse %d MiB, peak RSS %d MiB: not under 64 MiB", heap>>20, rss>>20)
	}
}

// writeRandomFile writes size incompressible bytes at a Windows path.
func writeRandomFile(b *testing.B, disk *winrmtest.Disk, windowsPath string, size int64) {
	if err := disk.WriteFile(windowsPath, nil); err != nil {
		b.Fatal(err)
	}
	p, _ := disk.Path(windowsPath)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
}

// copyReport is the last line the child prints.
type copyReport struct {
	Blob          string // its name in the container
	Bytes         int64
	PeakHeapInuse int64 // bytes
	PeakRSSKB     int64 // VmHWM, 0 where /proc is missing
	Err           string
}

func runCopyChild(b *testing.B, srv *winrmtest.Server, az *azuritetest.Server, zip string) copyReport {
	cmd := exec.Command(os.Args[0], "-test.run=^TestOffsiteCopyChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchChildEnv+"="+zip,
		"AzureWebJobsStorage="+az.ConnectionString, "MIMBackupContainer=mim-config-backups",
		"MIMSyncServer="+srv.Host, "MIMSyncWinRMPort="+strconv.Itoa(srv.Port), "MIMSyncCredUser="+srv.User(),
		"MIMSyncCredPassword="+srv.Password(), "MIMSyncWinRMCACert="+string(srv.CACertPEM), `MIMBackupRoot=C:\Backup`)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var r copyReport
		if json.Unmarshal([]byte(lines[i]), &r) == nil && (r.PeakRSSKB > 0 || r.Bytes > 0 || r.Err != "") {
			return r
		}
	}
	b.Fatalf("no report from the child:\n%s", out)
	return copyReport{}
}

// TestOffsiteCopyChild is the benchmark's child process: one off-site copy
// (or, for "idle", none), its report as the last line of stdout. It does
// nothing in a normal test run.
func TestOffsiteCopyChild(t *testing.T) {
	zip := os.Getenv(benchChildEnv)
	if zip == "" {
		t.Skip("runs only as the child of BenchmarkOffsiteCopy")
	}
	stop, peak := sampleHeapInuse()
	report := copyReport{}
	inv := &function.Invocation{ID: "bench", Function: "MimConfigBackup", Env: settings.OSEnv{}, Log: slog.New(slog.DiscardHandler)}
	p := inv.Settings()
	opts := readOptions(p)
	client, err := remoteps.New(opts.winrm, inv.Log)
	if err == nil {
		err = p.Err()
	}
	if err == nil && zip != "idle" { // idle: the process's floor, with the same clients
		err = errors.Join(offsite(context.Background(), inv, client, opts, &summary{Folder: "2026-11-24-2330", Zip: zip})...)
	}
	stop()
	if err != nil {
		report.Err = err.Error()
	}
	if s, ok := inv.Figures()["offsiteBlob"].(string); ok && s != "" {
		report.Blob = strings.TrimPrefix(s, opts.container+"/")
		report.Bytes = blobSize(t, opts.container, report.Blob)
	}
	report.PeakHeapInuse, report.PeakRSSKB = peak(), peakmem.VmHWM()
	line, _ := json.Marshal(report)
	fmt.Printf("\n%s\n", line)
}

// blobSize reads the stored blob's size.
func blobSize(t *testing.T, container, name string) int64 {
	account, err := clients.Storage(settings.OSEnv{})
	if err != nil {
		t.Fatal(err)
	}
	props, err := account.Blob.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(context.Background(), nil)
	if err != nil || props.ContentLength == nil {
		t.Fatalf("blob properties: %v", err)
	}
	return *props.ContentLength
}

// sampleHeapInuse samples runtime.MemStats.HeapInuse until stop is called;
// peak returns the highest sample.
func sampleHeapInuse() (stop func(), peak func() int64) {
	var mu sync.Mutex
	var highest int64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		highest = max(highest, int64(m.HeapInuse))
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait(); sample() }, func() int64 { mu.Lock(); defer mu.Unlock(); return highest }
}
