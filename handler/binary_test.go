package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/buildtest"

	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

func TestMain(m *testing.M) {
	code := m.Run()
	buildtest.RemoveAll()
	os.Exit(code)
}

// handlerBinary returns the path of the handler, built once per test run
// with the flags `make build` uses.
func handlerBinary(t testing.TB) string { return buildtest.Handler(t) }

// served is the handler running as the host runs it.
type served struct {
	cmd            *exec.Cmd
	url            string
	stdout, stderr *logbuf.Buffer
	exited         chan struct{} // closed when the process has exited
	exitErr        error         // valid once exited is closed
}

// serveBinary starts the built handler with env as its whole app settings
// and FUNCTIONS_CUSTOMHANDLER_PORT on a free port, and waits for GET /.
func serveBinary(t *testing.T, env map[string]string) *served {
	t.Helper()
	bin := handlerBinary(t)
	port := freePort(t)
	s := &served{url: "http://127.0.0.1:" + port, stdout: &logbuf.Buffer{}, stderr: &logbuf.Buffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin)
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FUNCTIONS_CUSTOMHANDLER_PORT=" + port}
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	sort.Strings(s.cmd.Env)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
	s.awaitReady(t)
	return s
}

func (s *served) awaitReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-s.exited:
			t.Fatalf("handler exited before answering: %v\nstderr: %s", s.exitErr, s.stderr)
		case <-ctx.Done():
			t.Fatalf("handler did not answer GET /\nstderr: %s", s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
