package remoteps_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

func newUploads(t *testing.T, srv *winrmtest.Server, max int) *remoteps.Uploads {
	t.Helper()
	u := newClient(t, srv.ClientConfig()).NewUploads(context.Background(), max)
	t.Cleanup(func() { _ = u.Close() })
	return u
}

func TestUploadsManyFilesThroughFewProcesses(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, StartCost: 20 * time.Millisecond})
	const processes, files = 3, 60
	u := newUploads(t, srv, processes)
	sizes := func(i int) int { return []int{0, 1, 700, 1<<20 + 1}[i%4] + i }
	var wg sync.WaitGroup
	errs := make(chan error, files)
	for w := range 2 * processes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < files; i += 2 * processes {
				data := randomData(sizes(i))
				res, err := u.UploadSized(context.Background(), bytes.NewReader(data), fmt.Sprintf(`C:\Drop\f%03d.csv`, i), int64(len(data)))
				sum := sha256.Sum256(data)
				if err == nil && (res.Size != int64(len(data)) || res.SHA256 != hex.EncodeToString(sum[:])) {
					err = fmt.Errorf("file %d: result %+v", i, res)
				}
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i := range files {
		if got, err := srv.Disk.ReadFile(fmt.Sprintf(`C:\Drop\f%03d.csv`, i)); err != nil || !bytes.Equal(got, randomData(sizes(i))) {
			t.Errorf("file %d did not arrive whole (err %v)", i, err)
		}
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	st := srv.Stats()
	if st.Shells > processes || st.Commands > processes || u.Processes() > processes {
		t.Errorf("%d files used %d shells and %d commands (%d processes); want at most %d of each", files, st.Shells, st.Commands, u.Processes(), processes)
	}
	assertOnlyFiles(t, srv.Disk, `C:\Drop`)
	assertNoShells(t, srv)
}

// A file that fails, on either side, fails alone: the process goes on.
func TestUploadsAFailedFileFailsAlone(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	if err := srv.Disk.WriteFile(`C:\Drop\blocker`, []byte("a file where a folder is wanted")); err != nil {
		t.Fatal(err)
	}
	u := newUploads(t, srv, 1)
	ctx := context.Background()
	good := func(name string) {
		t.Helper()
		if _, err := u.Upload(ctx, strings.NewReader("ok "+name), `C:\Drop\`+name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	good("first.csv")
	_, err := u.Upload(ctx, &brokenReader{r: bytes.NewReader(randomData(3 << 20)), n: 1 << 20}, `C:\Drop\cut.csv`)
	if err == nil || !strings.Contains(err.Error(), "connection reset by peer") {
		t.Errorf("cut source: err = %v, want the source's failure", err)
	}
	good("second.csv")
	_, err = u.Upload(ctx, strings.NewReader("x"), `C:\Drop\blocker\inside.csv`)
	var fe *remoteps.FileError
	if !errors.As(err, &fe) {
		t.Errorf("unwritable target: err = %v, want a *FileError", err)
	}
	good("third.csv")
	if _, err := u.UploadSized(ctx, strings.NewReader("short"), `C:\Drop\short.csv`, 100); err == nil || !strings.Contains(err.Error(), "announced") {
		t.Errorf("short file: err = %v, want the host's refusal", err)
	}
	if _, err := u.Upload(ctx, strings.NewReader("x"), `C:\Drop\..\escape.csv`); err == nil {
		t.Error("a path with .. was sent")
	}
	good("fourth.csv")
	for _, name := range []string{"cut.csv", "short.csv"} {
		if _, err := srv.Disk.ReadFile(`C:\Drop\` + name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a failed upload (err %v)", name, err)
		}
	}
	assertOnlyFiles(t, srv.Disk, `C:\Drop`)
	if st := srv.Stats(); st.Commands != 1 {
		t.Errorf("%d commands, want every file through one", st.Commands)
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertNoShells(t, srv)
}

// A process left idle longer than the operation timeout keeps going: the
// w:TimedOut answers to its pending Receive are only "no output yet".
func TestUploadsSurviveReceiveTimeouts(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 50 * time.Millisecond})
	u := newUploads(t, srv, 1)
	for i := range 3 {
		if _, err := u.Upload(context.Background(), strings.NewReader("row\n"), fmt.Sprintf(`C:\Drop\slow-%d.csv`, i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	st := srv.Stats()
	if st.TimedOut == 0 {
		t.Error("no Receive was answered with w:TimedOut; the test did not exercise the pattern")
	}
	if st.Commands != 1 {
		t.Errorf("%d commands, want one process throughout", st.Commands)
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertNoShells(t, srv)
}

// Cancelling the run's context ends the processes and deletes the shells,
// whether a file was on its way or not; the file on its way is aborted, so
// no temporary file stays behind.
func TestUploadsCancelEndsTheProcesses(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	u := newClient(t, srv.ClientConfig()).NewUploads(ctx, 2)
	if _, err := u.Upload(context.Background(), strings.NewReader("idle after this"), `C:\Drop\a.csv`); err != nil {
		t.Fatal(err)
	}
	// A source that has given 1 MiB and then waits, as a stalled download does.
	sent := make(chan struct{})
	data := bytes.NewReader(randomData(1 << 20))
	src := readerFunc(func(p []byte) (int, error) {
		if data.Len() > 0 {
			return data.Read(p)
		}
		close(sent)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	done := make(chan error, 1)
	go func() {
		_, err := u.Upload(ctx, src, `C:\Drop\cancelled.bin`)
		done <- err
	}()
	<-sent
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the upload did not end after the cancel")
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close after cancel: %v", err)
	}
	if _, err := srv.Disk.ReadFile(`C:\Drop\cancelled.bin`); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled file exists (err %v)", err)
	}
	assertOnlyFiles(t, srv.Disk, `C:\Drop`) // the file was aborted, and the host removed its temporary file
	assertNoShells(t, srv)
	if _, err := u.Upload(context.Background(), strings.NewReader("late"), `C:\Drop\late.csv`); err == nil {
		t.Error("an upload after Close succeeded")
	}
}

// A restart of the WinRM service (connections dropped, shells forgotten)
// fails the file in flight only: a file sent afterwards gets a new process,
// also through a process that was idle when it happened.
func TestUploadsDroppedConnectionFailsOnlyTheFileInFlight(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 200 * time.Millisecond})
	u := newUploads(t, srv, 1)
	ctx := context.Background()
	if _, err := u.Upload(ctx, strings.NewReader("before"), `C:\Drop\before.csv`); err != nil {
		t.Fatal(err)
	}
	srv.Restart() // while the process is idle
	if _, err := u.Upload(ctx, strings.NewReader("after an idle drop"), `C:\Drop\idle.csv`); err != nil {
		t.Errorf("the file after a drop while idle: %v", err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(randomData(2 << 20)) // the first Sends go through
		srv.Restart()
		_, _ = pw.Write(randomData(2 << 20))
		_ = pw.Close()
	}()
	if _, err := u.Upload(ctx, pr, `C:\Drop\inflight.bin`); err == nil {
		t.Error("the file in flight during the drop succeeded")
	}
	for _, name := range []string{"next-1.csv", "next-2.csv"} {
		if _, err := u.Upload(ctx, strings.NewReader(name), `C:\Drop\`+name); err != nil {
			t.Errorf("%s after the drop: %v", name, err)
		}
	}
	for _, name := range []string{"before.csv", "idle.csv", "next-1.csv", "next-2.csv"} {
		if _, err := srv.Disk.ReadFile(`C:\Drop\` + name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := srv.Disk.ReadFile(`C:\Drop\inflight.bin`); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file cut by the drop exists (err %v)", err)
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertNoShells(t, srv)
}

// File names travel as data: the script the host runs is the same text
// whatever the names, and hostile names arrive as they are.
func TestUploadsNamesAreData(t *testing.T) {
	disk, err := winrmtest.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sources []string
	uploads := winrmtest.UploadsScript(disk)
	host := &winrmtest.Host{Scripts: map[string]winrmtest.ScriptFunc{"uploads": func(ctx context.Context, c *winrmtest.Call) int {
		mu.Lock()
		sources = append(sources, c.Source)
		mu.Unlock()
		return uploads(ctx, c)
	}}}
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, Machine: host})
	u := newUploads(t, srv, 1)
	names := []string{`it's $(Stop-Computer).csv`, "\u2019; Stop-Computer; \u2018.csv", "`$env;#.csv", `@'x'@ & calc.csv`}
	for _, name := range names {
		if _, err := u.Upload(context.Background(), strings.NewReader(name), `C:\Drop\`+name); err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if got, err := disk.ReadFile(`C:\Drop\` + name); err != nil || string(got) != name {
			t.Errorf("%q arrived as %q (err %v)", name, got, err)
		}
	}
	if err := u.Close(); err != nil {
		t.Error(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sources) != 1 || sources[0] != remoteps.Scripts()["uploads.ps1"] {
		t.Errorf("the host ran %d scripts; want uploads.ps1 once, unchanged", len(sources))
	}
}

// The smallest envelope a Windows server allows still carries a file's
// header and a line of its data in one Send.
func TestUploadsWithTheSmallestEnvelope(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxEnvelopeSize: remoteps.MinMaxEnvelopeSize})
	u := newUploads(t, srv, 1)
	data := randomData(300_000)
	remote := `C:\Drop\` + strings.Repeat("long-name-", 20) + ".csv"
	if _, err := u.UploadSized(context.Background(), bytes.NewReader(data), remote, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if got, err := srv.Disk.ReadFile(remote); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the file did not arrive whole (err %v)", err)
	}
}

// Connections dropped by the network (the shells live on) end the processes
// for the client: the file in flight fails, later files get new processes,
// and the abandoned shells are still deleted.
func TestUploadsConnectionsDroppedByTheNetwork(t *testing.T) {
	srv := winrmtest.Start(t, winrmtest.Options{HTTPS: true, MaxTimeout: 200 * time.Millisecond})
	u := newUploads(t, srv, 2)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 2 { // two processes, both idle afterwards
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := u.Upload(ctx, strings.NewReader("first"), fmt.Sprintf(`C:\Drop\first-%d.csv`, i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(randomData(2 << 20))
		srv.DropConnections()
		_, _ = pw.Write(randomData(2 << 20))
		_ = pw.Close()
	}()
	if _, err := u.Upload(ctx, pr, `C:\Drop\inflight.bin`); err == nil {
		t.Error("the file in flight when the connections dropped succeeded")
	}
	for i := range 3 {
		if _, err := u.Upload(ctx, strings.NewReader("after"), fmt.Sprintf(`C:\Drop\after-%d.csv`, i)); err != nil {
			t.Errorf("file %d after the drop: %v", i, err)
		}
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertNoShells(t, srv)
}
