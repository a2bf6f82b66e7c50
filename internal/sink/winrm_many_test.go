package sink_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// smallFile is the content of the i-th small file.
func smallFile(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("row %d,of,data\r\n", i)), 1+i%20)
}

// putAll delivers files 0..n-1 through s from workers goroutines and
// returns the first error.
func putAll(ctx context.Context, s sink.Sink, n, workers int) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data := smallFile(i)
				errs <- s.Put(ctx, sink.File{Name: fmt.Sprintf("extract-%04d.csv", i), Size: int64(len(data))}, bytes.NewReader(data))
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Many files through the sink use at most one shell and one PowerShell
// process per worker, and each arrives whole.
func TestWinRMPutManyFilesThroughOneProcessPerWorker(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, StartCost: 50 * time.Millisecond})
	client, err := remoteps.New(srv.ClientConfig(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	const workers, files = 4, 200
	u := client.NewUploads(context.Background(), workers)
	s, err := sink.NewWinRM(clients.WinRMUploads{Uploads: u}, `C:\MIM\Imports`, "2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	if err := putAll(context.Background(), s, files, workers); err != nil {
		t.Fatal(err)
	}
	// A file shorter than listed fails alone, refused before it is renamed.
	if err := s.Put(context.Background(), sink.File{Name: "short.csv", Size: 100}, bytes.NewReader([]byte("short"))); err == nil {
		t.Error("a short stream was accepted")
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for i := range files {
		got, err := srv.Disk.ReadFile(fmt.Sprintf(`C:\MIM\Imports\2026-11-25\extract-%04d.csv`, i))
		if err != nil || !bytes.Equal(got, smallFile(i)) {
			t.Fatalf("file %d did not arrive whole (err %v)", i, err)
		}
	}
	if _, err := srv.Disk.ReadFile(`C:\MIM\Imports\2026-11-25\short.csv`); err == nil {
		t.Error("the short file reached its final name")
	}
	st := srv.Stats()
	if st.Shells > workers || st.Commands > workers {
		t.Errorf("%d files used %d shells and %d commands; want at most %d of each", files+1, st.Shells, st.Commands, workers)
	}
	if n := srv.OpenShells(); n != 0 {
		t.Errorf("%d shells left open after Close", n)
	}
}

// BenchmarkWinRMManyFiles delivers 2,000 small files over the sink to the
// stand-in, which charges 500 ms for each PowerShell start, through one
// process per worker (4, the FTPMaxConnections default); and, as the
// baseline, a sample of files the old way, one process per file. It reports
// both rates and their ratio, and fails if more than one shell or process
// per worker was used or the shared processes are not 20 times as fast.
func BenchmarkWinRMManyFiles(b *testing.B) {
	const workers, files, sample = 4, 2000, 16
	const startCost = 500 * time.Millisecond
	var shared, single time.Duration
	for range b.N {
		d, st := timeMany(b, files, workers, startCost)
		shared += d
		if st.Shells > workers || st.Commands > workers {
			b.Fatalf("%d files used %d shells and %d commands; want at most %d of each", files, st.Shells, st.Commands, workers)
		}
		b.ReportMetric(float64(st.Shells), "shells")
		b.ReportMetric(4, "max:shells") // the goal, for make bench's summary table
		b.ReportMetric(float64(st.Commands), "processes")
		b.ReportMetric(4, "max:processes") // the goal, for make bench's summary table
		single += timeOnePerFile(b, sample, workers, startCost)
	}
	sharedRate := float64(b.N*files) / shared.Seconds()
	singleRate := float64(b.N*sample) / single.Seconds()
	b.ReportMetric(sharedRate, "shared-files/s")
	b.ReportMetric(singleRate, "one-per-file-files/s")
	b.ReportMetric(sharedRate/singleRate, "speedup-x")
	b.ReportMetric(20, "min:speedup-x") // the goal, for make bench's summary table
	if sharedRate < 20*singleRate {
		b.Errorf("shared processes deliver %.1f files/s, one process per file %.1f: less than 20x", sharedRate, singleRate)
	}
}

func timeMany(b *testing.B, files, workers int, startCost time.Duration) (time.Duration, winrmtest.Stats) {
	srv := winrmtest.Start(b, winrmtest.Options{HTTPS: true, StartCost: startCost})
	client, err := remoteps.New(srv.ClientConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	u := client.NewUploads(context.Background(), workers)
	s, err := sink.NewWinRM(clients.WinRMUploads{Uploads: u}, `C:\MIM\Imports`, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := putAll(context.Background(), s, files, workers); err != nil {
		b.Fatal(err)
	}
	if err := u.Close(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start), srv.Stats()
}

func timeOnePerFile(b *testing.B, files, workers int, startCost time.Duration) time.Duration {
	srv := winrmtest.Start(b, winrmtest.Options{HTTPS: true, StartCost: startCost})
	client, err := remoteps.New(srv.ClientConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := sink.NewWinRM(clients.WinRMClient{Client: client}, `C:\MIM\Imports`, "")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := putAll(context.Background(), s, files, workers); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
