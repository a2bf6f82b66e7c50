package ftpretrieve

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

// stoppingSink stands for a sink that needs a moment after it is told to
// stop, as the WinRM sink does to remove its partial file on the server:
// each Put takes the whole file, then waits for the stop, then either
// finishes its commit (names in commits) or undoes the file.
type stoppingSink struct {
	commits map[string]bool
	release <-chan struct{} // nil: finish 300 ms after the stop
	active  atomic.Int32

	mu        sync.Mutex
	committed []string
}

func (s *stoppingSink) Put(ctx context.Context, f sink.File, r io.Reader) error {
	s.active.Add(1)
	defer s.active.Add(-1)
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	<-ctx.Done()
	if s.release != nil {
		<-s.release
	} else {
		time.Sleep(300 * time.Millisecond)
	}
	if !s.commits[f.Name] {
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.committed = append(s.committed, f.Name)
	return nil
}

func (s *stoppingSink) Kind() string             { return "test" }
func (s *stoppingSink) Where(name string) string { return "test/" + name }

// memoryState is a delivered-files record that is never saved.
func memoryState() *state {
	return &state{data: delivered{Version: stateVersion, Files: map[string]record{}},
		pending: map[string]record{}, forgotten: map[string]time.Time{}}
}

// transferFixture serves four files and opens a source with two
// connections.
func transferFixture(t *testing.T) (*config, *ftpsource.Source, []ftpsource.Entry) {
	t.Helper()
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	f := &fixture{srv: srv}
	if err := os.Mkdir(filepath.Join(srv.Dir, "outbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.csv", "b.csv", "c.csv", "d.csv"} {
		f.put(t, name, 1000, time.Hour)
	}
	c := &config{maxConns: 2, sourceDir: "/outbox"}
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSNone, MaxConnections: 2, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	listing, err := src.List(context.Background(), "/outbox")
	if err != nil || len(listing.Files) != 4 {
		t.Fatalf("listing: %+v %v", listing, err)
	}
	return c, src, listing.Files
}

// TestTransferWaitsForTransfersInProgressWhenStopped: when the run stops,
// transfer returns only once every Put has returned, records the file
// whose commit finished, and counts the files never started.
func TestTransferWaitsForTransfersInProgressWhenStopped(t *testing.T) {
	c, src, files := transferFixture(t)
	dst := &stoppingSink{commits: map[string]bool{"a.csv": true}}
	st := memoryState()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	sum := transfer(ctx, slog.New(slog.DiscardHandler), c, src, dst, st, files)
	if n := dst.active.Load(); n != 0 {
		t.Fatalf("transfer returned with %d Put(s) still running", n)
	}
	if sum.fetched != 1 || sum.failed != 1 || sum.notAttempted != 2 {
		t.Errorf("summary %+v, want 1 fetched, 1 failed, 2 not attempted", sum)
	}
	if _, ok := st.data.Files["a.csv"]; !ok || len(st.data.Files) != 1 {
		t.Errorf("recorded %v, want a.csv, whose commit finished", st.data.Files)
	}
}

// TestTransferWaitIsBounded: a Put that does not return after the stop is
// given up after stopWait and counted as failed.
func TestTransferWaitIsBounded(t *testing.T) {
	old := stopWait
	stopWait = 300 * time.Millisecond
	t.Cleanup(func() { stopWait = old })
	c, src, files := transferFixture(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	dst := &stoppingSink{release: release}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	sum := transfer(ctx, slog.New(slog.DiscardHandler), c, src, dst, memoryState(), files)
	if sum.failed != 2 || sum.notAttempted != 2 || sum.fetched != 0 {
		t.Errorf("summary %+v, want 2 failed (still running), 2 not attempted", sum)
	}
}

// TestRunStopsAtItsDeadlineAndSaysWhatWasDone: a run that reaches its own
// deadline (safely inside the host's functionTimeout) stops its transfers
// without leaving partial files, records what finished, and says how many
// files were delivered, cut short and not attempted; the next run fetches
// the rest. A cancelled invocation says so the same way.
func TestRunStopsAtItsDeadlineAndSaysWhatWasDone(t *testing.T) {
	for _, how := range []string{"deadline", "cancelled"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t, ftptest.Explicit, nil)
			f.env["FTPMaxConnections"] = "1"
			f.env["FTPTargetSubfolder"] = ""
			for _, s := range []string{"a", "b", "c"} {
				f.put(t, "HR_"+f.today+"_"+s+".csv", 100_000, time.Hour)
			}
			f.srv.StallFile("HR_"+f.today+"_b.csv", 10_000)
			var err error
			if how == "deadline" {
				old := runTimeout
				runTimeout = 2 * time.Second
				_, err = f.invoke(t)
				runTimeout = old
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err = f.invokeCtx(t, ctx)
				cancel()
			}
			want := map[string]string{"deadline": "the run reached its deadline of 2s", "cancelled": "the invocation was cancelled"}[how]
			for _, part := range []string{want, "1 file(s) delivered and recorded", "1 failed or cut short", "1 not attempted"} {
				if err == nil || !strings.Contains(err.Error(), part) {
					t.Errorf("error %v does not say %q", err, part)
				}
			}
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				t.Errorf("error %v wraps no context error", err)
			}
			f.wantFigures(t, map[string]int{"filesDelivered": 1, "filesFailed": 1, "filesNotAttempted": 1, "stateRecords": 1})
			if got := filesUnder(t, f.env["FTPTargetDirectory"]); len(got) != 1 || got[0] != "HR_"+f.today+"_a.csv" {
				t.Fatalf("target holds %v after the stop, want the finished file alone", got)
			}

			f.srv.StallFile("HR_"+f.today+"_b.csv", 0)
			logs, err := f.invoke(t)
			if err != nil {
				t.Fatalf("next run: %v\n%s", err, logs)
			}
			wantCounts(t, logs, 2, 1, 0, 0)
		})
	}
}
