package ftpsource_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func writeFile(t *testing.T, path string, size int) []byte {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

func fetchAll(t *testing.T, src *ftpsource.Source, path string, size int64) ([]byte, error) {
	t.Helper()
	r, err := src.Fetch(context.Background(), path, size)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func names(entries []ftpsource.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out
}

func TestModesAgainstFtpserverlib(t *testing.T) {
	for _, mode := range []ftptest.Mode{ftptest.Plain, ftptest.Explicit, ftptest.Implicit} {
		t.Run(string(mode), func(t *testing.T) {
			srv := ftptest.ServerT(t, ftptest.Options{Mode: mode})
			want := writeFile(t, filepath.Join(srv.Dir, "in", "a.csv"), 300_000)
			writeFile(t, filepath.Join(srv.Dir, "in", "b.csv"), 10)
			src := openMode(t, srv, mode, 5*time.Second)
			entries, err := files(src.List(context.Background(), "/in"))
			if err != nil {
				t.Fatal(err)
			}
			if got := names(entries); len(got) != 2 || got[0] != "a.csv" || got[1] != "b.csv" {
				t.Fatalf("listed %v", got)
			}
			for i := 0; i < 3; i++ { // reuse of the pooled connection
				got, err := fetchAll(t, src, "/in/a.csv", int64(len(want)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("fetch %d: content differs", i)
				}
			}
			if srv.Cert != nil {
				// One control connection, then one listing and three downloads
				// whose data connections resume its session.
				total, resumed := srv.TLSHandshakes()
				if total != 5 || resumed != 4 {
					t.Errorf("%d TLS handshakes, %d resumed; want 5 and 4", total, resumed)
				}
			}
		})
	}
}

func TestExplicitTLSAgainstPlainServerSaysSetNone(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	_, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSExplicit, Timeout: 5 * time.Second, Log: quiet()})
	if !errors.Is(err, ftpsource.ErrNoTLS) {
		t.Fatalf("got %v, want ErrNoTLS", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("FTPTLS=none")) {
		t.Errorf("error does not point at FTPTLS=none: %v", err)
	}
}

func TestImplicitTLSAgainstPlainServer(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	_, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSImplicit, Timeout: 5 * time.Second, Log: quiet()})
	if !errors.Is(err, ftpsource.ErrNoTLS) {
		t.Fatalf("got %v, want ErrNoTLS", err)
	}
}

func TestUntrustedCertificateFails(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Explicit})
	_, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, Timeout: 5 * time.Second, Log: quiet()})
	if err == nil {
		t.Fatal("connected to a server with an untrusted certificate")
	}
}

func TestWrongPasswordIsNotRepeated(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	_, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: "s3cret-wrong", TLS: ftpsource.TLSNone, Timeout: 5 * time.Second, Log: quiet()})
	if err == nil {
		t.Fatal("logged in with a wrong password")
	}
	if bytes.Contains([]byte(err.Error()), []byte("s3cret-wrong")) {
		t.Fatalf("error repeats the password: %v", err)
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	silent, err := ftptest.StartSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for _, mode := range []ftpsource.TLSMode{ftpsource.TLSNone, ftpsource.TLSExplicit, ftpsource.TLSImplicit} {
		t.Run(string(mode), func(t *testing.T) {
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				_, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: silent.Addr, User: "u",
					Password: "p", TLS: mode, Timeout: 300 * time.Millisecond, Log: quiet()})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("a silent server let us in")
				}
				if took := time.Since(start); took > 2*time.Second {
					t.Errorf("failed after %s with a 300ms timeout", took)
				}
				if mode != ftpsource.TLSImplicit && !strings.Contains(err.Error(), "FTPTLS=implicit") {
					t.Errorf("no hint at implicit TLS for a server that never greets: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Open hung on a silent server")
			}
		})
	}
}

func TestCancelUnblocksSilentServer(t *testing.T) {
	silent, err := ftptest.StartSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ftpsource.Open(ctx, ftpsource.Options{Addr: silent.Addr, User: "u", Password: "p",
			TLS: ftpsource.TLSNone, Timeout: time.Hour, Log: quiet()})
		done <- err
	}()
	cancel()
	if err := waitFailure(t, done, "Open ignored cancellation"); err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestDroppedTransferIsAnError(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Explicit})
	want := writeFile(t, filepath.Join(srv.Dir, "big.bin"), 1<<20)
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLSConfig: srv.Cert.ClientConfig(), Timeout: 5 * time.Second, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	srv.DropAfter(100_000)
	got, err := fetchAll(t, src, "big.bin", int64(len(want)))
	if err == nil {
		t.Fatalf("a cut transfer ended cleanly after %d bytes", len(got))
	}
	if srv.Drops() == 0 {
		t.Fatal("the server did not cut the transfer")
	}
	srv.DropAfter(0)
	got, err = fetchAll(t, src, "big.bin", int64(len(want)))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("fetch after the cut: %v", err)
	}
}

func TestSizeMismatchIsAnError(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	want := writeFile(t, filepath.Join(srv.Dir, "f.csv"), 1000)
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSNone, Timeout: 5 * time.Second, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, size := range []int64{999, 1001} {
		if _, err := fetchAll(t, src, "f.csv", size); !errors.Is(err, ftpsource.ErrIncomplete) {
			t.Errorf("listed %d, got %d bytes: err %v, want ErrIncomplete", size, len(want), err)
		}
	}
}

func TestHostileNamesArePassedThroughForTheCallerToCheck(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain, Hostile: ftptest.DefaultHostileNames})
	writeFile(t, filepath.Join(srv.Dir, "ok.csv"), 10)
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSNone, Timeout: 5 * time.Second, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	entries, err := files(src.List(context.Background(), "/"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[e.Name] = true
	}
	for _, h := range append([]string{"ok.csv"}, "../../evil.txt", "CON") {
		if !got[h] {
			t.Errorf("listing lacks %q: %v", h, names(entries))
		}
	}
}

func TestMissingDirectory(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSNone, Timeout: 5 * time.Second, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := files(src.List(context.Background(), "/nope")); !errors.Is(err, ftpsource.ErrNoDirectory) {
		t.Fatalf("got %v, want ErrNoDirectory", err)
	}
	if err := os.Mkdir(filepath.Join(srv.Dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if entries, err := files(src.List(context.Background(), "/empty")); err != nil || len(entries) != 0 {
		t.Fatalf("empty dir: %v %v", entries, err)
	}
}

func TestParallelFetchesAgainstFtpserverlib(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Explicit})
	files := map[string][]byte{}
	for _, n := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
		files[n] = writeFile(t, filepath.Join(srv.Dir, n+".bin"), 50_000)
	}
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLSConfig: srv.Cert.ClientConfig(), MaxConnections: 3, Timeout: 5 * time.Second, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var wg sync.WaitGroup
	for n, want := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := fetchAll(t, src, n+".bin", int64(len(want)))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %v", n, err)
			}
		}()
	}
	wg.Wait()
	if srv.Logins() > 3 {
		t.Errorf("%d logins for a pool of 3", srv.Logins())
	}
	// Each connection has a session cache of its own: control connections
	// start fresh, every data connection resumes its control connection's.
	total, resumed := srv.TLSHandshakes()
	if fresh := total - resumed; fresh != srv.Logins() || resumed != int64(len(files)) {
		t.Errorf("%d handshakes, %d resumed, %d logins: want one fresh per login and %d resumed",
			total, resumed, srv.Logins(), len(files))
	}
}

func TestStalledTransferTimesOut(t *testing.T) {
	for _, mode := range []ftptest.Mode{ftptest.Plain, ftptest.Explicit} {
		t.Run(string(mode), func(t *testing.T) {
			srv := ftptest.ServerT(t, ftptest.Options{Mode: mode})
			want := writeFile(t, filepath.Join(srv.Dir, "big.bin"), 1<<20)
			src := openMode(t, srv, mode, 300*time.Millisecond)
			srv.StallAfter(200_000)
			done := make(chan error, 1)
			go func() {
				_, err := fetchAll(t, src, "big.bin", int64(len(want)))
				done <- err
			}()
			if err := waitFailure(t, done, "a stalled transfer hung"); err == nil {
				t.Fatal("a stalled transfer ended cleanly")
			}
		})
	}
}

func TestCancelUnblocksStalledTransfer(t *testing.T) {
	srv := ftptest.ServerT(t, ftptest.Options{Mode: ftptest.Plain})
	want := writeFile(t, filepath.Join(srv.Dir, "big.bin"), 1<<20)
	src, err := ftpsource.Open(context.Background(), ftpsource.Options{Addr: srv.Addr, User: srv.User,
		Password: srv.Password, TLS: ftpsource.TLSNone, Timeout: time.Hour, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	srv.StallAfter(100_000)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := src.Fetch(ctx, "big.bin", int64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	err = waitFailure(t, done, "cancel did not unblock a stalled transfer")
	if err == nil {
		t.Fatal("a cancelled transfer ended cleanly")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// waitFailure returns what arrives on done, failing the test with hung when
// nothing arrives in 30 s: a hang is the failure these tests look for.
func waitFailure(t *testing.T, done <-chan error, hung string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal(hung)
		return nil
	}
}

// openMode opens srv in its own TLS mode with the given timeout, and closes
// the source when the test ends.
func openMode(t *testing.T, srv *ftptest.Server, mode ftptest.Mode, timeout time.Duration) *ftpsource.Source {
	t.Helper()
	opts := ftpsource.Options{Addr: srv.Addr, User: srv.User, Password: srv.Password,
		TLS: ftpsource.TLSMode(mode), Timeout: timeout, Log: quiet()}
	if srv.Cert != nil {
		opts.TLSConfig = srv.Cert.ClientConfig()
	}
	src, err := ftpsource.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}
