// Package azuritetest starts Azurite, the local Azure Storage emulator, for
// tests and the demo: blob and queue services on free loopback ports, data in
// memory only, gone when the process stops.
package azuritetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/storage"
)

// devAccountKey is Azurite's published development account key, not a secret.
const devAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// startTimeout bounds how long Azurite may take to report both services listening.
const startTimeout = 30 * time.Second

// Server is a running Azurite process.
type Server struct {
	// ConnectionString addresses the blob and queue services of the
	// devstoreaccount1 account on this server.
	ConnectionString string
	// Account is the storage account opened on ConnectionString.
	Account *storage.Account

	cmd       *exec.Cmd
	done      chan struct{}
	closeOnce sync.Once
}

// Start launches Azurite for a test and stops it when the test ends. When
// Azurite cannot start, the test fails if CI=true and is skipped otherwise.
func Start(tb testing.TB) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := Launch(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("azuritetest: %v", err)
		}
		tb.Skipf("azuritetest: %v (run npm ci to install it)", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// Launch starts Azurite from node_modules/.bin, found by walking up from the
// working directory to the module root, and returns once the blob and queue
// services accept requests; ctx bounds the start only. The caller stops it
// with Close.
func Launch(ctx context.Context) (*Server, error) {
	bin, err := findAzurite()
	if err != nil {
		return nil, err
	}
	workdir, err := os.MkdirTemp("", "azurite-")
	if err != nil {
		return nil, fmt.Errorf("azuritetest: temp dir: %w", err)
	}
	cmd := exec.Command(bin,
		"--blobHost", "127.0.0.1", "--blobPort", "0",
		"--queueHost", "127.0.0.1", "--queuePort", "0",
		"--tableHost", "127.0.0.1", "--tablePort", "0",
		"--inMemoryPersistence", "--extentMemoryLimit", "256",
		"--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry")
	cmd.Dir = workdir
	dieWithParent(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("azuritetest: %w", err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		os.RemoveAll(workdir)
		return nil, fmt.Errorf("azuritetest: start %s: %w", bin, err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		os.RemoveAll(workdir)
		close(s.done)
	}()
	if err := s.awaitReady(ctx, stdout); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// listening matches Azurite's "<Service> service is successfully listening at <url>" lines.
var listening = regexp.MustCompile(`Azurite (Blob|Queue|Table) service is successfully listening at (http://\S+)`)

// awaitReady reads Azurite's output until both blob and queue report their
// addresses, then opens the account on them.
func (s *Server) awaitReady(ctx context.Context, out io.Reader) error {
	urls := make(chan map[string]string, 1)
	var tail strings.Builder
	go func() {
		found := map[string]string{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if m := listening.FindStringSubmatch(line); m != nil {
				found[m[1]] = strings.TrimRight(m[2], "/")
				if found["Blob"] != "" && found["Queue"] != "" && found["Table"] != "" {
					urls <- found
					io.Copy(io.Discard, out)
					return
				}
				continue
			}
			if tail.Len() < 4096 {
				tail.WriteString(line + "\n")
			}
		}
		close(urls)
	}()
	select {
	case found, ok := <-urls:
		if !ok {
			return fmt.Errorf("azuritetest: azurite exited before listening: %s", strings.TrimSpace(tail.String()))
		}
		return s.open(found["Blob"], found["Queue"])
	case <-ctx.Done():
		return fmt.Errorf("azuritetest: azurite not listening: %w", ctx.Err())
	}
}

func (s *Server) open(blobURL, queueURL string) error {
	s.ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + devAccountKey +
		";BlobEndpoint=" + blobURL + "/devstoreaccount1;QueueEndpoint=" + queueURL + "/devstoreaccount1;"
	acct, err := storage.New(storage.Config{ConnectionString: s.ConnectionString})
	if err != nil {
		return fmt.Errorf("azuritetest: open account: %w", err)
	}
	s.Account = acct
	return nil
}

// Close stops Azurite and waits for it to exit.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if runtime.GOOS == "windows" {
			_ = s.cmd.Process.Kill()
		} else {
			_ = s.cmd.Process.Signal(os.Interrupt)
		}
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	return nil
}

// findAzurite looks for node_modules/.bin/azurite in the working directory
// and each parent up to the module root (the directory holding go.mod).
func findAzurite() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("azuritetest: %w", err)
	}
	names := []string{"azurite"}
	if runtime.GOOS == "windows" {
		names = []string{"azurite.cmd"}
	}
	for {
		for _, name := range names {
			p := filepath.Join(dir, "node_modules", ".bin", name)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("azuritetest: node_modules/.bin/azurite not found between the working directory and the module root")
}
